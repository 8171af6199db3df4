package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.Addresses;
import io.aria2sv.downloads.registry.Registry;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ended downloads leave memory and live in the registry alone (cold): a restart does not read them,
 * and yet every read, list and command answers as when they were held. A real aria2c and a local
 * file server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ColdHistoryTest extends StackTestBase {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private WebClient web;

  private JsonObject rpc(String method, Object... params) throws Exception {
    return SupervisorHarness.jsonRpc(web, stack.httpPort(), method, params);
  }

  private String add(String file, String requestId) throws Exception {
    JsonObject body = new JsonObject().put("uris", new JsonArray().add(files.url(file)));
    if (requestId != null) {
      body.put("requestId", requestId);
    }
    return stack.request(Addresses.DOWNLOADS_ADD, body).getString("id");
  }

  private JsonObject list(String... query) throws Exception {
    JsonObject q = new JsonObject();
    for (int i = 0; i < query.length; i += 2) {
      q.put(query[i], query[i + 1].matches("\\d+") ? Integer.valueOf(query[i + 1]) : query[i + 1]);
    }
    return stack.request(Addresses.DOWNLOADS_LIST, q);
  }

  private int inRegistryOnly() throws Exception {
    return stack.request(Addresses.DOWNLOADS_HEALTH).getInteger("inRegistryOnly");
  }

  /** Everything a client reads about the ended downloads, by what it asked. */
  private Map<String, Object> everyRead(List<String> ids, String batch) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("oldest", list("limit", "100"));
    out.put("newest", list("order", "newest", "limit", "100"));
    out.put("newest from 2", list("order", "newest", "offset", "2", "limit", "2"));
    out.put("complete", list("status", "complete"));
    out.put("failed", list("status", "failed"));
    out.put("batch", list("batchId", batch, "order", "newest"));
    out.put("batch complete", list("batchId", batch, "status", "complete", "offset", "1"));
    out.put("category", list("category", "none"));
    out.put("name", list("name", "c3"));
    out.put(
        "batch figures", stack.request(Addresses.BATCHES_GET, new JsonObject().put("id", batch)));
    for (String id : ids) {
      JsonObject d = stack.get(id);
      out.put("get " + id, d);
      out.put(
          "tellStatus " + id,
          rpc("aria2.tellStatus", d.getString("gid"), new JsonArray().add("gid").add("status")));
    }
    JsonArray keys = new JsonArray().add("gid").add("status").add("completedLength");
    out.put("tellStopped", rpc("aria2.tellStopped", 0, 100, keys));
    out.put("tellStopped from the newest", rpc("aria2.tellStopped", -1, 3, keys));
    out.put("tellStopped from 4", rpc("aria2.tellStopped", 4, 10, keys));
    return out;
  }

  @Test
  void aRestartReadsNoEndedDownloadYetEveryReadListAndCommandAnswersAsBefore() throws Exception {
    web = WebClient.create(vertx);
    List<String> sha = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      sha.add(files.addRandomFile("c" + i + ".bin", 64 * 1024, i));
    }
    // ended downloads stay in memory for an hour: this run holds them all
    stack.deployStack(config("downloads.coldAfter", "1h"));
    List<String> ids = new ArrayList<>();
    ids.add(add("c0.bin", "request-0"));
    JsonArray items = new JsonArray();
    for (int i = 1; i <= 3; i++) {
      items.add(new JsonObject().put("uris", new JsonArray().add(files.url("c" + i + ".bin"))));
    }
    JsonObject batch = stack.request(Addresses.BATCHES_ADD, new JsonObject().put("items", items));
    batch.getJsonArray("downloads").forEach(id -> ids.add((String) id));
    ids.add(add("c4.bin", null));
    String missing = add("later.bin", null); // 404 now: fails at once, not worth a re-add
    ids.add(missing);
    for (String id : ids) {
      stack.awaitStatus(id, id.equals(missing) ? "failed" : "complete", WAIT);
    }
    assertThat(inRegistryOnly()).isZero();
    Map<String, Object> held = everyRead(ids, batch.getString("id"));

    stack.undeploy();
    stack.deployStack(config("downloads.coldAfter", "1h"));
    assertThat(inRegistryOnly()).as("ended downloads the start did not read").isEqualTo(6);
    Map<String, Object> cold = everyRead(ids, batch.getString("id"));
    for (String what : held.keySet()) {
      assertThat(cold.get(what)).as(what).isEqualTo(held.get(what));
    }
    assertThat(((JsonObject) held.get("oldest")).getInteger("total")).isEqualTo(6);

    // the same request id answers with the download it added, long ended
    assertThat(add("c0.bin", "request-0")).isEqualTo(ids.get(0));
    assertThat(list().getInteger("total")).isEqualTo(6);

    // a command brings one back: the failed one is retried once its file is there
    String later = files.addRandomFile("later.bin", 64 * 1024, 9);
    stack.request(Addresses.DOWNLOADS_RETRY, new JsonObject().put("id", missing));
    stack.awaitStatus(missing, "complete", WAIT);
    assertThat(inRegistryOnly()).isEqualTo(5);
    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/later.bin"))))
        .isEqualTo(later);
    for (int i = 0; i < 5; i++) {
      Path f = root.resolve("downloads/c" + i + ".bin");
      assertThat(FileServer.sha256(Files.readAllBytes(f))).isEqualTo(sha.get(i));
    }

    // aria2's removeDownloadResult forgets a cold one by its GID
    String gone = stack.get(ids.get(4)).getString("gid");
    assertThat(rpc("aria2.removeDownloadResult", gone).getString("result")).isEqualTo("OK");
    ReplyException notFound =
        stack.failure(Addresses.DOWNLOADS_GET, new JsonObject().put("id", ids.get(4)));
    assertThat(notFound.failureCode()).isEqualTo(404);
    assertThat(inRegistryOnly()).isEqualTo(4);

    // a purge forgets the cold and the held ones, the batch with them
    assertThat(stack.request(Addresses.DOWNLOADS_PURGE).getInteger("forgotten")).isEqualTo(5);
    await().atMost(WAIT).until(() -> list().getInteger("total") == 0 && inRegistryOnly() == 0);
    stack.undeploy();
    stack.deployStack(config("downloads.coldAfter", "1h"));
    assertThat(list().getInteger("total")).as("after a restart").isZero();
    assertThat(
            stack
                .failure(Addresses.BATCHES_GET, new JsonObject().put("id", batch.getString("id")))
                .failureCode())
        .isEqualTo(404);
  }

  @Test
  void endedDownloadsLeaveMemoryWhileRunningAndKeepEndedForgetsThemBatchAndAll() throws Exception {
    for (int i = 0; i < 5; i++) {
      files.addRandomFile("k" + i + ".bin", 32 * 1024, i);
    }
    stack.deployStack(config("downloads.coldAfter", "0s", "downloads.keepEnded", "3s"));
    JsonArray items = new JsonArray();
    for (int i = 0; i < 3; i++) {
      items.add(new JsonObject().put("uris", new JsonArray().add(files.url("k" + i + ".bin"))));
    }
    String batch =
        stack.request(Addresses.BATCHES_ADD, new JsonObject().put("items", items)).getString("id");
    add("k3.bin", null);
    add("k4.bin", null);
    // every one leaves memory soon after it ended, long before keepEnded forgets it
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> inRegistryOnly() == 5);
    assertThat(list("status", "complete").getInteger("total")).isEqualTo(5);
    assertThat(
            stack
                .request(Addresses.BATCHES_GET, new JsonObject().put("id", batch))
                .getInteger("complete"))
        .isEqualTo(3);

    await().atMost(WAIT).until(() -> list().getInteger("total") == 0 && inRegistryOnly() == 0);
    assertThat(
            stack.failure(Addresses.BATCHES_GET, new JsonObject().put("id", batch)).failureCode())
        .isEqualTo(404);
    stack.undeploy();
    stack.deployStack(config("downloads.coldAfter", "0s"));
    assertThat(list().getInteger("total")).as("after a restart").isZero();
  }

  @Test
  void aDeletedRegistryFileKeepsTheDownloadsOnlyItHeld() throws Exception {
    for (int i = 0; i < 3; i++) {
      files.addRandomFile("g" + i + ".bin", 32 * 1024, i);
    }
    stack.deployStack(config("downloads.coldAfter", "0s"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(add("g" + i + ".bin", null));
    }
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> inRegistryOnly() == 3);
    Path data = root.resolve("data");
    for (String suffix : List.of("", "-wal", "-shm")) {
      Files.deleteIfExists(data.resolve(Registry.FILE + suffix));
    }
    // the next write finds the file gone, copies the rows back from the open file, and goes on;
    // the add is a paused one, which aria2c does not see
    JsonObject paused =
        new JsonObject()
            .put("uris", new JsonArray().add(files.url("g3.bin")))
            .put("options", new JsonObject().put("pause", "true"));
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(
            () -> {
              ids.add(stack.request(Addresses.DOWNLOADS_ADD, paused).getString("id"));
              return true;
            });
    await().atMost(WAIT).until(() -> list().getInteger("total") == 4);
    stack.undeploy();
    stack.deployStack(config("downloads.coldAfter", "0s"));
    assertThat(list().getInteger("total")).as(list().encodePrettily()).isEqualTo(4);
    for (String id : ids) {
      assertThat(stack.get(id).getString("id")).isEqualTo(id);
    }
  }

  @Test
  void bulkActionsByFilterAndByIdsReachTheDownloadsOnlyTheRegistryHolds() throws Exception {
    files.addRandomFile("done.bin", 32 * 1024, 1);
    stack.deployStack(config("downloads.coldAfter", "0s"));
    String done = add("done.bin", null);
    List<String> failed = List.of(add("late0.bin", null), add("late1.bin", null));
    for (String id : failed) {
      stack.awaitStatus(id, "failed", WAIT);
    }
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> inRegistryOnly() == 3);
    files.addRandomFile("late0.bin", 32 * 1024, 2);
    files.addRandomFile("late1.bin", 32 * 1024, 3);

    JsonObject retried =
        stack.request(
            Addresses.DOWNLOADS_BULK,
            new JsonObject().put("action", "retry").put("status", "failed"));
    assertThat(retried.getInteger("matched")).isEqualTo(2);
    assertThat(retried.getInteger("done")).isEqualTo(2);
    for (String id : failed) {
      stack.awaitStatus(id, "complete", WAIT);
    }
    JsonObject paused =
        stack.request(
            Addresses.DOWNLOADS_BULK,
            new JsonObject().put("action", "pause").put("ids", new JsonArray().add(done)));
    assertThat(paused.getJsonArray("downloads").getJsonObject(0).getString("outcome"))
        .as("a complete download is never paused, not unknown")
        .isEqualTo("skipped");
  }
}
