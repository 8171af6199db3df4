package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
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
 * A kill -9 of the JVM between a download's transition and its webhook's delivery: the message was
 * stored with the transition, so the restarted supervisor delivers it, with the same id.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class WebhookCrashTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path root;
  private FileServer files;
  private Process receiver;

  @AfterEach
  void tearDown() throws Exception {
    if (receiver != null) {
      receiver.destroyForcibly();
    }
    if (files != null) {
      files.close();
    }
    await().atMost(WAIT).until(() -> Signals.countAria2For(root.resolve("data")) == 0);
  }

  @Test
  void aMessageStoredBeforeAKillIsDeliveredAfterTheRestartWithItsId(Vertx vertx) throws Exception {
    String secret = WebhooksTest.newSecret();
    Path log = root.resolve("receiver.log");
    receiver = WebhooksTest.startReceiver(secret, log);
    int hookPort = WebhooksTest.port(log);
    WebhooksTest.tell(receiver, "down");
    files = new FileServer(vertx).start();
    files.addRandomFile("a.bin", 50_000, 1);
    StringBuilder yaml =
        TestConfig.childYaml()
            .append("completion:\n  webhookRetries: [3s]\nwebhooks:\n  - name: receiver\n")
            .append("    url: http://127.0.0.1:")
            .append(hookPort)
            .append("/hook\n    secret: ")
            .append(secret)
            .append("\n    events: [complete]\n");
    Path conf = Files.writeString(root.resolve("child.yaml"), yaml);
    WebClient web = WebClient.create(vertx);
    try (ChildJvm jvm = ChildJvm.main(root, ChildJvm.envFor(root), "--config", conf.toString())) {
      int port = jvm.awaitHttpPort();
      SupervisorHarness.await(
          web.post(port, "127.0.0.1", "/api/v1/downloads")
              .sendJsonObject(
                  new JsonObject().put("uris", new JsonArray().add(files.url("a.bin")))));
      // the transition happened and its message is stored: the endpoint turned its first try down
      await().atMost(WAIT).until(() -> WebhooksTest.deliveries(log).size() == 1);
      Signals.kill9(jvm.pid());
      jvm.awaitExit(Duration.ofSeconds(10));
    }
    await().atMost(WAIT).until(() -> Signals.countAria2For(root.resolve("data")) == 0);
    WebhooksTest.tell(receiver, "ok");

    try (ChildJvm again = ChildJvm.main(root, ChildJvm.envFor(root), "--config", conf.toString())) {
      again.awaitHttpPort();
      await().atMost(WAIT).until(() -> WebhooksTest.deliveries(log).size() == 2);
    }
    List<JsonObject> all = WebhooksTest.deliveries(log);
    assertThat(all.get(0).getInteger("status")).isEqualTo(503);
    assertThat(all.get(1).getInteger("status")).isEqualTo(204);
    assertThat(all.get(1).getBoolean("verified")).isTrue();
    assertThat(all.get(1).getString("id")).isEqualTo(all.get(0).getString("id"));
    assertThat(all.get(1).getJsonObject("payload").getString("type"))
        .isEqualTo("download.complete");
  }
}
