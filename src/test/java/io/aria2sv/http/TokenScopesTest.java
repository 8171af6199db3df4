package io.aria2sv.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.aria2sv.auth.Access;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.ConfigException;
import io.aria2sv.testing.HttpCalls;
import io.aria2sv.testing.StackTestBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Named tokens with scopes over REST, SSE and {@code /jsonrpc}: a read token looks and is refused
 * when it acts, a control token and {@code http.token} act, each acting request is logged by the
 * token's name, and an address that fails too often is refused with 429 for a while.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TokenScopesTest extends StackTestBase {
  private static final String VIEWER = "viewer-7f3a9c0e5b1d4e2f";
  private static final String OPS = "ops-c41d8a2e9f6b3057";
  private static final String LEGACY = "legacy-5e8b1f0a7c2d9e36";

  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeEach
  void captureLog() {
    log.start();
    ((Logger) LoggerFactory.getLogger(Access.class)).addAppender(log);
    ((Logger) LoggerFactory.getLogger("io.aria2sv.auth.AuthThrottle")).addAppender(log);
  }

  @AfterEach
  void releaseLog() {
    ((Logger) LoggerFactory.getLogger(Access.class)).detachAppender(log);
    ((Logger) LoggerFactory.getLogger("io.aria2sv.auth.AuthThrottle")).detachAppender(log);
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  private JsonObject tokens(String... overrides) throws Exception {
    JsonObject cfg = config(overrides);
    cfg.getJsonObject("http")
        .put("token", LEGACY)
        .put(
            "tokens",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("name", "viewer")
                        .put("scope", "read")
                        .put("sha256", sha256(VIEWER)))
                .add(
                    new JsonObject()
                        .put("name", "ops")
                        .put("scope", "control")
                        .put("sha256", sha256(OPS).toUpperCase())));
    return cfg;
  }

  private HttpResponse<String> call(String method, String path, String token, String body)
      throws Exception {
    return HttpCalls.call(stack.httpPort(), method, path, token, body);
  }

  private JsonObject rpc(String token, String method, JsonArray params) throws Exception {
    JsonArray p = token == null ? new JsonArray() : new JsonArray().add("token:" + token);
    params.forEach(p::add);
    String body =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", "t")
            .put("method", method)
            .put("params", p)
            .encode();
    return new JsonObject(call("POST", "/jsonrpc", null, body).body());
  }

  private int outs;

  private String add(String name) {
    return new JsonObject()
        .put("uris", new JsonArray().add(files.url(name)))
        .put("out", (++outs) + "-" + name)
        .put("options", new JsonObject().put("pause", "true"))
        .encode();
  }

  @Test
  void aReadTokenLooksButMayNotActWhileControlTokensActAndEachActIsLoggedByName() throws Exception {
    files.addRandomFile("a.bin", 10_000, 1);
    stack.deployStack(tokens());

    assertThat(call("GET", "/api/v1/downloads", VIEWER, null).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/api/v1/downloads?token=" + VIEWER, null, null).statusCode())
        .as("EventSource's way")
        .isEqualTo(200);
    HttpResponse<String> refused = call("POST", "/api/v1/downloads", VIEWER, add("a.bin"));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code"))
        .isEqualTo("FORBIDDEN");
    assertThat(refused.body()).contains("'viewer'").contains("scope read");
    assertThat(call("POST", "/api/v1/downloads/bulk", VIEWER, "{}").statusCode()).isEqualTo(403);

    assertThat(call("POST", "/api/v1/downloads", OPS, add("a.bin")).statusCode()).isEqualTo(201);
    assertThat(call("POST", "/api/v1/downloads", LEGACY, add("a.bin")).statusCode()).isEqualTo(201);
    assertThat(call("POST", "/api/v1/downloads", "wrong", add("a.bin")).statusCode())
        .isEqualTo(401);
    assertThat(call("POST", "/api/v1/downloads", null, add("a.bin")).statusCode()).isEqualTo(401);
    assertThat(call("GET", "/api/v1/downloads", null, null).body()).contains("UNAUTHORIZED");

    // aria2's JSON-RPC: a read token reads, is Unauthorized when it acts, in a multicall too
    assertThat(
            rpc(VIEWER, "aria2.tellWaiting", new JsonArray().add(0).add(10)).getJsonArray("result"))
        .hasSize(2);
    assertThat(
            rpc(VIEWER, "aria2.pauseAll", new JsonArray())
                .getJsonObject("error")
                .getString("message"))
        .isEqualTo("Unauthorized");
    JsonObject multi =
        rpc(
            null,
            "system.multicall",
            new JsonArray()
                .add(
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("methodName", "aria2.getGlobalStat")
                                .put("params", new JsonArray().add("token:" + VIEWER)))
                        .add(
                            new JsonObject()
                                .put("methodName", "aria2.unpauseAll")
                                .put("params", new JsonArray().add("token:" + VIEWER)))
                        .add(
                            new JsonObject()
                                .put("methodName", "aria2.unpauseAll")
                                .put("params", new JsonArray().add("token:" + OPS)))));
    JsonArray results = multi.getJsonArray("result");
    assertThat(results.getJsonArray(0).getJsonObject(0).getString("numWaiting")).isEqualTo("2");
    assertThat(results.getJsonObject(1).getString("message")).isEqualTo("Unauthorized");
    assertThat(results.getJsonArray(2).getString(0)).isEqualTo("OK");

    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                log.list.stream()
                    .anyMatch(
                        e ->
                            e.getFormattedMessage()
                                .equals(
                                    "token 'ops' from 127.0.0.1: POST /api/v1/downloads -> 201")));
    assertThat(log.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .contains(
            "token 'http.token' from 127.0.0.1: POST /api/v1/downloads -> 201",
            "token 'ops' from 127.0.0.1: system.multicall [aria2.unpauseAll]")
        .noneMatch(m -> m.contains("viewer"))
        .noneMatch(m -> m.contains(OPS) || m.contains(VIEWER) || m.contains(LEGACY));
  }

  @Test
  void anAddressThatFailsTooOftenIsRefusedWith429ThenLetInAfterTheWindow() throws Exception {
    stack.deployStack(tokens("http.authFailures.limit", "3", "http.authFailures.window", "2s"));
    for (int i = 0; i < 3; i++) {
      assertThat(call("GET", "/api/v1/downloads", "guess-" + i, null).statusCode()).isEqualTo(401);
    }
    HttpResponse<String> refused = call("GET", "/api/v1/downloads", OPS, null);
    assertThat(refused.statusCode()).as("even the right token, while refused").isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code"))
        .isEqualTo("TOO_MANY_REQUESTS");
    HttpResponse<String> rpcRefused =
        call(
            "POST",
            "/jsonrpc",
            null,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"aria2.getVersion\",\"params\":[\"token:"
                + OPS
                + "\"]}");
    assertThat(rpcRefused.statusCode()).isEqualTo(429);
    for (int i = 0; i < 5; i++) {
      call("GET", "/api/v1/downloads", "guess-more-" + i, null);
    }
    assertThat(
            log.list.stream()
                .filter(e -> e.getFormattedMessage().contains("failed authentications from"))
                .count())
        .as("one line per burst")
        .isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(6))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> call("GET", "/api/v1/downloads", OPS, null).statusCode() == 200);
  }

  @Test
  void aTokenInClearOrAnUnknownScopeIsRefusedAtStartUpNamingTheKey() throws Exception {
    JsonObject clear = tokens();
    clear.getJsonObject("http").getJsonArray("tokens").getJsonObject(0).put("sha256", VIEWER);
    assertThatThrownBy(() -> AppConfig.from(clear))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("http.tokens[0].sha256: must be the token's SHA-256")
        .hasMessageNotContaining(VIEWER);
    JsonObject scope = tokens();
    scope.getJsonObject("http").getJsonArray("tokens").getJsonObject(1).put("scope", "admin");
    assertThatThrownBy(() -> AppConfig.from(scope))
        .isInstanceOf(ConfigException.class)
        .hasMessage("http.tokens[1].scope: 'admin' is not read or control");
  }
}
