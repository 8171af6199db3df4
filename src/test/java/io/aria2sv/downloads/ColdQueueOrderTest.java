package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.Addresses;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.registry.StoredDownload;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The queue keeps its order with only its head in memory: a queue an earlier version held in memory
 * goes cold beyond the head at the first start, and moves that use up the room between two
 * downloads renumber the whole queue, memory and registry alike. A real aria2c; every download is
 * paused, so the order is all that changes.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ColdQueueOrderTest extends StackTestBase {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private List<String> queue() throws Exception {
    List<String> ids = new ArrayList<>();
    stack
        .request(Addresses.DOWNLOADS_QUEUE, new JsonObject().put("num", 1000))
        .getJsonArray("downloads")
        .forEach(o -> ids.add(((JsonObject) o).getString("id")));
    return ids;
  }

  private int inRegistryOnly() throws Exception {
    return stack.request(Addresses.DOWNLOADS_HEALTH).getInteger("inRegistryOnly");
  }

  @Test
  void aQueueAnEarlierVersionHeldInMemoryGoesColdBeyondItsHeadInOrder() throws Exception {
    RegistryStore old =
        SupervisorHarness.await(
            RegistryStore.open(vertx, Files.createDirectories(root.resolve("data"))));
    List<StoredDownload> rows = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      rows.add(RegistryUpgradeTest.earlierRow("q" + (100 + i), i, "PAUSED"));
      expected.add("q" + (100 + i));
    }
    SupervisorHarness.await(old.add(rows, List.of()));
    SupervisorHarness.await(old.close());

    stack.deployStack(config("downloads.queueInMemory", "10", "downloads.coldAfter", "2s"));
    await().atMost(WAIT).until(() -> inRegistryOnly() == 20);
    assertThat(queue()).containsExactlyElementsOf(expected);
    stack.undeploy();
    stack.deployStack(config("downloads.queueInMemory", "10"));
    assertThat(inRegistryOnly()).as("cold at the next start").isEqualTo(20);
    assertThat(queue()).containsExactlyElementsOf(expected);
  }

  @Test
  void movesThatUseUpTheRoomBetweenTwoDownloadsRenumberTheWholeQueueInOrder() throws Exception {
    stack.deployStack(config("downloads.queueInMemory", "10"));
    JsonArray items = new JsonArray();
    for (int i = 0; i < 30; i++) {
      items.add(
          new JsonObject()
              .put("uris", new JsonArray().add(files.url("r" + i + ".bin")))
              .put("options", new JsonObject().put("pause", "true")));
    }
    List<String> expected = new ArrayList<>();
    stack
        .request(Addresses.BATCHES_ADD, new JsonObject().put("items", items))
        .getJsonArray("downloads")
        .forEach(id -> expected.add((String) id));
    assertThat(inRegistryOnly()).isEqualTo(20);
    // the last (cold) goes between the first two, again and again: the room between them halves
    // each time, and runs out after about 20 moves
    for (int move = 0; move < 26; move++) {
      String last = expected.remove(expected.size() - 1);
      JsonObject moved =
          stack.request(
              Addresses.DOWNLOADS_POSITION,
              new JsonObject().put("id", last).put("pos", 1).put("how", "POS_SET"));
      assertThat(moved.getInteger("position")).isEqualTo(1);
      expected.add(1, last);
      assertThat(queue()).as("after move %d", move).containsExactlyElementsOf(expected);
    }
    stack.undeploy();
    stack.deployStack(config("downloads.queueInMemory", "10"));
    assertThat(queue()).as("after a restart").containsExactlyElementsOf(expected);
  }
}
