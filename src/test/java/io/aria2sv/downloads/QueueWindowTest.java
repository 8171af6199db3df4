package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.Addresses;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The supervisor owns the queue: aria2c holds only its window (the downloads it runs plus a
 * margin), takes the queue in order, and every client sees the whole queue as aria2 would show it.
 * A real aria2c and a local file server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QueueWindowTest extends StackTestBase {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private WebClient web;

  private JsonObject rpc(String method, Object... params) throws Exception {
    JsonObject reply = SupervisorHarness.jsonRpc(web, stack.httpPort(), method, params);
    assertThat(reply.getJsonObject("error")).as("error of %s", method).isNull();
    return reply;
  }

  private JsonArray waiting(int offset, int num) throws Exception {
    return rpc("aria2.tellWaiting", offset, num, new JsonArray().add("gid").add("status"))
        .getJsonArray("result");
  }

  private static List<String> gids(JsonArray statuses) {
    List<String> out = new ArrayList<>();
    statuses.forEach(o -> out.add(((JsonObject) o).getString("gid")));
    return out;
  }

  private List<String> addBatch(int n, String prefix) throws Exception {
    JsonArray items = new JsonArray();
    for (int i = 0; i < n; i++) {
      items.add(
          new JsonObject()
              .put("uris", new JsonArray().add(files.url(prefix + i + ".bin")))
              .put("out", prefix + i + ".bin"));
    }
    JsonObject batch = stack.request(Addresses.BATCHES_ADD, new JsonObject().put("items", items));
    List<String> ids = new ArrayList<>();
    batch.getJsonArray("downloads").forEach(id -> ids.add((String) id));
    return ids;
  }

  @Test
  void aria2cHoldsOnlyItsWindowAndTakesTheQueueInOrderToTheLastFile() throws Exception {
    int n = 16;
    List<String> sha = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      sha.add(files.addRandomFile("q" + i + ".bin", 96 * 1024, i));
    }
    files.throttle(512 * 1024);
    stack.deployStack(
        config("aria2.options.max-concurrent-downloads", "2", "downloads.windowMargin", "1"));
    Aria2Rpc aria2 = stack.rpc();
    List<String> ids = addBatch(n, "q");

    // the order in which downloads were first seen running, and the most aria2c held at once
    Set<String> started = new LinkedHashSet<>();
    int most = 0;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (started.size() < n || !allComplete(ids)) {
      assertThat(System.nanoTime()).as("all complete in time").isLessThan(deadline);
      most = Math.max(most, SupervisorHarness.aria2Held(aria2));
      for (Object o : stack.request(Addresses.DOWNLOADS_LIST).getJsonArray("downloads")) {
        JsonObject d = (JsonObject) o;
        if (!"waiting".equals(d.getString("status"))) {
          started.add(d.getString("id"));
        }
      }
      TimeUnit.MILLISECONDS.sleep(20); // a sampling interval, not a wait for an outcome
    }

    assertThat(most).as("downloads aria2c held at once").isBetween(1, 3);
    List<String> order = new ArrayList<>(started);
    for (int i = 0; i < n; i++) {
      // a download may start before those ahead of it by at most the window's size
      assertThat(Math.abs(order.indexOf(ids.get(i)) - i))
          .as("start of #%d", i)
          .isLessThanOrEqualTo(3);
      byte[] data = Files.readAllBytes(root.resolve("downloads").resolve("q" + i + ".bin"));
      assertThat(FileServer.sha256(data)).isEqualTo(sha.get(i));
    }
  }

  /** Told that {@code n} downloads were just queued behind the one running. */
  protected void queued(int n) throws Exception {}

  private boolean allComplete(List<String> ids) throws Exception {
    for (String id : ids) {
      if (!"complete".equals(stack.get(id).getString("status"))) {
        return false;
      }
    }
    return true;
  }

  @Test
  void theWholeQueueAnswersAria2sListsPositionsPausesAndAResizeAsAria2Would() throws Exception {
    files.addRandomFile("head.bin", 8 << 20, 7);
    files.throttle(32 * 1024);
    stack.deployStack(
        config("aria2.options.max-concurrent-downloads", "1", "downloads.windowMargin", "0"));
    web = WebClient.create(vertx);
    Aria2Rpc aria2 = stack.rpc();
    String head =
        stack
            .request(
                Addresses.DOWNLOADS_ADD,
                new JsonObject().put("uris", new JsonArray().add(files.url("head.bin"))))
            .getString("id");
    stack.awaitStatus(head, "active", WAIT);
    for (int i = 0; i < 20; i++) {
      files.addRandomFile("w" + i + ".bin", 8 << 20, 100 + i);
    }
    List<String> ids = addBatch(20, "w");
    queued(20);
    List<String> gids = new ArrayList<>();
    for (String id : ids) {
      gids.add(stack.get(id).getString("gid"));
    }

    // the whole queue in order, though aria2c holds only the one it runs
    assertThat(SupervisorHarness.aria2Held(aria2)).isEqualTo(1);
    assertThat(gids(waiting(0, 100))).containsExactlyElementsOf(gids);
    assertThat(gids(waiting(5, 3))).containsExactly(gids.get(5), gids.get(6), gids.get(7));
    assertThat(gids(waiting(-1, 3))).containsExactly(gids.get(19), gids.get(18), gids.get(17));
    JsonObject stat = rpc("aria2.getGlobalStat").getJsonObject("result");
    assertThat(stat.getString("numWaiting")).isEqualTo("20");
    assertThat(stat.getString("numActive")).isEqualTo("1");
    JsonObject queued =
        rpc("aria2.tellStatus", gids.get(12), new JsonArray().add("gid").add("status"))
            .getJsonObject("result");
    assertThat(queued.getString("status")).isEqualTo("waiting");
    assertThat(rpc("aria2.getOption", gids.get(12)).getJsonObject("result").getString("dir"))
        .isEqualTo(root.resolve("downloads").toString());

    // positions over the whole queue, as aria2's changePosition counts them
    assertThat(rpc("aria2.changePosition", gids.get(15), 0, "POS_SET").getInteger("result"))
        .isZero();
    assertThat(rpc("aria2.changePosition", gids.get(0), -1, "POS_END").getInteger("result"))
        .isEqualTo(18);
    assertThat(rpc("aria2.changePosition", gids.get(3), 2, "POS_CUR").getInteger("result"))
        .isEqualTo(5);
    List<String> expected = new ArrayList<>(gids);
    expected.remove(gids.get(15));
    expected.add(0, gids.get(15));
    expected.remove(gids.get(0));
    expected.add(18, gids.get(0));
    expected.remove(gids.get(3));
    expected.add(5, gids.get(3));
    assertThat(gids(waiting(0, 100))).containsExactlyElementsOf(expected);

    // a queued download that aria2c does not hold pauses and resumes in place
    rpc("aria2.pause", gids.get(10));
    assertThat(stack.get(ids.get(10)).getString("status")).isEqualTo("paused");
    assertThat(waiting(0, 100).getJsonObject(expected.indexOf(gids.get(10))).getString("status"))
        .isEqualTo("paused");
    rpc("aria2.pauseAll");
    await().atMost(WAIT).until(() -> "paused".equals(stack.get(head).getString("status")));
    for (String id : ids) {
      assertThat(stack.get(id).getString("status")).isEqualTo("paused");
    }
    rpc("aria2.unpauseAll");
    for (String id : ids) {
      assertThat(stack.get(id).getString("status")).isNotEqualTo("paused");
    }

    // more at once in aria2c: the window grows and takes the queue's head, the moved one first
    rpc("aria2.changeGlobalOption", new JsonObject().put("max-concurrent-downloads", "3"));
    await().atMost(WAIT).until(() -> SupervisorHarness.aria2Held(aria2) == 3);
    await().atMost(WAIT).until(() -> !"waiting".equals(stack.get(ids.get(15)).getString("status")));
    assertThat(SupervisorHarness.aria2Held(aria2)).isEqualTo(3);
    await()
        .atMost(WAIT)
        .until(
            () ->
                "18"
                    .equals(
                        rpc("aria2.getGlobalStat")
                            .getJsonObject("result")
                            .getString("numWaiting")));
  }
}
