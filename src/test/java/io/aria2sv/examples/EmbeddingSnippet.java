package io.aria2sv.examples;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.Aria2SupervisorClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The README's embedding snippet as a program of its own, for a test that runs it in a child JVM:
 * deploy, add a download, then pause another on each "pause" line of standard input (a call to
 * aria2 that is retried with backoff while aria2c hangs), and undeploy and close Vert.x on any
 * other line. Its {@code main} returns; nothing the supervisor started may keep the JVM alive after
 * that.
 *
 * <p>Arguments: data directory, download directory, URL to add.
 */
public final class EmbeddingSnippet {
  private EmbeddingSnippet() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    JsonObject config =
        new JsonObject()
            .put("aria2", new JsonObject().put("dataDir", args[0]).put("downloadDir", args[1]))
            // quick timings, so that a hung aria2c is noticed and calls to it retried within
            // seconds
            .put(
                "rpc",
                new JsonObject()
                    .put("timeout", "500ms")
                    .put("retry", new JsonObject().put("initialDelay", "200ms")))
            .put(
                "supervisor",
                new JsonObject()
                    .put("checkInterval", "200ms")
                    .put("healthTimeout", "300ms")
                    .put("failureThreshold", 2));
    // --- the README's snippet ---
    Future<Aria2Supervisor> deployed =
        Aria2Supervisor.deploy(vertx, config, false); // false: no HTTP API, event bus only
    deployed
        .compose(
            supervisor -> {
              Aria2SupervisorClient client = new Aria2SupervisorClient(vertx);
              client.onProgress(e -> System.out.println(e.getJsonArray("downloads")));
              return client.add(List.of(args[2]), "file.bin", null);
            })
        .onFailure(
            err -> System.err.println(err.getMessage())); // e.g. Failure with ErrorCode.BAD_REQUEST
    // later: deployed.result().undeploy() stops aria2c gracefully
    // --- end of the snippet ---
    deployed.toCompletionStage().toCompletableFuture().join();
    Aria2SupervisorClient client = new Aria2SupervisorClient(vertx);
    String id =
        client
            .add(List.of(args[2]), "second.bin", null)
            .toCompletionStage()
            .toCompletableFuture()
            .join()
            .getString("id");
    System.out.println("snippet: deployed");
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    // "pause": a call to aria2 (retried with backoff when aria2c does not answer); anything else:
    // stop
    while ("pause".equals(in.readLine())) {
      client
          .pause(id)
          .toCompletionStage()
          .toCompletableFuture()
          .handle((ok, err) -> err == null ? "paused" : "pause failed: " + err.getMessage())
          .thenAccept(outcome -> System.out.println("snippet: " + outcome))
          .join();
    }
    deployed.result().undeploy().toCompletionStage().toCompletableFuture().join();
    vertx.close().toCompletionStage().toCompletableFuture().join();
    System.out.println("snippet: closed");
  }
}
