package io.aria2sv.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.Aria2SupervisorClient;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.config.ConfigException;
import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A host Vert.x application embeds the supervisor with one call and talks to it over the bus. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddingTest {
  @TempDir Path root;

  private JsonObject supervisorConfig() {
    return new JsonObject()
        .put(
            "aria2",
            new JsonObject()
                .put("dataDir", root.resolve("data").toString())
                .put("downloadDir", root.resolve("downloads").toString()))
        .put("downloads", new JsonObject().put("progressInterval", "200ms"));
  }

  @Test
  void aHostVerticleAddsADownloadFollowsItToCompletionAndLeavesNoAria2(Vertx vertx)
      throws Exception {
    try (FileServer files = new FileServer(vertx).start()) {
      String sha = files.addRandomFile("host.bin", 2 << 20, 31);
      files.throttle(4 << 20);
      List<Integer> progress = new CopyOnWriteArrayList<>();
      vertx.eventBus().<Integer>consumer("host.progress", m -> progress.add(m.body()));
      JsonObject[] done = new JsonObject[1];
      vertx.eventBus().<JsonObject>consumer("host.done", m -> done[0] = m.body());

      String id =
          SupervisorHarness.await(
              vertx.deployVerticle(
                  new HostVerticle(),
                  new DeploymentOptions()
                      .setConfig(
                          new JsonObject()
                              .put("url", files.url("host.bin"))
                              .put("out", "host.bin")
                              .put("supervisor", supervisorConfig()))));

      assertThat(done[0].getString("status")).isEqualTo("complete");
      assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/host.bin"))))
          .isEqualTo(sha);
      assertThat(progress).isNotEmpty().isSorted();
      SupervisorHarness.await(vertx.undeploy(id));
      assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
    }
  }

  @Test
  void theReadmeSnippetsJvmEndsOnItsOwnAfterUndeployAndCloseEvenAfterRetriedCalls(Vertx vertx)
      throws Exception {
    try (FileServer files = new FileServer(vertx).start()) {
      files.addRandomFile("big.bin", 64 << 20, 3);
      files.throttle(256 * 1024);
      Path data = root.resolve("data");
      try (ChildJvm jvm =
          ChildJvm.mainClass(
              EmbeddingSnippet.class.getName(),
              root,
              Map.of(),
              data.toString(),
              root.resolve("downloads").toString(),
              files.url("big.bin"))) {
        jvm.awaitOutput("snippet: deployed", Duration.ofSeconds(30));
        long first = Long.parseLong(Files.readString(data.resolve("aria2.pid")).trim());
        // a hung aria2c: the pause times out and is retried with backoff until a new aria2c answers
        Signals.stop(first);
        jvm.tell("pause");
        jvm.awaitOutput("snippet: pause", Duration.ofSeconds(20));
        assertThat(jvm.output()).contains("health check failed");

        jvm.tell("stop");

        assertThat(jvm.awaitExit(Duration.ofSeconds(30))).as(jvm.output()).isZero();
        assertThat(jvm.output()).contains("snippet: closed");
      }
      assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
    }
  }

  @Test
  void failuresArriveAsDocumentedErrorCodes(Vertx vertx) throws Exception {
    Aria2SupervisorClient client = new Aria2SupervisorClient(vertx);
    assertThat(code(() -> client.status())).isEqualTo(ErrorCode.NOT_RUNNING);

    Aria2Supervisor s =
        SupervisorHarness.await(Aria2Supervisor.deploy(vertx, supervisorConfig(), false));
    try {
      assertThat(s.httpPort()).isEqualTo(-1);
      assertThat(SupervisorHarness.await(client.status()).getString("state")).isEqualTo("RUNNING");
      assertThat(code(() -> client.get("missing"))).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(code(() -> client.add(List.of("file:///etc/passwd"), null, null)))
          .isEqualTo(ErrorCode.BAD_REQUEST);
    } finally {
      SupervisorHarness.await(s.undeploy());
    }
    assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
  }

  @Test
  void aBadKeyInTheHostsConfigurationIsNamed(Vertx vertx) {
    JsonObject bad =
        supervisorConfig().put("supervisor", new JsonObject().put("checkInterval", "sometimes"));
    Throwable failure =
        catchFailure(() -> SupervisorHarness.await(Aria2Supervisor.deploy(vertx, bad, false)));
    assertThat(failure)
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("supervisor.checkInterval");
  }

  private interface Call {
    Object run() throws Exception;
  }

  private static Throwable catchFailure(Call call) {
    try {
      call.run();
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("no failure");
  }

  private static ErrorCode code(
      java.util.function.Supplier<io.vertx.core.Future<JsonObject>> call) {
    Throwable t = catchFailure(() -> SupervisorHarness.await(call.get()));
    return ((Aria2SupervisorClient.Failure) t).code();
  }
}
