package io.aria2sv.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.PlainAria2c;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * AriaNg's steady poll (each second: {@code getGlobalStat}, and {@code tellActive}, {@code
 * tellWaiting(0,1000)}, {@code tellStopped(-1,1000)} with its keys), over POST and over GET with
 * base64 params, sent to the supervisor's {@code /jsonrpc} and to a direct aria2c holding the same
 * downloads: the answers agree field by field (keys, types, statuses, lengths).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AriaNgPollTest {
  /** The keys AriaNg 1.3 asks for in its task lists. */
  private static final JsonArray KEYS =
      new JsonArray(
          List.of(
              "gid",
              "totalLength",
              "completedLength",
              "uploadSpeed",
              "downloadSpeed",
              "connections",
              "numSeeders",
              "seeder",
              "status",
              "errorCode",
              "verifiedLength",
              "verifyIntegrityPending",
              "files",
              "bittorrent",
              "infoHash"));

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path root;
  private Aria2Supervisor stack;
  private FileServer files;
  private Process direct;
  private WebClient web;

  @AfterEach
  void tearDown() throws Exception {
    if (direct != null) {
      direct.destroyForcibly().waitFor();
    }
    if (stack != null) {
      SupervisorHarness.await(stack.undeploy());
    }
    if (files != null) {
      files.close();
    }
    assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
  }

  /** One JSON-RPC call to {@code port}, by POST or by GET with base64 params. */
  private Object call(int port, String token, boolean get, String method, Object... params)
      throws Exception {
    JsonArray p = new JsonArray().add("token:" + token);
    for (Object o : params) {
      p.add(o);
    }
    JsonObject reply;
    if (get) {
      String b64 =
          Base64.getUrlEncoder().encodeToString(p.encode().getBytes(StandardCharsets.UTF_8));
      reply =
          SupervisorHarness.await(
                  web.get(port, "127.0.0.1", "/jsonrpc?method=" + method + "&id=1&params=" + b64)
                      .send())
              .bodyAsJsonObject();
    } else {
      reply =
          SupervisorHarness.await(
                  web.post(port, "127.0.0.1", "/jsonrpc")
                      .sendBuffer(
                          Buffer.buffer(
                              new JsonObject()
                                  .put("jsonrpc", "2.0")
                                  .put("id", "1")
                                  .put("method", method)
                                  .put("params", p)
                                  .encode())))
              .bodyAsJsonObject();
    }
    assertThat(reply.getValue("error")).as(method + " " + reply.encode()).isNull();
    return reply.getValue("result");
  }

  /** The three downloads on one side: one complete, one paused, one active (throttled). */
  private void addAll(int port, String token, Path dir) throws Exception {
    for (String[] d :
        new String[][] {{"done.bin", "false"}, {"held.bin", "true"}, {"slow.bin", "false"}}) {
      call(
          port,
          token,
          false,
          "aria2.addUri",
          new JsonArray().add(files.url(d[0])),
          new JsonObject().put("dir", dir.toString()).put("out", d[0]).put("pause", d[1]));
      if (d[0].equals("done.bin")) {
        await()
            .atMost(WAIT)
            .until(
                () ->
                    ((JsonArray)
                                call(
                                    port,
                                    token,
                                    false,
                                    "aria2.tellStopped",
                                    0,
                                    10,
                                    new JsonArray().add("gid")))
                            .size()
                        == 1);
      }
    }
  }

  /**
   * A poll's lists as file name → status object, with what must differ (GIDs, directories) taken
   * out.
   */
  private static Map<String, JsonObject> byName(Object list, Path dir) {
    Map<String, JsonObject> out = new HashMap<>();
    for (Object o : (JsonArray) list) {
      JsonObject s = ((JsonObject) o).copy();
      s.remove("gid");
      JsonArray fs = s.getJsonArray("files");
      String name = Path.of(fs.getJsonObject(0).getString("path")).getFileName().toString();
      fs.getJsonObject(0).put("path", name);
      // aria2c lists a URI once per use (a finished download shows it twice); the registry once
      JsonArray distinct = new JsonArray();
      fs.getJsonObject(0)
          .getJsonArray("uris")
          .forEach(
              u -> {
                JsonObject uri = new JsonObject().put("uri", ((JsonObject) u).getString("uri"));
                if (!distinct.contains(uri)) {
                  distinct.add(uri);
                }
              });
      fs.getJsonObject(0).put("uris", distinct);
      out.put(name, s);
    }
    return out;
  }

  @Test
  void ariaNgsPollAnswersLikeADirectAria2cHoldingTheSameDownloads(Vertx vertx) throws Exception {
    files = new FileServer(vertx).start();
    files.addRandomFile("done.bin", 20_000, 1);
    files.addRandomFile("held.bin", 20_000, 2);
    files.addRandomFile("slow.bin", 8 << 20, 3);
    files.throttle(64 * 1024);
    web = WebClient.create(vertx);
    stack =
        SupervisorHarness.await(
            Aria2Supervisor.deploy(vertx, TestConfig.fast(vertx, root, "http.token", "t")));
    int ours = stack.httpPort();
    int directPort = TestConfig.freePort();
    Path directDir = Files.createDirectories(root.resolve("direct"));
    Path directData = Files.createDirectories(root.resolve("direct-data"));
    direct =
        new ProcessBuilder(PlainAria2c.command(directData, directDir, directPort, "d"))
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("direct.log").toFile())
            .start();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> call(directPort, "d", false, "aria2.getVersion") != null);
    // both aria2c run with enable-dht, enable-dht6, bt-enable-lpd and enable-peer-exchange off
    TestConfig.assertLoopbackOnly(SupervisorHarness.rpc(vertx));
    TestConfig.assertLoopbackOnly(
        new io.aria2sv.rpc.Aria2Rpc(
            web, new io.aria2sv.rpc.Aria2Endpoint("127.0.0.1", directPort, "d")));

    addAll(ours, "t", root.resolve("downloads"));
    addAll(directPort, "d", directDir);

    for (boolean get : new boolean[] {false, true}) {
      JsonObject statOurs = (JsonObject) call(ours, "t", get, "aria2.getGlobalStat");
      JsonObject statDirect = (JsonObject) call(directPort, "d", get, "aria2.getGlobalStat");
      assertThat(statOurs.fieldNames())
          .containsExactlyInAnyOrderElementsOf(statDirect.fieldNames());
      assertThat(statOurs.getString("numActive")).isEqualTo(statDirect.getString("numActive"));
      assertThat(statOurs.getString("numWaiting")).isEqualTo(statDirect.getString("numWaiting"));

      Map<String, JsonObject> activeOurs =
          byName(call(ours, "t", get, "aria2.tellActive", KEYS), root.resolve("downloads"));
      Map<String, JsonObject> activeDirect =
          byName(call(directPort, "d", get, "aria2.tellActive", KEYS), directDir);
      Map<String, JsonObject> waitingOurs =
          byName(
              call(ours, "t", get, "aria2.tellWaiting", 0, 1000, KEYS), root.resolve("downloads"));
      Map<String, JsonObject> waitingDirect =
          byName(call(directPort, "d", get, "aria2.tellWaiting", 0, 1000, KEYS), directDir);
      Map<String, JsonObject> stoppedOurs =
          byName(
              call(ours, "t", get, "aria2.tellStopped", -1, 1000, KEYS), root.resolve("downloads"));
      Map<String, JsonObject> stoppedDirect =
          byName(call(directPort, "d", get, "aria2.tellStopped", -1, 1000, KEYS), directDir);

      assertThat(activeOurs.keySet()).containsExactly("slow.bin").isEqualTo(activeDirect.keySet());
      assertThat(activeOurs.get("slow.bin").fieldNames())
          .containsExactlyInAnyOrderElementsOf(activeDirect.get("slow.bin").fieldNames());
      assertThat(activeOurs.get("slow.bin").getString("status")).isEqualTo("active");
      assertThat(waitingOurs).as("paused, field by field").isEqualTo(waitingDirect);
      assertThat(stoppedOurs)
          .as("complete, field by field (from the registry on our side)")
          .isEqualTo(stoppedDirect);
    }
  }
}
