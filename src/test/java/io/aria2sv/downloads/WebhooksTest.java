package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.Addresses;
import io.aria2sv.testing.HttpCalls;
import io.aria2sv.testing.StackTestBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Signed webhooks checked by an implementation no one here wrote (npm {@code standardwebhooks}
 * 1.1.1): one message per event of a download, the same id on every attempt while the endpoint is
 * down, a slow endpoint, a 410 that stops, the delivery log and a redelivery; no secret, token, URI
 * or option in a body or the log.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebhooksTest extends StackTestBase {
  static final Path NODE_DIR = Path.of("src/test/node");
  private static final Duration WAIT = Duration.ofSeconds(30);

  private Process receiver;
  private Path log;

  @AfterEach
  void stopReceiver() {
    if (receiver != null) {
      receiver.destroyForcibly();
    }
  }

  static String newSecret() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  /** Starts the Node receiver; returns its port. */
  static Process startReceiver(String secret, Path log) throws Exception {
    assertThat(NODE_DIR.resolve("node_modules/standardwebhooks/package.json"))
        .as("npm ci --prefix src/test/node (.ci/run does it)")
        .exists();
    return new ProcessBuilder("node", NODE_DIR.resolve("webhook-receiver.js").toString(), secret)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  static List<JsonObject> lines(Path log) throws IOException {
    return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("{"))
        .map(JsonObject::new)
        .toList();
  }

  static int port(Path log) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> lines(log).stream().anyMatch(l -> l.getString("step").equals("listening")));
    try {
      return lines(log).stream()
          .filter(l -> l.getString("step").equals("listening"))
          .findFirst()
          .orElseThrow()
          .getInteger("port");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<JsonObject> deliveries(Path log) throws IOException {
    return lines(log).stream().filter(l -> l.getString("step").equals("delivery")).toList();
  }

  static void tell(Process p, String line) throws IOException {
    p.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().flush();
  }

  /** {@code cfg} with one webhook endpoint, the receiver on {@code port}. */
  private static JsonObject withReceiver(JsonObject cfg, int port, String secret) {
    return cfg.put(
        "webhooks",
        new JsonArray()
            .add(
                new JsonObject()
                    .put("name", "receiver")
                    .put("url", "http://127.0.0.1:" + port + "/hook")
                    .put("secret", secret)));
  }

  private List<JsonObject> of(String type) throws IOException {
    return deliveries(log).stream()
        .filter(d -> d.getJsonObject("payload") != null)
        .filter(d -> type.equals(d.getJsonObject("payload").getString("type")))
        .toList();
  }

  @Test
  void signedMessagesAreVerifiedRetriedWithOneIdLoggedAndRedeliveredAndA410Stops()
      throws Exception {
    String secret = newSecret();
    log = root.resolve("receiver.log");
    receiver = startReceiver(secret, log);
    int port = port(log);
    tell(receiver, "down");
    files.addRandomFile("a.bin", 100_000, 1);
    JsonObject cfg =
        config(
            "completion.finishedRoot",
            root.resolve("finished").toString(),
            "completion.moveTo",
            "done",
            "completion.webhookRetries",
            "200ms,200ms,300ms,300ms,300ms,300ms,300ms");
    stack.deployStack(withReceiver(cfg, port, secret));

    JsonObject d =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("a.bin")))
                .put("options", new JsonObject().put("http-passwd", "hunter2")));
    String id = d.getString("id");
    await().atMost(WAIT).until(() -> of("download.complete").size() >= 2);
    tell(receiver, "ok");
    await()
        .atMost(WAIT)
        .until(
            () ->
                of("download.complete").stream().anyMatch(x -> x.getInteger("status") == 204)
                    && of("download.completion").stream()
                        .anyMatch(x -> x.getInteger("status") == 204));

    List<JsonObject> complete = of("download.complete");
    assertThat(complete).allMatch(x -> x.getBoolean("verified"), "verified by standardwebhooks");
    assertThat(complete.stream().map(x -> x.getString("id")).distinct().toList())
        .as("one message, the same webhook-id on every attempt")
        .hasSize(1);
    JsonObject data = complete.get(0).getJsonObject("payload").getJsonObject("data");
    assertThat(data.getString("id")).isEqualTo(id);
    assertThat(data.getString("status")).isEqualTo("complete");
    JsonObject completion =
        of("download.completion").get(0).getJsonObject("payload").getJsonObject("data");
    assertThat(completion.getJsonObject("completion").getString("state")).isEqualTo("done");
    String text = Files.readString(log);
    assertThat(text).doesNotContain("hunter2").doesNotContain(secret);
    assertThat(data.fieldNames()).doesNotContain("uris", "options");

    JsonObject logged =
        new JsonObject(
            HttpCalls.call(
                    stack.httpPort(),
                    "GET",
                    "/api/v1/webhooks/deliveries?download=" + id,
                    null,
                    null)
                .body());
    JsonObject message =
        logged.getJsonArray("deliveries").stream()
            .map(JsonObject.class::cast)
            .filter(m -> m.getString("type").equals("download.complete"))
            .findFirst()
            .orElseThrow();
    assertThat(message.getString("state")).isEqualTo("delivered");
    assertThat(message.getString("id")).isEqualTo(complete.get(0).getString("id"));
    List<Integer> statuses =
        message.getJsonArray("tries").stream()
            .map(t -> ((JsonObject) t).getInteger("status"))
            .toList();
    assertThat(statuses.subList(0, 2)).containsOnly(503);
    assertThat(statuses.get(statuses.size() - 1)).isEqualTo(204);
    assertThat(logged.encode()).doesNotContain(secret).doesNotContain("hunter2");

    // a redelivery: the same id again
    int before = complete.size();
    assertThat(
            HttpCalls.call(
                    stack.httpPort(),
                    "POST",
                    "/api/v1/webhooks/deliveries/" + message.getString("id") + "/redeliver",
                    null,
                    null)
                .statusCode())
        .isEqualTo(200);
    await().atMost(WAIT).until(() -> of("download.complete").size() == before + 1);
    assertThat(of("download.complete").get(before).getString("id"))
        .isEqualTo(message.getString("id"));

    // a slow endpoint still gets it; then one that answers 410 is never called again
    tell(receiver, "slow 2000");
    stack.request(Addresses.DOWNLOADS_REMOVE, new JsonObject().put("id", id));
    await().atMost(WAIT).until(() -> of("download.removed").size() == 1);
    tell(receiver, "gone");
    JsonObject other =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("a.bin")))
                .put("out", "b.bin"));
    await().atMost(WAIT).until(() -> of("download.complete").size() == before + 2);
    await()
        .atMost(WAIT)
        .until(
            () ->
                stack
                    .request(
                        Addresses.WEBHOOKS_DELIVERIES,
                        new JsonObject().put("downloadId", other.getString("id")))
                    .getJsonArray("deliveries")
                    .stream()
                    .map(JsonObject.class::cast)
                    .filter(m -> m.getString("type").equals("download.complete"))
                    .anyMatch(m -> m.getString("state").equals("stopped")));
    Thread.sleep(
        1000); // the retry schedule's delays are 300 ms: a stopped message would be sent again by
    // now
    assertThat(of("download.complete")).hasSize(before + 2);
  }

  @Test
  void aDownloadReAddedAfterErrorsNotifiesOnceNotOncePerGid() throws Exception {
    String secret = newSecret();
    log = root.resolve("receiver.log");
    receiver = startReceiver(secret, log);
    int port = port(log);
    files.addRandomFile("flaky.bin", 256 * 1024, 2);
    files.fail503("flaky.bin", 2);
    JsonObject cfg = config("downloads.retryDelay", "100ms");
    stack.deployStack(withReceiver(cfg, port, secret));
    String id =
        stack
            .request(
                Addresses.DOWNLOADS_ADD,
                new JsonObject().put("uris", new JsonArray().add(files.url("flaky.bin"))))
            .getString("id");
    JsonObject done = stack.awaitStatus(id, "complete", WAIT);
    assertThat(done.getJsonObject("retry").getJsonArray("gids")).hasSize(3);
    await().atMost(WAIT).until(() -> of("download.complete").size() == 1);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> deliveries(log).size() == 1);
    assertThat(of("download.failed")).isEmpty();
    assertThat(
            of("download.complete")
                .get(0)
                .getJsonObject("payload")
                .getJsonObject("data")
                .getString("id"))
        .isEqualTo(id);
  }
}
