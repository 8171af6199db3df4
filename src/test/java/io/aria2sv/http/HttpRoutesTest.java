package io.aria2sv.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP layer alone: routing, the token, CORS and the mapping of bus failures to statuses, with
 * stub consumers on the bus in place of the supervisor and the downloads service (no aria2c).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpRoutesTest {
  @TempDir Path root;
  private Vertx vertx;
  private WebClient web;
  private int port;
  private final List<JsonObject> received = new ArrayList<>();

  /** Deploys the HTTP verticle alone, with stubs: the supervisor RUNNING, the registry open. */
  private void start(Vertx vertx, String... overrides) throws Exception {
    this.vertx = vertx;
    List<String> all =
        new ArrayList<>(List.of("rpc.timeout", "300ms", "supervisor.healthTimeout", "200ms"));
    all.addAll(List.of(overrides));
    JsonObject config = TestConfig.fast(vertx, root, all.toArray(String[]::new));
    stub(
        Addresses.SUPERVISOR_STATUS,
        new JsonObject().put("state", "RUNNING").put("rpcHealthy", true));
    stub(
        Addresses.DOWNLOADS_HEALTH,
        new JsonObject().put("registry", "open").put("writable", true).put("downloads", 0));
    HttpVerticle http = new HttpVerticle();
    SupervisorHarness.await(vertx.deployVerticle(http, HttpVerticle.options(config)));
    port = http.actualPort();
    web = WebClient.create(vertx);
  }

  private void stub(String address, JsonObject reply) {
    vertx
        .eventBus()
        .<JsonObject>consumer(
            address,
            m -> {
              received.add(m.body());
              m.reply(reply);
            });
  }

  private void failing(String address, ErrorCode code, String message) {
    vertx.eventBus().<JsonObject>consumer(address, m -> m.fail(code.code(), message));
  }

  private HttpResponse<Buffer> call(
      HttpMethod method, String path, JsonObject body, String... headers) throws Exception {
    var req = web.request(method, port, "127.0.0.1", path).timeout(10_000);
    for (int i = 0; i < headers.length; i += 2) {
      req.putHeader(headers[i], headers[i + 1]);
    }
    return SupervisorHarness.await(body == null ? req.send() : req.sendJsonObject(body));
  }

  private HttpResponse<Buffer> get(String path, String... headers) throws Exception {
    return call(HttpMethod.GET, path, null, headers);
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String code, String message) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).isEqualTo(message);
  }

  @Test
  void anAddIsForwardedToTheBusAndAnswered201WithItsLocation(Vertx vertx) throws Exception {
    start(vertx);
    stub(Addresses.DOWNLOADS_ADD, new JsonObject().put("id", "d1").put("status", "waiting"));

    HttpResponse<Buffer> r =
        call(
            HttpMethod.POST,
            "/api/v1/downloads",
            new JsonObject().put("uris", new JsonArray().add("http://127.0.0.1:9/x")),
            "Idempotency-Key",
            "k1");

    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.getHeader("Location")).isEqualTo("/api/v1/downloads/d1");
    assertThat(received)
        .anySatisfy(body -> assertThat(body.getString("requestId")).isEqualTo("k1"));
  }

  @Test
  void aMetalinkPostedAsADownloadIsAddedAsABatchAndAnsweredWithItsLocation(Vertx vertx)
      throws Exception {
    start(vertx);
    stub(
        Addresses.BATCHES_ADD,
        new JsonObject().put("id", "b1").put("downloads", new JsonArray().add("d1").add("d2")));

    HttpResponse<Buffer> r =
        call(
            HttpMethod.POST,
            "/api/v1/downloads",
            new JsonObject().put("metalink", "PG1ldGFsaW5rLz4="));

    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.getHeader("Location")).isEqualTo("/api/v1/batches/b1");
    assertThat(received).contains(new JsonObject().put("metalink", "PG1ldGFsaW5rLz4="));
    HttpResponse<Buffer> byUrl =
        call(
            HttpMethod.POST,
            "/api/v1/downloads",
            new JsonObject()
                .put("uris", new JsonArray().add("http://127.0.0.1:9/set.meta4"))
                .put("dir", "sets"));
    assertThat(byUrl.getHeader("Location")).isEqualTo("/api/v1/batches/b1");
    assertThat(received)
        .contains(
            new JsonObject().put("metalinkUri", "http://127.0.0.1:9/set.meta4").put("dir", "sets"));
  }

  @Test
  void controlsOfOneDownloadAndOfAllAreForwardedWithThePathsId(Vertx vertx) throws Exception {
    start(vertx);
    stub(Addresses.DOWNLOADS_CHANGE, new JsonObject().put("id", "d1"));
    stub(Addresses.DOWNLOADS_POSITION, new JsonObject().put("id", "d1").put("position", 0));
    stub(Addresses.DOWNLOADS_FILES, new JsonObject().put("id", "d1").put("files", new JsonArray()));
    stub(
        Addresses.DOWNLOADS_PAUSE_ALL,
        new JsonObject().put("done", 2).put("failed", new JsonArray()));
    stub(
        Addresses.DOWNLOADS_RESUME_ALL,
        new JsonObject().put("done", 2).put("failed", new JsonArray()));
    stub(Addresses.DOWNLOADS_PURGE, new JsonObject().put("forgotten", 5));

    JsonObject limit =
        new JsonObject().put("options", new JsonObject().put("max-download-limit", "1M"));
    assertThat(call(HttpMethod.PATCH, "/api/v1/downloads/d1", limit).statusCode()).isEqualTo(200);
    assertThat(
            call(
                    HttpMethod.POST,
                    "/api/v1/downloads/d1/position",
                    new JsonObject().put("pos", 0).put("how", "POS_SET"))
                .bodyAsJsonObject()
                .getInteger("position"))
        .isZero();
    assertThat(get("/api/v1/downloads/d1/files").statusCode()).isEqualTo(200);
    assertThat(
            call(HttpMethod.POST, "/api/v1/downloads/pause-all", null)
                .bodyAsJsonObject()
                .getInteger("done"))
        .isEqualTo(2);
    assertThat(call(HttpMethod.POST, "/api/v1/downloads/resume-all", null).statusCode())
        .isEqualTo(200);
    assertThat(
            call(HttpMethod.POST, "/api/v1/downloads/purge", null)
                .bodyAsJsonObject()
                .getInteger("forgotten"))
        .isEqualTo(5);
    assertError(
        call(HttpMethod.PATCH, "/api/v1/downloads/d1", limit.copy().put("id", "d2")),
        400,
        "BAD_REQUEST",
        "id: is given by the path, not the body");

    assertThat(received)
        .contains(
            limit.copy().put("id", "d1"),
            new JsonObject().put("pos", 0).put("how", "POS_SET").put("id", "d1"),
            new JsonObject().put("id", "d1"));
  }

  @Test
  void busFailuresBecomeTheirStatusesWithTheMessageAndNoStackTrace(Vertx vertx) throws Exception {
    start(vertx);
    failing(Addresses.DOWNLOADS_GET, ErrorCode.NOT_FOUND, "download d9 not found");
    failing(
        Addresses.DOWNLOADS_PAUSE, ErrorCode.CONFLICT, "cannot pause download d9: it is complete");
    failing(
        Addresses.DOWNLOADS_ADD,
        ErrorCode.STORAGE_FULL,
        "the registry's disk is full: cannot write /d/registry.db");
    failing(Addresses.DOWNLOADS_RETRY, ErrorCode.SUPERVISOR_FAILED, "aria2c is FAILED");

    assertError(get("/api/v1/downloads/d9"), 404, "NOT_FOUND", "download d9 not found");
    assertError(
        call(HttpMethod.POST, "/api/v1/downloads/d9/pause", null),
        409,
        "CONFLICT",
        "cannot pause download d9: it is complete");
    assertError(
        call(
            HttpMethod.POST,
            "/api/v1/downloads",
            new JsonObject().put("uris", new JsonArray().add("http://h/x"))),
        507,
        "STORAGE_FULL",
        "the registry's disk is full: cannot write /d/registry.db");
    assertError(
        call(HttpMethod.POST, "/api/v1/downloads/d9/retry", null),
        503,
        "SUPERVISOR_FAILED",
        "aria2c is FAILED");
  }

  @Test
  void noConsumerIs503AndNoAnswerInTimeIs504(Vertx vertx) throws Exception {
    start(vertx);
    vertx.eventBus().<JsonObject>consumer(Addresses.DOWNLOADS_RESUME, m -> {}); // never answers

    assertError(get("/api/v1/downloads/d1"), 503, "UNAVAILABLE", "the service is not running");
    assertError(
        call(HttpMethod.POST, "/api/v1/downloads/d1/resume", null),
        504,
        "TIMEOUT",
        "no answer in time");
  }

  @Test
  void unknownRoutesAndMethodsAre404And405(Vertx vertx) throws Exception {
    start(vertx);
    assertThat(get("/api/v1/nothing-here").statusCode()).isEqualTo(404);
    assertThat(call(HttpMethod.PUT, "/api/v1/supervisor", new JsonObject()).statusCode())
        .isEqualTo(405);
  }

  @Test
  void aTokenGuardsTheApiAndEventSourceMayPassItInTheQuery(Vertx vertx) throws Exception {
    start(vertx, "http.token", "s3cr3t-token");
    stub(
        Addresses.DOWNLOADS_LIST,
        new JsonObject().put("downloads", new JsonArray()).put("total", 0));
    HttpResponse<Buffer> none = get("/api/v1/supervisor");
    assertError(
        none,
        401,
        "UNAUTHORIZED",
        none.bodyAsJsonObject().getJsonObject("error").getString("message"));
    assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer");
    assertThat(get("/api/v1/supervisor", "Authorization", "Bearer wrong").statusCode())
        .isEqualTo(401);
    assertThat(get("/api/v1/supervisor", "Authorization", "Bearer s3cr3t-token").statusCode())
        .isEqualTo(200);
    assertThat(get("/api/v1/downloads?token=s3cr3t-token").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready").statusCode())
        .as("health is open unless configured")
        .isEqualTo(200);
    assertThat(get("/metrics").statusCode()).isEqualTo(200);
    assertThat(get("/").statusCode()).isEqualTo(200);
  }

  @Test
  void healthAndMetricsCanRequireTheTokenToo(Vertx vertx) throws Exception {
    start(vertx, "http.token", "t", "http.tokenForHealthAndMetrics", "true");
    assertThat(get("/health/ready").statusCode()).isEqualTo(401);
    assertThat(get("/metrics").statusCode()).isEqualTo(401);
    assertThat(get("/metrics", "Authorization", "Bearer t").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready", "Authorization", "Bearer t").statusCode()).isEqualTo(200);
  }

  @Test
  void corsAnswersOnlyTheConfiguredOrigins(Vertx vertx) throws Exception {
    start(vertx, "http.corsOrigins", "https://ui.example");
    HttpResponse<Buffer> allowed = get("/api/v1/supervisor", "Origin", "https://ui.example");
    assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://ui.example");
    HttpResponse<Buffer> preflight =
        call(
            HttpMethod.OPTIONS,
            "/api/v1/downloads",
            null,
            "Origin",
            "https://ui.example",
            "Access-Control-Request-Method",
            "POST");
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("POST");
    HttpResponse<Buffer> other = get("/api/v1/supervisor", "Origin", "https://evil.example");
    assertThat(other.getHeader("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  void corsIsOffUnlessOriginsAreConfigured(Vertx vertx) throws Exception {
    start(vertx);
    assertThat(
            get("/api/v1/supervisor", "Origin", "https://ui.example")
                .getHeader("Access-Control-Allow-Origin"))
        .isNull();
  }

  @Test
  void readinessIsDownWhileTheRegistryCannotStoreAndSaysWhy(Vertx vertx) throws Exception {
    this.vertx = vertx;
    stub(
        Addresses.SUPERVISOR_STATUS,
        new JsonObject().put("state", "RUNNING").put("rpcHealthy", true));
    stub(
        Addresses.DOWNLOADS_HEALTH,
        new JsonObject()
            .put("registry", "unwritable")
            .put("writable", false)
            .put("problem", "the registry's disk is full"));
    HttpVerticle http = new HttpVerticle();
    SupervisorHarness.await(
        vertx.deployVerticle(http, HttpVerticle.options(TestConfig.fast(vertx, root))));
    port = http.actualPort();
    web = WebClient.create(vertx);

    HttpResponse<Buffer> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsString()).contains("the registry's disk is full");
  }
}
