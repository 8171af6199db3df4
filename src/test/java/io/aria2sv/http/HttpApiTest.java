package io.aria2sv.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.Events;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API, SSE, health, metrics and access rules against the whole stack and a real aria2c.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HttpApiTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern FRAME_ID = Pattern.compile("^id: (\\d+)$", Pattern.MULTILINE);

  @TempDir Path root;
  private Vertx vertx;
  private Aria2Supervisor stack;
  private WebClient web;
  private int port;
  private FileServer files;

  private void start(Vertx vertx, String... overrides) throws Exception {
    this.vertx = vertx;
    List<String> all =
        new ArrayList<>(
            List.of("downloads.progressInterval", "200ms", "downloads.retryDelay", "100ms"));
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

  private HttpResponse<Buffer> call(
      HttpMethod method, String path, String contentType, Buffer body, String... headers)
      throws Exception {
    var req = web.request(method, port, "127.0.0.1", path).timeout(20_000);
    if (contentType != null) {
      req.putHeader("Content-Type", contentType);
    }
    for (int i = 0; i < headers.length; i += 2) {
      req.putHeader(headers[i], headers[i + 1]);
    }
    return SupervisorHarness.await(body == null ? req.send() : req.sendBuffer(body));
  }

  private HttpResponse<Buffer> get(String path, String... headers) throws Exception {
    return call(HttpMethod.GET, path, null, null, headers);
  }

  private HttpResponse<Buffer> post(String path, JsonObject body, String... headers)
      throws Exception {
    return call(
        HttpMethod.POST, path, "application/json", body == null ? null : body.toBuffer(), headers);
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message"))
        .isNotBlank()
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  @Test
  void aTorrentAndAMetalinkUploadedAsFormDataBecomeADownloadAndABatch(Vertx vertx)
      throws Exception {
    start(vertx);
    byte[] content = new byte[60_000];
    new java.util.Random(12).nextBytes(content);
    files.addFile("form.bin", content);
    byte[] torrent = io.aria2sv.testing.Torrents.single("form.bin", content, files.url("form.bin"));
    String sha = files.addRandomFile("listed.bin", 10_000, 13);
    String metalink =
        "<metalink xmlns=\"urn:ietf:params:xml:ns:metalink\"><file name=\"listed.bin\"><hash type=\"sha-256\">"
            + sha
            + "</hash><url>"
            + files.url("listed.bin")
            + "</url></file></metalink>";

    HttpResponse<Buffer> t =
        SupervisorHarness.await(
            web.post(port, "127.0.0.1", "/api/v1/downloads")
                .sendMultipartForm(
                    MultipartForm.create()
                        .attribute("options", "{\"seed-time\":\"0\"}")
                        .attribute("dir", "from-form")
                        .binaryFileUpload(
                            "torrent",
                            "form.torrent",
                            Buffer.buffer(torrent),
                            "application/x-bittorrent")));
    HttpResponse<Buffer> m =
        SupervisorHarness.await(
            web.post(port, "127.0.0.1", "/api/v1/downloads")
                .sendMultipartForm(
                    MultipartForm.create()
                        .binaryFileUpload(
                            "metalink",
                            "set.meta4",
                            Buffer.buffer(metalink),
                            "application/metalink4+xml")));
    HttpResponse<Buffer> none =
        SupervisorHarness.await(
            web.post(port, "127.0.0.1", "/api/v1/downloads")
                .sendMultipartForm(MultipartForm.create().attribute("dir", "x")));

    assertThat(t.statusCode()).as(t.bodyAsString()).isEqualTo(201);
    assertThat(t.getHeader("Location")).startsWith("/api/v1/downloads/");
    assertThat(m.statusCode()).as(m.bodyAsString()).isEqualTo(201);
    assertThat(m.getHeader("Location")).startsWith("/api/v1/batches/");
    assertError(none, 400, "BAD_REQUEST");
    await()
        .atMost(WAIT)
        .until(
            () ->
                get(t.getHeader("Location"))
                    .bodyAsJsonObject()
                    .getString("status")
                    .equals("complete"));
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/from-form/form.bin"))))
        .isEqualTo(FileServer.sha256(content));
    String listed = m.bodyAsJsonObject().getJsonArray("downloads").getString(0);
    await()
        .atMost(WAIT)
        .until(
            () ->
                get("/api/v1/downloads/" + listed)
                    .bodyAsJsonObject()
                    .getString("status")
                    .equals("complete"));
    try (var left = Files.list(root.resolve("data/uploads"))) {
      assertThat(left.toList()).as("uploads are deleted once answered").isEmpty();
    }
  }

  @Test
  void supervisorEndpointsAnswerWithTheDocumentedShapes(Vertx vertx) throws Exception {
    start(vertx);
    JsonObject status = get("/api/v1/supervisor").bodyAsJsonObject();
    assertThat(status.fieldNames())
        .contains(
            "state",
            "pid",
            "rpcPort",
            "startedAt",
            "uptimeMs",
            "restarts",
            "lastRestart",
            "rpcHealthy",
            "version",
            "sessionId");
    assertThat(status.getString("state")).isEqualTo("RUNNING");

    JsonObject stats = get("/api/v1/stats").bodyAsJsonObject();
    assertThat(stats.getJsonObject("globalStat").getLong("downloadSpeed")).isNotNull();

    HttpResponse<Buffer> restart = post("/api/v1/supervisor/restart", null);
    assertThat(restart.statusCode()).isEqualTo(202);
    assertThat(restart.bodyAsJsonObject().getString("accepted")).isEqualTo("restart");
    await()
        .atMost(WAIT)
        .until(() -> get("/api/v1/supervisor").bodyAsJsonObject().getInteger("restarts") == 1);
  }

  @Test
  void readyIs503WhileAria2IsStoppedAndLiveStays200(Vertx vertx) throws Exception {
    start(vertx);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);

    assertThat(post("/api/v1/supervisor/stop", null).statusCode()).isEqualTo(202);

    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 503);
    JsonObject ready = get("/health/ready").bodyAsJsonObject();
    assertThat(ready.getString("outcome")).isEqualTo("DOWN");
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertError(get("/api/v1/stats"), 503, "NOT_RUNNING");
    assertThat(post("/api/v1/supervisor/start", null).statusCode()).isEqualTo(202);
    await().atMost(WAIT).until(() -> get("/health/ready").statusCode() == 200);
  }

  @Test
  void aDownloadGoesThroughItsLifeOverRest(Vertx vertx) throws Exception {
    start(vertx);
    files.addRandomFile("a.bin", 1 << 20, 1);
    files.throttle(256 * 1024);

    HttpResponse<Buffer> created =
        post(
            "/api/v1/downloads",
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("a.bin")))
                .put("out", "a.bin"));
    assertThat(created.statusCode()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/downloads/" + id);
    assertThat(created.bodyAsJsonObject().fieldNames())
        .contains(
            "id",
            "gid",
            "batchId",
            "uris",
            "dir",
            "out",
            "status",
            "completedLength",
            "totalLength",
            "downloadSpeed",
            "percent",
            "etaSeconds",
            "errorCode",
            "errorMessage",
            "retry",
            "createdAt",
            "updatedAt");

    assertThat(get("/api/v1/downloads/" + id).bodyAsJsonObject().getString("id")).isEqualTo(id);
    assertThat(
            post("/api/v1/downloads/" + id + "/pause", null).bodyAsJsonObject().getString("status"))
        .isEqualTo("paused");
    assertThat(get("/api/v1/downloads?status=paused").bodyAsJsonObject().getJsonArray("downloads"))
        .hasSize(1);
    assertThat(get("/api/v1/downloads?status=active").bodyAsJsonObject().getJsonArray("downloads"))
        .isEmpty();
    assertThat(post("/api/v1/downloads/" + id + "/resume", null).statusCode()).isEqualTo(200);
    assertError(post("/api/v1/downloads/" + id + "/retry", null), 409, "CONFLICT");
    assertThat(
            call(HttpMethod.DELETE, "/api/v1/downloads/" + id + "?deleteFiles=true", null, null)
                .statusCode())
        .isEqualTo(204);
    assertThat(get("/api/v1/downloads/" + id).bodyAsJsonObject().getString("status"))
        .isEqualTo("removed");
    assertError(get("/api/v1/downloads/unknown"), 404, "NOT_FOUND");

    HttpResponse<Buffer> batch =
        post(
            "/api/v1/batches",
            new JsonObject()
                .put(
                    "items",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("uris", new JsonArray().add(files.url("a.bin")))
                                .put("out", "b.bin"))));
    assertThat(batch.statusCode()).isEqualTo(201);
    String batchId = batch.bodyAsJsonObject().getString("id");
    files.throttle(0);
    await()
        .atMost(WAIT)
        .until(() -> get("/api/v1/batches/" + batchId).bodyAsJsonObject().getBoolean("done"));
    JsonObject b = get("/api/v1/batches/" + batchId).bodyAsJsonObject();
    assertThat(b.fieldNames())
        .contains(
            "id",
            "total",
            "waiting",
            "active",
            "paused",
            "retrying",
            "complete",
            "failed",
            "removed",
            "percent",
            "completedLength",
            "totalLength",
            "downloadSpeed",
            "done");
    assertThat(b.getInteger("complete")).isEqualTo(1);
    assertThat(
            get("/api/v1/downloads?batch=" + batchId).bodyAsJsonObject().getJsonArray("downloads"))
        .hasSize(1);
  }

  private String liveGlobal(String name) throws Exception {
    return SupervisorHarness.await(
            SupervisorHarness.rpc(vertx).callObject("aria2.getGlobalOption", Duration.ofSeconds(2)))
        .getString(name);
  }

  private HttpResponse<Buffer> patch(String path, JsonObject body) throws Exception {
    return call(HttpMethod.PATCH, path, "application/json", body.toBuffer());
  }

  @Test
  void globalOptionsChangeWithoutARestartAreCheckedFirstAndOutliveARestartOfAria2cAndOfTheJvm(
      Vertx vertx) throws Exception {
    start(vertx, "aria2.options.max-concurrent-downloads", "3");
    long pid = SupervisorHarness.aria2Pid(vertx);
    JsonObject before = get("/api/v1/options").bodyAsJsonObject();
    assertThat(before.getJsonObject("options").getString("max-overall-download-limit"))
        .isEqualTo("0");
    assertThat(before.getJsonObject("options").getString("max-concurrent-downloads"))
        .isEqualTo("3");
    assertThat(before.getJsonObject("configured").getString("max-concurrent-downloads"))
        .isEqualTo("3");

    HttpResponse<Buffer> set =
        patch(
            "/api/v1/options",
            new JsonObject()
                .put("max-overall-download-limit", "1M")
                .put("max-concurrent-downloads", 7));
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(200);
    assertThat(
            set.bodyAsJsonObject().getJsonObject("options").getString("max-overall-download-limit"))
        .isEqualTo("1048576");
    assertThat(liveGlobal("max-overall-download-limit")).isEqualTo("1048576");
    assertThat(liveGlobal("max-concurrent-downloads")).isEqualTo("7");
    assertThat(SupervisorHarness.aria2Pid(vertx)).as("no restart").isEqualTo(pid);
    assertThat(Files.readString(root.resolve("data/options.json"))).contains("1M");

    assertError(
        patch("/api/v1/options", new JsonObject().put("max-overall-download-limit", "fast")),
        400,
        "BAD_REQUEST");
    assertThat(
            patch("/api/v1/options", new JsonObject().put("max-overall-download-limit", "fast"))
                .bodyAsJsonObject()
                .getJsonObject("error")
                .getString("message"))
        .startsWith("options.max-overall-download-limit: aria2c refuses the value 'fast'");
    assertThat(
            patch("/api/v1/options", new JsonObject().put("max-overal-download-limit", "1M"))
                .bodyAsJsonObject()
                .getJsonObject("error")
                .getString("message"))
        .contains("did you mean max-overall-download-limit?");
    assertError(
        patch("/api/v1/options", new JsonObject().put("rpc-secret", "x")), 400, "BAD_REQUEST");
    assertThat(liveGlobal("max-overall-download-limit"))
        .as("a refused change changes nothing")
        .isEqualTo("1048576");

    assertThat(post("/api/v1/supervisor/restart", null).statusCode()).isEqualTo(202);
    await()
        .atMost(WAIT)
        .until(
            () -> {
              JsonObject st = get("/api/v1/supervisor").bodyAsJsonObject();
              return "RUNNING".equals(st.getString("state")) && st.getLong("pid") != pid;
            });
    assertThat(liveGlobal("max-overall-download-limit"))
        .as("a new aria2c gets it")
        .isEqualTo("1048576");

    SupervisorHarness.await(stack.undeploy());
    stack =
        SupervisorHarness.await(
            Aria2Supervisor.deploy(
                vertx,
                TestConfig.fast(vertx, root, "aria2.options.max-concurrent-downloads", "3")));
    port = stack.httpPort();
    assertThat(liveGlobal("max-overall-download-limit"))
        .as("a restart of the whole supervisor keeps it")
        .isEqualTo("1048576");
    assertThat(liveGlobal("max-concurrent-downloads")).isEqualTo("7");

    JsonObject back =
        patch(
                "/api/v1/options",
                new JsonObject()
                    .putNull("max-overall-download-limit")
                    .putNull("max-concurrent-downloads"))
            .bodyAsJsonObject();
    assertThat(back.getJsonObject("overrides")).isEmpty();
    assertThat(liveGlobal("max-overall-download-limit")).as("aria2's default again").isEqualTo("0");
    assertThat(liveGlobal("max-concurrent-downloads"))
        .as("the configured value again")
        .isEqualTo("3");
  }

  @Test
  void theSpeedGaugeReadsZeroOnceNothingIsActive(Vertx vertx) throws Exception {
    start(vertx);
    files.addRandomFile("s.bin", 1 << 20, 5);
    files.throttle(512 * 1024);
    String id =
        post(
                "/api/v1/downloads",
                new JsonObject()
                    .put("uris", new JsonArray().add(files.url("s.bin")))
                    .put("out", "s.bin"))
            .bodyAsJsonObject()
            .getString("id");
    await().atMost(WAIT).until(() -> metric("aria2sv_download_speed_bytes_per_second") > 0);

    await()
        .atMost(WAIT)
        .until(
            () ->
                "complete"
                    .equals(get("/api/v1/downloads/" + id).bodyAsJsonObject().getString("status")));

    await().atMost(WAIT).until(() -> metric("aria2sv_download_speed_bytes_per_second") == 0.0);
  }

  @Test
  void theListComesAPageAtATimeWithTheCountOfEveryMatch(Vertx vertx) throws Exception {
    start(vertx);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(
          post(
                  "/api/v1/downloads",
                  new JsonObject()
                      .put("uris", new JsonArray().add(files.url("p" + i)))
                      .put("options", new JsonObject().put("pause", "true")))
              .bodyAsJsonObject()
              .getString("id"));
    }
    JsonObject first = get("/api/v1/downloads?limit=2").bodyAsJsonObject();
    assertThat(first.getInteger("total")).isEqualTo(5);
    assertThat(first.getInteger("offset")).isZero();
    assertThat(first.getInteger("limit")).isEqualTo(2);
    assertThat(idsOf(first)).containsExactly(ids.get(0), ids.get(1));
    assertThat(idsOf(get("/api/v1/downloads?offset=2&limit=2").bodyAsJsonObject()))
        .containsExactly(ids.get(2), ids.get(3));
    assertThat(idsOf(get("/api/v1/downloads?offset=4&limit=2").bodyAsJsonObject()))
        .containsExactly(ids.get(4));
    assertThat(idsOf(get("/api/v1/downloads?offset=9").bodyAsJsonObject())).isEmpty();
    assertThat(idsOf(get("/api/v1/downloads?order=newest&limit=3").bodyAsJsonObject()))
        .containsExactly(ids.get(4), ids.get(3), ids.get(2));
    // Filters count before the page: total is every match, not the page.
    JsonObject paused = get("/api/v1/downloads?status=paused&limit=1").bodyAsJsonObject();
    assertThat(paused.getInteger("total")).isEqualTo(5);
    assertThat(idsOf(paused)).containsExactly(ids.get(0));
    JsonObject unbounded = get("/api/v1/downloads").bodyAsJsonObject();
    assertThat(unbounded.getInteger("limit")).isEqualTo(1000);
    assertThat(idsOf(unbounded)).containsExactlyElementsOf(ids);

    assertThat(
            get("/api/v1/downloads?limit=1001")
                .bodyAsJsonObject()
                .getJsonObject("error")
                .getString("message"))
        .isEqualTo("limit: must be a whole number from 1 to 1000");
    assertThat(
            get("/api/v1/downloads?offset=x")
                .bodyAsJsonObject()
                .getJsonObject("error")
                .getString("message"))
        .isEqualTo("offset: must be a whole number from 0 up");
    assertThat(
            get("/api/v1/downloads?order=latest")
                .bodyAsJsonObject()
                .getJsonObject("error")
                .getString("message"))
        .isEqualTo("order: must be oldest or newest");
  }

  private String addNamed(String name, boolean paused) throws Exception {
    JsonObject options = new JsonObject().put("max-download-limit", "64K");
    if (paused) {
      options.put("pause", "true");
    }
    return post(
            "/api/v1/downloads",
            new JsonObject()
                .put("uris", new JsonArray().add(files.url(name)))
                .put("options", options))
        .bodyAsJsonObject()
        .getString("id");
  }

  private static Map<String, String> outcomes(JsonObject reply) {
    Map<String, String> out = new HashMap<>();
    reply
        .getJsonArray("downloads")
        .forEach(
            o -> out.put(((JsonObject) o).getString("id"), ((JsonObject) o).getString("outcome")));
    return out;
  }

  @Test
  void aBulkActionOnAFilterOrOnIdsSaysWhatHappenedToEachDownload(Vertx vertx) throws Exception {
    start(vertx);
    for (String name : List.of("a-1.bin", "a-2.bin", "b-1.bin")) {
      files.addRandomFile(name, 4 << 20, name.hashCode());
    }
    files.addRandomFile("c-1.bin", 10_000, 7);
    String a1 = addNamed("a-1.bin", true);
    String a2 = addNamed("a-2.bin", true);
    String b1 = addNamed("b-1.bin", true);
    String c1 = addNamed("c-1.bin", false);
    await()
        .atMost(WAIT)
        .until(
            () ->
                "complete"
                    .equals(get("/api/v1/downloads/" + c1).bodyAsJsonObject().getString("status")));

    JsonObject resumed =
        post("/api/v1/downloads/bulk", new JsonObject().put("action", "resume").put("name", "A-"))
            .bodyAsJsonObject();
    assertThat(resumed.getString("action")).isEqualTo("resume");
    assertThat(resumed.getInteger("matched")).isEqualTo(2);
    assertThat(resumed.getInteger("done")).isEqualTo(2);
    assertThat(outcomes(resumed)).isEqualTo(Map.of(a1, "done", a2, "done"));
    assertThat(get("/api/v1/downloads/" + b1).bodyAsJsonObject().getString("status"))
        .isEqualTo("paused");

    var byIds =
        post(
            "/api/v1/downloads/bulk",
            new JsonObject()
                .put("action", "pause")
                .put("ids", new JsonArray().add(a1).add(a2).add(b1).add(c1).add("dnosuchdown01")));
    assertThat(byIds.statusCode()).as(byIds.bodyAsString()).isEqualTo(200);
    JsonObject paused = byIds.bodyAsJsonObject();
    assertThat(outcomes(paused))
        .isEqualTo(
            Map.of(
                a1,
                "done",
                a2,
                "done",
                b1,
                "unchanged",
                c1,
                "skipped",
                "dnosuchdown01",
                "not-found"));
    assertThat(paused.getInteger("matched")).isEqualTo(4);
    assertThat(paused.getInteger("done")).isEqualTo(2);
    assertThat(paused.getInteger("unchanged")).isEqualTo(1);
    assertThat(paused.getInteger("skipped")).isEqualTo(1);
    assertThat(paused.getInteger("failed")).isEqualTo(1);
    assertThat(paused.encode()).contains("cannot pause it: it is complete");

    JsonObject all = post("/api/v1/downloads/resume-all", new JsonObject()).bodyAsJsonObject();
    assertThat(all.getInteger("done")).isEqualTo(3);
    assertThat(all.getJsonArray("failed")).isEmpty();
    JsonObject again = post("/api/v1/downloads/pause-all", new JsonObject()).bodyAsJsonObject();
    assertThat(again.getJsonArray("failed")).as(again.encode()).isEmpty();
    assertThat(again.getInteger("done") + again.getInteger("skipped")).isEqualTo(3);

    JsonObject removed =
        post(
                "/api/v1/downloads/bulk",
                new JsonObject()
                    .put("action", "remove")
                    .put("status", "paused")
                    .put("deleteFiles", true))
            .bodyAsJsonObject();
    assertThat(removed.getInteger("done")).isEqualTo(removed.getInteger("matched"));
    assertThat(get("/api/v1/downloads?status=paused").bodyAsJsonObject().getInteger("total"))
        .isZero();

    for (JsonObject bad :
        List.of(
            new JsonObject(),
            new JsonObject().put("action", "pause"),
            new JsonObject().put("action", "explode").put("status", "paused"),
            new JsonObject()
                .put("action", "pause")
                .put("ids", new JsonArray().add(a1))
                .put("status", "paused"),
            new JsonObject().put("action", "pause").put("everything", true))) {
      var r = post("/api/v1/downloads/bulk", bad);
      assertThat(r.statusCode()).as(bad.encode()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message"))
          .as(bad.encode())
          .matches("(action|ids|everything): .+");
    }
  }

  @Test
  void theListIsSearchedByNameOnTheServerAndUnknownParametersAreRefused(Vertx vertx)
      throws Exception {
    start(vertx);
    List<String> ids = new ArrayList<>();
    for (String name : List.of("Holiday-2026.mkv", "report.pdf", "holiday-notes.txt")) {
      ids.add(
          post(
                  "/api/v1/downloads",
                  new JsonObject()
                      .put("uris", new JsonArray().add(files.url(name)))
                      .put("options", new JsonObject().put("pause", "true")))
              .bodyAsJsonObject()
              .getString("id"));
    }

    JsonObject found = get("/api/v1/downloads?name=HOLIDAY").bodyAsJsonObject();
    assertThat(found.getInteger("total")).isEqualTo(2);
    assertThat(idsOf(found)).containsExactly(ids.get(0), ids.get(2));
    assertThat(idsOf(get("/api/v1/downloads?name=holiday&order=newest&limit=1").bodyAsJsonObject()))
        .containsExactly(ids.get(2));
    assertThat(get("/api/v1/downloads?name=nothing-like-it").bodyAsJsonObject().getInteger("total"))
        .isZero();

    for (String unknown :
        List.of("search=holiday", "q=x", "nmae=holiday", "status=paused&sort=1")) {
      var refused = get("/api/v1/downloads?" + unknown);
      assertThat(refused.statusCode()).as(unknown).isEqualTo(400);
      assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("message"))
          .as(unknown)
          .startsWith("query parameter ")
          .endsWith(" is not known (status, batch, name, category, order, offset, limit)");
    }
    assertThat(
            get("/api/v1/downloads?name=")
                .bodyAsJsonObject()
                .getJsonObject("error")
                .getString("message"))
        .isEqualTo("name: must be 1 to 255 characters of the name to look for");
  }

  private static List<String> idsOf(JsonObject page) {
    return page.getJsonArray("downloads").stream()
        .map(d -> ((JsonObject) d).getString("id"))
        .toList();
  }

  @Test
  void anIdempotencyKeyMakesARetriedPostOneDownload(Vertx vertx) throws Exception {
    start(vertx);
    JsonObject body =
        new JsonObject()
            .put("uris", new JsonArray().add("http://127.0.0.1:" + files.port() + "/files/none"));
    String first =
        post("/api/v1/downloads", body, "Idempotency-Key", "k-1")
            .bodyAsJsonObject()
            .getString("id");
    String second =
        post("/api/v1/downloads", body, "Idempotency-Key", "k-1")
            .bodyAsJsonObject()
            .getString("id");
    assertThat(second).isEqualTo(first);
    assertThat(get("/api/v1/downloads").bodyAsJsonObject().getJsonArray("downloads")).hasSize(1);
  }

  @Test
  void metricsShowOurMeters(Vertx vertx) throws Exception {
    // Vert.x's own meters need the fat jar's Vert.x set-up: FatJarIT checks them.
    start(vertx);
    post(
        "/api/v1/downloads",
        new JsonObject()
            .put("uris", new JsonArray().add("http://127.0.0.1:" + files.port() + "/files/none")));
    String text = get("/metrics").bodyAsString();
    assertThat(text)
        .contains("aria2sv_supervisor_state{state=\"RUNNING\"} 1.0")
        .contains("aria2sv_rpc_latency_seconds_count{method=\"system.multicall\"")
        .contains("aria2sv_downloads{status=")
        .contains("aria2sv_sse_clients")
        .contains("aria2sv_download_speed_bytes_per_second");
  }

  /** A raw SSE reader on the test thread. */
  private final class SseReader implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final StringBuilder text = new StringBuilder();

    SseReader(String query, String lastEventId) throws Exception {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(200);
      String req =
          "GET /api/v1/events"
              + query
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
              + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n")
              + "\r\n";
      socket.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
      in = socket.getInputStream();
    }

    String readUntil(java.util.function.Predicate<String> done) {
      await()
          .atMost(WAIT)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1))
          .until(
              () -> {
                byte[] buf = new byte[65536];
                try {
                  int n = in.read(buf);
                  if (n > 0) {
                    text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                  }
                } catch (java.net.SocketTimeoutException e) {
                  // nothing yet
                }
                return done.test(text.toString());
              });
      return text.toString();
    }

    List<Long> ids() {
      List<Long> out = new ArrayList<>();
      Matcher m = FRAME_ID.matcher(text);
      while (m.find()) {
        out.add(Long.parseLong(m.group(1)));
      }
      return out;
    }

    @Override
    public void close() throws java.io.IOException {
      socket.close();
    }
  }

  private String addMissing(String name) throws Exception {
    return post(
            "/api/v1/downloads",
            new JsonObject()
                .put(
                    "uris",
                    new JsonArray().add("http://127.0.0.1:" + files.port() + "/files/" + name)))
        .bodyAsJsonObject()
        .getString("id");
  }

  @Test
  void sseFramesHaveIncreasingIdsAndAReconnectReplaysWhatWasMissedThenGoesOnLive(Vertx vertx)
      throws Exception {
    start(vertx);
    long lastSeen;
    try (SseReader sse = new SseReader("", null)) {
      sse.readUntil(t -> t.contains(": connected"));
      assertThat(sse.text.toString()).contains("Content-Type: text/event-stream");
      String first = addMissing("one");
      String text = sse.readUntil(t -> t.contains("\"type\":\"failed\"") && t.contains(first));
      assertThat(text).contains("event: download").contains("data: {");
      List<Long> ids = sse.ids();
      assertThat(ids).isSorted().doesNotHaveDuplicates().isNotEmpty();
      lastSeen = ids.get(ids.size() - 1);
    }
    String missed = addMissing("two");
    await()
        .atMost(WAIT)
        .until(
            () ->
                get("/api/v1/downloads/" + missed)
                    .bodyAsJsonObject()
                    .getString("status")
                    .equals("failed"));

    try (SseReader again = new SseReader("", Long.toString(lastSeen))) {
      String text = again.readUntil(t -> t.contains(missed) && t.contains("\"type\":\"failed\""));
      List<Long> ids = again.ids();
      assertThat(ids.get(0)).isEqualTo(lastSeen + 1);
      assertThat(ids).isSorted().doesNotHaveDuplicates();
      assertThat(text).doesNotContain("\"id\":\"" + "\"");

      // With no client connected the HTTP side stopped taking frames; this one takes them again.
      String live = addMissing("three");
      again.readUntil(
          t -> t.contains(live) && t.lastIndexOf("\"type\":\"failed\"") > t.indexOf(live));
      assertThat(again.ids()).isSorted().doesNotHaveDuplicates();
    }
  }

  @Test
  void sseClientsGetPingsAndAreReleasedOnDisconnect(Vertx vertx) throws Exception {
    start(vertx, "http.ssePingInterval", "200ms");
    try (SseReader sse = new SseReader("", null)) {
      sse.readUntil(t -> t.split(": ping").length > 2);
      assertThat(metric("aria2sv_sse_clients")).isEqualTo(1.0);
    }
    await().atMost(WAIT).until(() -> metric("aria2sv_sse_clients") == 0.0);
  }

  @Test
  void aConnectionLeftIdleIsClosedWhileAnEventStreamKeptBusyByPingsStaysOpen(Vertx vertx)
      throws Exception {
    // The idle time is never shorter than the longest a request may wait: (300 ms + 300 ms) x 6 + 1
    // s here.
    start(vertx, "http.idleTimeout", "1s", "http.ssePingInterval", "200ms", "rpc.timeout", "300ms");
    try (Socket idle = new Socket("127.0.0.1", port);
        SseReader sse = new SseReader("", null)) {
      idle.setSoTimeout((int) WAIT.toMillis());
      long t0 = System.nanoTime();
      assertThat(idle.getInputStream().read()).as("closed by the server").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(4000), WAIT);
      int pingsSoFar = sse.readUntil(t -> true).split(": ping").length;
      sse.readUntil(t -> t.split(": ping").length > pingsSoFar + 2);
      assertThat(metric("aria2sv_sse_clients")).isEqualTo(1.0);
    }
  }

  @Test
  void sseFiltersByDownloadAndType(Vertx vertx) throws Exception {
    start(vertx);
    String wanted = addMissing("w");
    String other = addMissing("o");
    try (SseReader byId = new SseReader("?download=" + wanted + "&types=download", "0");
        SseReader badType = new SseReader("?types=gossip", null)) {
      String text = byId.readUntil(t -> t.contains("\"type\":\"failed\""));
      assertThat(text).contains(wanted).doesNotContain(other).doesNotContain("event: supervisor");
      assertThat(badType.readUntil(t -> t.contains("\r\n\r\n") && t.contains("}")))
          .contains("400")
          .contains("types");
    }
  }

  @Test
  void aClientThatDoesNotReadIsDroppedWhileAFastOneGetsEverything(Vertx vertx) throws Exception {
    start(vertx);
    HttpClient client = vertx.createHttpClient();
    List<Long> fastIds = new CopyOnWriteArrayList<>();
    StringBuilder partial = new StringBuilder();
    HttpClientResponse fast =
        SupervisorHarness.await(
            client
                .request(
                    new RequestOptions()
                        .setPort(port)
                        .setHost("127.0.0.1")
                        .setURI("/api/v1/events?types=download"))
                .compose(r -> r.send()));
    fast.handler(
        b -> {
          synchronized (partial) {
            partial.append(b.toString(StandardCharsets.UTF_8));
            Matcher m = FRAME_ID.matcher(partial);
            int end = 0;
            while (m.find()) {
              fastIds.add(Long.parseLong(m.group(1)));
              end = m.end();
            }
            partial.delete(0, end);
          }
        });
    Socket slow = new Socket();
    slow.setReceiveBufferSize(4096);
    slow.connect(new java.net.InetSocketAddress("127.0.0.1", port));
    slow.getOutputStream()
        .write(
            "GET /api/v1/events?types=download HTTP/1.1\r\nHost: x\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
    await().atMost(WAIT).until(() -> metric("aria2sv_sse_clients") == 2.0);

    String padding = "x".repeat(4096);
    int published = 0;
    while (metric("aria2sv_sse_clients") > 1.0 && published < 20_000) {
      for (int i = 0; i < 200; i++, published++) {
        vertx
            .eventBus()
            .publish(
                Addresses.EVENTS_DOWNLOAD,
                Events.of(
                    "noise",
                    new JsonObject()
                        .put("download", new JsonObject().put("id", "n" + published))
                        .put("pad", padding)));
      }
      Thread.sleep(5);
    }
    int total = published;

    assertThat(metric("aria2sv_sse_clients"))
        .as("slow client dropped after %d events", total)
        .isEqualTo(1.0);
    await().atMost(WAIT).until(() -> fastIds.size() >= total);
    assertThat(fastIds).isSorted().doesNotHaveDuplicates();
    assertThat(fastIds.get(fastIds.size() - 1) - fastIds.get(0) + 1).isEqualTo(fastIds.size());
    slow.close();
    fast.request().connection().close();
  }

  private double metric(String name) throws Exception {
    for (String line : get("/metrics").bodyAsString().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return -1;
  }

  @Test
  void twoHundredHostileRequestsGet4xxAndChangeNothing(Vertx vertx) throws Exception {
    start(vertx);
    // a magnet among the hostile bodies: even if one got through, aria2c could reach no peer
    TestConfig.assertLoopbackOnly(
        SupervisorHarness.rpc(
            vertx)); // enable-dht, enable-dht6, bt-enable-lpd, enable-peer-exchange off
    String ok = "http://127.0.0.1:" + files.port() + "/files/x";
    List<Object[]> cases = new ArrayList<>(); // method, path, content type, body
    String[] badBodies = {
      "",
      "{",
      "}",
      "[]",
      "[1,2]",
      "null",
      "42",
      "\"str\"",
      "{\"uris\":",
      "{'uris':['x']}",
      "\u0000",
      "{\"uris\":[\"" + ok + "\"]",
      "{\"uris\":[\"" + ok + "\"]}}",
      "{\"uris\":null}",
      "{\"uris\":{}}",
      "{\"uris\":[null]}",
      "{\"uris\":[[]]}",
      "{\"uris\":[true]}",
      "{\"uris\":[1e309]}",
      "{\"uris\":[\"\"]}",
      "{\"uris\":[\" \"]}",
      "{\"uris\":[\"http://\"]}",
      "{\"uris\":[\"http:///x\"]}",
      "{\"uris\":[\"file:///etc/passwd\"]}",
      "{\"uris\":[\"data:text/plain,hi\"]}",
      "{\"uris\":[\"magnet:?xt=urn:btih:abc\"]}",
      "{\"uris\":[\"javascript:alert(1)\"]}",
      "{\"uris\":[\"http://a b/\"]}",
      "{\"uris\":[\"http://x/\\u0000\"]}",
      "{\"uris\":[\"ftp\"]}"
    };
    for (String b : badBodies) {
      cases.add(new Object[] {HttpMethod.POST, "/api/v1/downloads", "application/json", b});
      cases.add(new Object[] {HttpMethod.POST, "/api/v1/batches", "application/json", b});
    }
    String[] hostileDirs = {
      "..",
      "../",
      "../../etc",
      "/etc",
      "/",
      "a/../../b",
      "./../x",
      "a/./../../..",
      "\u0000",
      "..\\..\\x"
    };
    for (String d : hostileDirs) {
      cases.add(
          new Object[] {
            HttpMethod.POST,
            "/api/v1/downloads",
            "application/json",
            new JsonObject().put("uris", new JsonArray().add(ok)).put("dir", d).encode()
          });
      cases.add(
          new Object[] {
            HttpMethod.POST,
            "/api/v1/batches",
            "application/json",
            new JsonObject()
                .put("dir", d)
                .put(
                    "items",
                    new JsonArray().add(new JsonObject().put("uris", new JsonArray().add(ok))))
                .encode()
          });
    }
    String[] hostileOuts = {
      "..", "../x", "a/b", "/etc/passwd", "", " ", "x\ny", "\u0000", "a".repeat(300), ".", "..\\x"
    };
    for (String o : hostileOuts) {
      cases.add(
          new Object[] {
            HttpMethod.POST,
            "/api/v1/downloads",
            "application/json",
            new JsonObject().put("uris", new JsonArray().add(ok)).put("out", o).encode()
          });
    }
    Object[] wrongTypes = {1, true, new JsonArray(), new JsonObject(), 1.5};
    for (String field : new String[] {"dir", "out", "options", "requestId"}) {
      for (Object w : wrongTypes) {
        if (field.equals("options") && w instanceof JsonObject) {
          continue;
        }
        cases.add(
            new Object[] {
              HttpMethod.POST,
              "/api/v1/downloads",
              "application/json",
              new JsonObject().put("uris", new JsonArray().add(ok)).put(field, w).encode()
            });
      }
    }
    for (String opt :
        new String[] {
          "dir",
          "out",
          "gid",
          "rpc-secret",
          "input-file",
          "on-download-complete",
          "conf-path",
          "save-session",
          "index-out",
          "daemon"
        }) {
      cases.add(
          new Object[] {
            HttpMethod.POST,
            "/api/v1/downloads",
            "application/json",
            new JsonObject()
                .put("uris", new JsonArray().add(ok))
                .put("options", new JsonObject().put(opt, "/tmp/x"))
                .encode()
          });
    }
    cases.add(
        new Object[] {
          HttpMethod.POST,
          "/api/v1/downloads",
          "application/json",
          "{\"uris\":[\"" + ok + "\"],\"pad\":\"" + "x".repeat(2 << 20) + "\"}"
        });
    cases.add(
        new Object[] {
          HttpMethod.POST,
          "/api/v1/batches",
          "application/json",
          "{\"items\":[],\"pad\":\"" + "y".repeat(3 << 20) + "\"}"
        });
    cases.add(
        new Object[] {HttpMethod.POST, "/api/v1/batches", "application/json", "{\"items\":[]}"});
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 10_001; i++) {
      tooMany.add(new JsonObject().put("uris", new JsonArray().add("http://h/" + i)));
    }
    cases.add(
        new Object[] {
          HttpMethod.POST,
          "/api/v1/batches",
          "application/json",
          new JsonObject().put("items", tooMany).encode()
        });
    for (String ct :
        new String[] {
          null,
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/xml"
        }) {
      cases.add(
          new Object[] {
            HttpMethod.POST,
            "/api/v1/downloads",
            ct,
            new JsonObject().put("uris", new JsonArray().add(ok)).encode()
          });
      cases.add(new Object[] {HttpMethod.POST, "/api/v1/batches", ct, "{}"});
    }
    String[] ids = {
      "nope",
      "..",
      "%2e%2e",
      "..%2f..%2fetc%2fpasswd",
      "%00",
      "d" + "0".repeat(500),
      "%27%3B%20DROP%20TABLE%20downloads%3B--",
      "%27%20OR%201%3D1"
    };
    for (String id : ids) {
      for (String action : new String[] {"", "/pause", "/resume", "/retry"}) {
        cases.add(
            new Object[] {
              action.isEmpty() ? HttpMethod.GET : HttpMethod.POST,
              "/api/v1/downloads/" + id + action,
              null,
              null
            });
      }
      cases.add(new Object[] {HttpMethod.DELETE, "/api/v1/downloads/" + id, null, null});
      cases.add(new Object[] {HttpMethod.GET, "/api/v1/batches/" + id, null, null});
    }
    for (HttpMethod m : new HttpMethod[] {HttpMethod.PUT, HttpMethod.PATCH}) {
      for (String p :
          new String[] {
            "/api/v1/downloads",
            "/api/v1/downloads/x",
            "/api/v1/batches",
            "/api/v1/supervisor",
            "/api/v1/supervisor/start",
            "/api/v1/stats"
          }) {
        cases.add(new Object[] {m, p, "application/json", "{}"});
      }
    }
    cases.add(new Object[] {HttpMethod.DELETE, "/api/v1/supervisor", null, null});
    cases.add(new Object[] {HttpMethod.GET, "/api/v1/supervisor/start", null, null});
    cases.add(
        new Object[] {HttpMethod.DELETE, "/api/v1/downloads/x?deleteFiles=maybe", null, null});
    cases.add(new Object[] {HttpMethod.GET, "/api/v1/downloads?status=sleeping", null, null});
    for (String q :
        new String[] {
          "limit=0",
          "limit=1001",
          "limit=-1",
          "limit=ten",
          "limit=1e3",
          "limit=99999999999",
          "offset=-1",
          "offset=x",
          "order=random",
          "order=1"
        }) {
      cases.add(new Object[] {HttpMethod.GET, "/api/v1/downloads?" + q, null, null});
    }
    cases.add(new Object[] {HttpMethod.GET, "/api/v1/nothing-here", null, null});
    cases.add(new Object[] {HttpMethod.GET, "/api/v2/downloads", null, null});
    cases.add(new Object[] {HttpMethod.GET, "/../../etc/passwd", null, null});
    cases.add(new Object[] {HttpMethod.GET, "/%2e%2e/%2e%2e/etc/passwd", null, null});
    cases.add(new Object[] {HttpMethod.GET, "/api/v1/events?types=everything", null, null});

    assertThat(cases).hasSizeGreaterThanOrEqualTo(200);
    for (Object[] c : cases) {
      HttpResponse<Buffer> r =
          call(
              (HttpMethod) c[0],
              (String) c[1],
              (String) c[2],
              c[3] == null ? null : Buffer.buffer((String) c[3]));
      String what =
          c[0]
              + " "
              + c[1]
              + " "
              + (c[3] == null
                  ? ""
                  : ((String) c[3]).substring(0, Math.min(80, ((String) c[3]).length())));
      assertThat(r.statusCode()).as(what + " -> " + r.bodyAsString()).isBetween(400, 499);
      if (r.body() != null
          && r.getHeader("Content-Type") != null
          && r.getHeader("Content-Type").startsWith("application/json")) {
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message"))
            .as(what)
            .isNotBlank()
            .doesNotContain("Exception");
      }
    }
    // A request line no client library would send: raw spaces and a NUL byte.
    for (String line :
        List.of(
            "GET /api/v1/downloads/'; DROP TABLE downloads;-- HTTP/1.1",
            "GET /api/v1/x\u0000y HTTP/1.1")) {
      try (Socket raw = new Socket("127.0.0.1", port)) {
        raw.setSoTimeout(5000);
        raw.getOutputStream()
            .write((line + "\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        String answer = new String(raw.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        assertThat(answer).as(line).matches("HTTP/1\\.[01] 4\\d\\d");
      }
    }
    assertThat(get("/api/v1/downloads").bodyAsJsonObject().getJsonArray("downloads")).isEmpty();
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
  }
}
