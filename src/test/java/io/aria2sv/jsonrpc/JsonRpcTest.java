package io.aria2sv.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * aria2's JSON-RPC on {@code /jsonrpc} of the supervisor, with a real aria2c behind it, spoken raw.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class JsonRpcTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path root;
  private Aria2Supervisor stack;
  private WebClient web;
  private FileServer files;
  private int port;

  private void start(Vertx vertx, String... overrides) throws Exception {
    List<String> all = new ArrayList<>(List.of("downloads.progressInterval", "200ms"));
    all.addAll(List.of(overrides));
    stack =
        SupervisorHarness.await(
            Aria2Supervisor.deploy(
                vertx, TestConfig.fast(vertx, root, all.toArray(String[]::new))));
    port = stack.httpPort();
    web = WebClient.create(vertx);
    files = new FileServer(vertx).start();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (stack != null) {
      SupervisorHarness.await(stack.undeploy());
    }
    if (files != null) {
      files.close();
    }
    assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
  }

  private HttpResponse<Buffer> post(String body) throws Exception {
    return SupervisorHarness.await(
        web.post(port, "127.0.0.1", "/jsonrpc").timeout(20_000).sendBuffer(Buffer.buffer(body)));
  }

  private static JsonObject request(String method, Object... params) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", "q")
        .put("method", method)
        .put("params", new JsonArray(List.of(params)));
  }

  private JsonObject call(String method, Object... params) throws Exception {
    HttpResponse<Buffer> r = post(request(method, params).encode());
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/json-rpc");
    return r.bodyAsJsonObject();
  }

  private Object result(String method, Object... params) throws Exception {
    JsonObject reply = call(method, params);
    assertThat(reply.getValue("error")).as(reply.encode()).isNull();
    return reply.getValue("result");
  }

  private String status(String gid) throws Exception {
    return ((JsonObject) result("aria2.tellStatus", gid, new JsonArray().add("status")))
        .getString("status");
  }

  @Test
  void addsGoThroughTheRegistryAndEveryReadShowsThemUnderTheGidsTheClientKnows(Vertx vertx)
      throws Exception {
    start(vertx);
    String sha = files.addRandomFile("rpc.bin", 50_000, 1);
    files.addRandomFile("held.bin", 50_000, 2);

    String gid =
        (String)
            result(
                "aria2.addUri",
                new JsonArray().add(files.url("rpc.bin")),
                new JsonObject().put("out", "rpc.bin"));
    JsonObject viaRest =
        SupervisorHarness.await(web.get(port, "127.0.0.1", "/api/v1/downloads").send())
            .bodyAsJsonObject();
    await().atMost(WAIT).until(() -> status(gid).equals("complete"));
    JsonObject restAdd =
        new JsonObject()
            .put("uris", new JsonArray().add(files.url("held.bin")))
            .put("out", "held.bin")
            .put("options", new JsonObject().put("pause", "true"));
    String heldGid =
        SupervisorHarness.await(
                web.post(port, "127.0.0.1", "/api/v1/downloads").sendJsonObject(restAdd))
            .bodyAsJsonObject()
            .getString("gid");
    JsonArray waiting =
        (JsonArray) result("aria2.tellWaiting", 0, 1000, new JsonArray().add("gid").add("status"));
    JsonArray stopped =
        (JsonArray)
            result(
                "aria2.tellStopped",
                -1,
                1000,
                new JsonArray().add("gid").add("status").add("completedLength"));
    JsonArray filesOf = (JsonArray) result("aria2.getFiles", gid);

    assertThat(gid).matches("[0-9a-f]{16}");
    assertThat(viaRest.getJsonArray("downloads").getJsonObject(0).getString("gid")).isEqualTo(gid);
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/rpc.bin"))))
        .isEqualTo(sha);
    assertThat(waiting).contains(new JsonObject().put("gid", heldGid).put("status", "paused"));
    assertThat(stopped)
        .contains(
            new JsonObject()
                .put("gid", gid)
                .put("status", "complete")
                .put("completedLength", "50000"));
    assertThat(filesOf.getJsonObject(0).getString("path"))
        .isEqualTo(root.resolve("downloads/rpc.bin").toString());
    assertThat(result("aria2.pause", heldGid)).isEqualTo(heldGid);
    assertThat(result("aria2.unpause", heldGid)).isEqualTo(heldGid);
    await().atMost(WAIT).until(() -> status(heldGid).equals("complete"));
    assertThat(result("aria2.removeDownloadResult", heldGid)).isEqualTo("OK");
    assertThat(call("aria2.tellStatus", heldGid).getJsonObject("error").getString("message"))
        .isEqualTo("GID " + heldGid + " is not found");
  }

  @Test
  void theSupervisorsTokenGuardsEveryCallAlsoInsideAMulticallAndAria2csSecretNeverShows(Vertx vertx)
      throws Exception {
    start(vertx, "http.token", "front-end-secret");
    String conf = Files.readString(root.resolve("data/aria2.conf"));
    String aria2Secret =
        conf.lines()
            .filter(l -> l.startsWith("rpc-secret="))
            .findFirst()
            .orElseThrow()
            .substring(11);

    HttpResponse<Buffer> none = post(request("aria2.getVersion").encode());
    HttpResponse<Buffer> aria2cs =
        post(request("aria2.getVersion", "token:" + aria2Secret).encode());
    JsonObject ok = call("aria2.getVersion", "token:front-end-secret");
    JsonObject multi =
        call(
            "system.multicall",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("methodName", "aria2.getVersion")
                        .put("params", new JsonArray().add("token:front-end-secret")))
                .add(
                    new JsonObject()
                        .put("methodName", "aria2.getVersion")
                        .put("params", new JsonArray().add("token:wrong"))));
    JsonObject list = call("system.listMethods");

    assertThat(none.statusCode()).isEqualTo(400);
    assertThat(none.bodyAsJsonObject().getJsonObject("error"))
        .isEqualTo(new JsonObject().put("code", 1).put("message", "Unauthorized"));
    assertThat(aria2cs.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .as("aria2c's own secret is not ours")
        .isEqualTo("Unauthorized");
    assertThat(ok.getJsonObject("result").getString("version")).isEqualTo("1.36.0");
    JsonArray results = multi.getJsonArray("result");
    assertThat(results.getJsonArray(0).getJsonObject(0).getString("version")).isEqualTo("1.36.0");
    assertThat(results.getJsonObject(1))
        .isEqualTo(new JsonObject().put("code", 1).put("message", "Unauthorized"));
    assertThat(list.getJsonArray("result")).contains("aria2.addUri", "system.multicall");
    assertThat(multi.encode() + ok.encode()).doesNotContain(aria2Secret);
  }

  @Test
  void badInputGetsAria2sErrorAnswersAndAPathOutsideTheRootIsRefusedAtEveryLevel(Vertx vertx)
      throws Exception {
    start(vertx);
    HttpResponse<Buffer> parse = post("{not json");
    HttpResponse<Buffer> unknown = post(request("aria2.nope").encode());
    HttpResponse<Buffer> wrongType = post(request("aria2.tellStatus", 5).encode());
    HttpResponse<Buffer> deep = post("[".repeat(40) + "]".repeat(40));
    HttpResponse<Buffer> etc =
        post(
            request(
                    "system.multicall",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("methodName", "aria2.addUri")
                                .put(
                                    "params",
                                    new JsonArray()
                                        .add(new JsonArray().add("http://127.0.0.1:9/x"))
                                        .add(new JsonObject().put("dir", "/etc")))))
                .encode());
    HttpResponse<Buffer> shutdown = post(request("aria2.shutdown").encode());
    HttpResponse<Buffer> batch =
        post(
            new JsonArray()
                .add(request("aria2.getVersion"))
                .add(new JsonObject().put("id", 7))
                .encode());

    for (HttpResponse<Buffer> r : List.of(parse, unknown, wrongType, deep, shutdown)) {
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
      assertThat(r.bodyAsString()).doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat(parse.bodyAsJsonObject().getJsonObject("error"))
        .isEqualTo(new JsonObject().put("code", -32700).put("message", "Parse error."));
    assertThat(unknown.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .isEqualTo("No such method: aria2.nope");
    assertThat(wrongType.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .isEqualTo("The parameter at 0 has wrong type.");
    assertThat(shutdown.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("refused");
    JsonObject nested = etc.bodyAsJsonObject().getJsonArray("result").getJsonObject(0);
    assertThat(nested.getInteger("code")).isEqualTo(1);
    assertThat(nested.getString("message")).startsWith("dir:");
    JsonArray both = batch.bodyAsJsonArray();
    assertThat(batch.statusCode()).isEqualTo(200);
    assertThat(both.getJsonObject(0).getJsonObject("result").getString("version"))
        .isEqualTo("1.36.0");
    assertThat(both.getJsonObject(1).getJsonObject("error").getInteger("code")).isEqualTo(-32600);
    assertThat(
            SupervisorHarness.await(web.get(port, "127.0.0.1", "/api/v1/downloads").send())
                .bodyAsJsonObject()
                .getInteger("total"))
        .as("nothing was added")
        .isZero();
  }

  @Test
  void anOversizedBodyIsA413InAria2sShapeAndABrowserFrontEndPassesCorsOnlyFromAnAllowedOrigin(
      Vertx vertx) throws Exception {
    start(vertx, "http.maxBodySize", "2000", "http.corsOrigins", "https://ariang.example");
    HttpResponse<Buffer> big =
        post(
            request("aria2.addUri", new JsonArray().add("http://127.0.0.1:9/" + "x".repeat(3000)))
                .encode());
    HttpResponse<Buffer> preflight =
        SupervisorHarness.await(
            web.request(io.vertx.core.http.HttpMethod.OPTIONS, port, "127.0.0.1", "/jsonrpc")
                .putHeader("Origin", "https://ariang.example")
                .putHeader("Access-Control-Request-Method", "POST")
                .send());
    HttpResponse<Buffer> allowed =
        SupervisorHarness.await(
            web.post(port, "127.0.0.1", "/jsonrpc")
                .putHeader("Origin", "https://ariang.example")
                .sendBuffer(Buffer.buffer(request("aria2.getVersion").encode())));
    HttpResponse<Buffer> other =
        SupervisorHarness.await(
            web.post(port, "127.0.0.1", "/jsonrpc")
                .putHeader("Origin", "https://evil.example")
                .sendBuffer(Buffer.buffer(request("aria2.getVersion").encode())));

    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(1);
    assertThat(big.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("2000 bytes");
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("POST");
    assertThat(allowed.getHeader("Access-Control-Allow-Origin"))
        .isEqualTo("https://ariang.example");
    assertThat(other.getHeader("Access-Control-Allow-Origin")).isNull();
    assertThat(
            SupervisorHarness.await(web.get(port, "127.0.0.1", "/api/v1/downloads").send())
                .bodyAsJsonObject()
                .getInteger("total"))
        .isZero();
  }

  @Test
  void whileAria2cIsStoppedReadsAnswerFromTheRegistryAndAnAddSentAsItDiesWaitsForTheNext(
      Vertx vertx) throws Exception {
    start(vertx);
    files.addRandomFile("later.bin", 20_000, 4);
    String held =
        (String)
            result(
                "aria2.addUri",
                new JsonArray().add(files.url("later.bin")),
                new JsonObject().put("out", "held.bin").put("pause", "true"));
    SupervisorHarness.await(
        vertx
            .eventBus()
            .request(
                io.aria2sv.bus.Addresses.SUPERVISOR_STOP,
                new JsonObject(),
                new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(30_000)));

    JsonObject st = (JsonObject) result("aria2.tellStatus", held);
    JsonArray waiting =
        (JsonArray) result("aria2.tellWaiting", 0, 10, new JsonArray().add("gid").add("status"));
    JsonObject stat = (JsonObject) result("aria2.getGlobalStat");
    SupervisorHarness.await(
        vertx
            .eventBus()
            .request(
                io.aria2sv.bus.Addresses.SUPERVISOR_START,
                new JsonObject(),
                new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(30_000)));
    // an add sent as aria2c dies waits for the next one
    Signals.kill9(SupervisorHarness.aria2Pid(vertx));
    String later =
        (String)
            result(
                "aria2.addUri",
                new JsonArray().add(files.url("later.bin")),
                new JsonObject().put("out", "later.bin"));

    assertThat(st.getString("status")).isEqualTo("paused");
    assertThat(st.getString("downloadSpeed")).isEqualTo("0");
    assertThat(waiting).contains(new JsonObject().put("gid", held).put("status", "paused"));
    assertThat(stat.getString("downloadSpeed")).isEqualTo("0");
    await().atMost(WAIT).until(() -> status(later).equals("complete"));
  }

  @Test
  void getWithBase64ParamsAndAJsonpCallbackAnswersLikeAria2c(Vertx vertx) throws Exception {
    start(vertx);
    String params = Base64.getEncoder().encodeToString("[]".getBytes(StandardCharsets.UTF_8));

    HttpResponse<Buffer> r =
        SupervisorHarness.await(
            web.get(
                    port,
                    "127.0.0.1",
                    "/jsonrpc?method=aria2.getGlobalStat&id=g1&params="
                        + params
                        + "&jsoncallback=cb")
                .send());

    assertThat(r.getHeader("Content-Type")).isEqualTo("text/javascript");
    String body = r.bodyAsString();
    assertThat(body).startsWith("cb(").endsWith(")");
    JsonObject reply = new JsonObject(body.substring(3, body.length() - 1));
    assertThat(reply.getString("id")).isEqualTo("g1");
    assertThat(reply.getJsonObject("result").fieldNames())
        .contains("downloadSpeed", "numActive", "numWaiting", "numStopped");
  }

  @Test
  void aWebSocketClientGetsEachNotificationOnceAndStaysConnectedWhileAria2cIsKilled(Vertx vertx)
      throws Exception {
    start(vertx);
    files.addRandomFile("ws.bin", 1 << 20, 3);
    files.throttle(256 * 1024);
    List<JsonObject> frames = new CopyOnWriteArrayList<>();
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocket ws = SupervisorHarness.await(client.connect(port, "127.0.0.1", "/jsonrpc"));
    ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
    boolean[] closed = {false};
    ws.closeHandler(v -> closed[0] = true);

    ws.writeTextMessage(
        request(
                "aria2.addUri",
                new JsonArray().add(files.url("ws.bin")),
                new JsonObject().put("out", "ws.bin"))
            .encode());
    await().atMost(WAIT).until(() -> frames.stream().anyMatch(f -> f.containsKey("result")));
    String gid =
        frames.stream()
            .filter(f -> f.containsKey("result"))
            .findFirst()
            .orElseThrow()
            .getString("result");
    await().atMost(WAIT).until(() -> methods(frames, gid).contains("aria2.onDownloadStart"));
    Signals.kill9(SupervisorHarness.aria2Pid(vertx));
    files.throttle(0);
    await().atMost(WAIT).until(() -> methods(frames, gid).contains("aria2.onDownloadComplete"));

    assertThat(closed[0]).as("the socket stays open across the restart").isFalse();
    List<String> seen = methods(frames, gid);
    assertThat(seen)
        .containsOnlyOnce("aria2.onDownloadComplete")
        .doesNotContain("aria2.onDownloadStop", "aria2.onDownloadError");
    assertThat(seen.get(0)).isEqualTo("aria2.onDownloadStart");
    ws.close();
  }

  private static List<String> methods(List<JsonObject> frames, String gid) {
    return frames.stream()
        .filter(f -> f.containsKey("method"))
        .filter(f -> gid.equals(f.getJsonArray("params").getJsonObject(0).getString("gid")))
        .map(f -> f.getString("method"))
        .toList();
  }
}
