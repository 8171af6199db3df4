package io.aria2sv.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The npm {@code aria2} package (4.1.2, in {@code src/test/node}, installed by {@code .ci/run} or
 * {@code npm ci --prefix src/test/node}) against {@code /jsonrpc}, in its own Node process, over
 * HTTP and WebSocket: adds, status, multicall, batch, notifications, and a kill -9 of aria2c while
 * it stays connected.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NpmAria2ClientTest {
  private static final Path NODE_DIR = Path.of("src/test/node");
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path root;
  private Aria2Supervisor stack;
  private FileServer files;
  private Process node;

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.destroyForcibly().waitFor();
    }
    if (stack != null) {
      SupervisorHarness.await(stack.undeploy());
    }
    if (files != null) {
      files.close();
    }
    assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
  }

  private List<JsonObject> lines(Path log) throws Exception {
    return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("{"))
        .map(JsonObject::new)
        .toList();
  }

  private JsonObject step(Path log, String name) throws Exception {
    return lines(log).stream()
        .filter(l -> l.getString("step").equals(name))
        .findFirst()
        .orElse(null);
  }

  @Test
  void theNpmAria2ClientAddsReadsAndHearsNotificationsThroughTheSupervisorAcrossAKillOfAria2c(
      Vertx vertx) throws Exception {
    assertThat(NODE_DIR.resolve("node_modules/aria2/package.json"))
        .as("the npm client is installed: npm ci --prefix src/test/node (.ci/run does it)")
        .exists();
    stack =
        SupervisorHarness.await(
            Aria2Supervisor.deploy(
                vertx,
                TestConfig.fast(
                    vertx,
                    root,
                    "http.token",
                    "npm-secret",
                    "downloads.progressInterval",
                    "200ms")));
    files = new FileServer(vertx).start();
    String sha1 = files.addRandomFile("one.bin", 30_000, 1);
    String sha2 = files.addRandomFile("two.bin", 1 << 20, 2);
    files.throttle(256 * 1024);
    Path log = root.resolve("node.log");
    node =
        new ProcessBuilder(
                "node",
                NODE_DIR.resolve("client.js").toString(),
                String.valueOf(stack.httpPort()),
                "npm-secret",
                files.url("one.bin"),
                files.url("two.bin"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();

    await()
        .atMost(WAIT)
        .until(
            () ->
                step(log, "waiting-for-kill") != null
                    || step(log, "error") != null
                    || !node.isAlive());
    assertThat(step(log, "error")).as(Files.readString(log)).isNull();
    Signals.kill9(SupervisorHarness.aria2Pid(vertx));
    files.throttle(0);
    node.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
    node.getOutputStream().flush();
    assertThat(node.waitFor(90, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).as(Files.readString(log)).isZero();

    assertThat(step(log, "version").getJsonObject("value").getString("version"))
        .isEqualTo("1.36.0");
    String gid1 = step(log, "added-http").getString("value");
    String gid2 = step(log, "added-ws").getString("value");
    assertThat(step(log, "status-http").getJsonObject("value").getString("gid")).isEqualTo(gid1);
    JsonArray multi = step(log, "multicall").getJsonArray("value");
    assertThat(multi.getJsonArray(0).getJsonObject(0).getString("version")).isEqualTo("1.36.0");
    assertThat(multi.getJsonArray(1).getJsonObject(0).getString("gid")).isEqualTo(gid1);
    assertThat(step(log, "batch").getJsonArray("value").getJsonObject(0).fieldNames())
        .contains("downloadSpeed");
    assertThat(step(log, "notifications").getJsonArray("value"))
        .contains("onDownloadStart", "onDownloadComplete");
    JsonObject end = step(log, "status-ws").getJsonObject("value");
    assertThat(end.getString("status")).isEqualTo("complete");
    assertThat(end.getString("completedLength")).isEqualTo(String.valueOf(1 << 20));
    assertThat(step(log, "closed").getBoolean("value"))
        .as("the socket stayed open across aria2c's restart")
        .isFalse();
    List<String> events =
        lines(log).stream()
            .filter(l -> l.getString("step").equals("notification"))
            .map(l -> l.getJsonObject("value"))
            .filter(v -> gid2.equals(v.getString("gid")))
            .map(v -> v.getString("event"))
            .toList();
    assertThat(events)
        .containsOnlyOnce("onDownloadComplete")
        .doesNotContain("onDownloadStop", "onDownloadError");
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/npm-one.bin"))))
        .isEqualTo(sha1);
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/npm-two.bin"))))
        .isEqualTo(sha2);
  }
}
