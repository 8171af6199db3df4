package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.Addresses;
import io.aria2sv.downloads.DownloadsVerticle;
import io.aria2sv.rpc.Aria2Endpoint;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An add whose reply is lost is retried; aria2 then refuses the GID it already has (as aria2 1.36
 * does, with a misleading message), and the download must be recognised as added, not duplicated
 * and not failed. A scripted JSON-RPC server plays aria2 here, single calls and multicalls alike:
 * this is retry and error mapping.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IdempotentAddTest {
  @TempDir Path root;

  @Test
  void anAddWhoseReplyWasLostIsRecognisedNotDuplicated(Vertx vertx) throws Exception {
    List<String> calls = new CopyOnWriteArrayList<>();
    List<String> gids = new CopyOnWriteArrayList<>();
    HttpServer fake =
        vertx
            .createHttpServer()
            // aria2c's notifications: once connected, the engine reconciles and opens its window
            .webSocketHandler(ws -> {})
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b -> {
                              JsonObject rpc = b.toJsonObject();
                              JsonObject answer =
                                  new JsonObject()
                                      .put("jsonrpc", "2.0")
                                      .put("id", rpc.getString("id"));
                              List<JsonObject> inner =
                                  "system.multicall".equals(rpc.getString("method"))
                                      ? rpc.getJsonArray("params").getJsonArray(0).stream()
                                          .map(JsonObject.class::cast)
                                          .toList()
                                      : List.of(
                                          new JsonObject()
                                              .put("methodName", rpc.getString("method"))
                                              .put("params", rpc.getJsonArray("params")));
                              JsonArray results = new JsonArray();
                              boolean loseAnswer = false;
                              for (JsonObject call : inner) {
                                String method = call.getString("methodName");
                                JsonArray params = call.getJsonArray("params");
                                calls.add(method);
                                switch (method) {
                                  case "aria2.addUri" -> {
                                    String gid = params.getJsonObject(2).getString("gid");
                                    if (!gids.contains(gid)) {
                                      gids.add(gid);
                                      loseAnswer = true; // added, but the answer never arrives
                                      results.add(new JsonArray().add(gid));
                                    } else {
                                      results.add(
                                          new JsonObject()
                                              .put("code", 1)
                                              .put("message", "No URI to download."));
                                    }
                                  }
                                  case "aria2.tellStatus" -> {
                                    String gid = params.getString(1);
                                    results.add(
                                        gids.contains(gid)
                                            ? new JsonArray().add(new JsonObject().put("gid", gid))
                                            : new JsonObject()
                                                .put("code", 1)
                                                .put("message", "GID " + gid + " is not found"));
                                  }
                                  default -> results.add(new JsonArray().add(new JsonArray()));
                                }
                              }
                              if (loseAnswer) {
                                req.connection().close();
                              } else if (inner.size() > 1
                                  || "system.multicall".equals(rpc.getString("method"))) {
                                req.response().end(answer.put("result", results).encode());
                              } else if (results.getValue(0) instanceof JsonObject error) {
                                req.response()
                                    .setStatusCode(400)
                                    .end(answer.put("error", error).encode());
                              } else {
                                req.response()
                                    .end(
                                        answer
                                            .put("result", results.getJsonArray(0).getValue(0))
                                            .encode());
                              }
                            }))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    // A supervisor that reports this fake aria2 as running.
    vertx
        .eventBus()
        .<JsonObject>consumer(
            Addresses.SUPERVISOR_ENDPOINT,
            m ->
                m.reply(
                    new Aria2Endpoint("127.0.0.1", fake.actualPort(), "s")
                        .toJson()
                        .put("sessionId", "fake")));
    JsonObject config =
        TestConfig.fast(
            vertx, root, "rpc.retry.initialDelay", "10ms", "rpc.retry.maxDelay", "20ms");
    SupervisorHarness.await(
        vertx.deployVerticle(new DownloadsVerticle(), DownloadsVerticle.options(config)));

    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> calls.contains("aria2.tellStopped"));
    JsonObject added =
        SupervisorHarness.await(
                vertx
                    .eventBus()
                    .<JsonObject>request(
                        Addresses.DOWNLOADS_ADD,
                        new JsonObject().put("uris", new JsonArray().add("http://127.0.0.1:9/x"))))
            .body();

    assertThat(added.getString("gid")).isEqualTo(gids.get(0));
    assertThat(gids).hasSize(1);
    assertThat(calls.stream().filter("aria2.addUri"::equals)).hasSize(2);
    assertThat(calls).contains("aria2.tellStatus");
    JsonArray all =
        SupervisorHarness.await(
                vertx.eventBus().<JsonObject>request(Addresses.DOWNLOADS_LIST, new JsonObject()))
            .body()
            .getJsonArray("downloads");
    assertThat(all).hasSize(1);
    assertThat(all.getJsonObject(0).getString("status")).isNotEqualTo("failed");
  }
}
