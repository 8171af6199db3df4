package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.Addresses;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.registry.StoredDownload;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A registry written by a version without queue positions: the waiting downloads take their places
 * in the order they were added and keep them (stored at the first start); ended ones are not
 * written again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegistryUpgradeTest extends StackTestBase {
  /**
   * Row {@code i} as a version without queue positions wrote it: id {@code id}, added paused, at
   * its own millisecond, with status {@code status}.
   */
  static StoredDownload earlierRow(String id, int i, String status) {
    String gid = String.format("%016x", 0xabc000L + i);
    JsonObject request =
        new JsonObject()
            .put("uris", new JsonArray().add("http://127.0.0.1:9/" + id + ".bin"))
            .put("out", id + ".bin")
            .put("options", new JsonObject().put("pause", "true"));
    long at = 1_700_000_000_000L + i;
    return new StoredDownload(
        id,
        gid,
        null,
        request.encode(),
        status,
        0,
        0,
        null,
        null,
        0,
        new JsonArray().add(gid).encode(),
        null,
        at,
        at,
        false,
        null,
        null,
        0);
  }

  private static StoredDownload row(int i, String status) {
    return earlierRow("u" + i, i, status);
  }

  @Test
  void rowsWithoutPlacesQueueInTheOrderTheyWereAddedAndOnlyTheQueuedAreWrittenAgain()
      throws Exception {
    RegistryStore old =
        SupervisorHarness.await(
            RegistryStore.open(vertx, Files.createDirectories(root.resolve("data"))));
    List<StoredDownload> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rows.add(row(i, i % 2 == 0 ? "PAUSED" : "COMPLETE"));
    }
    SupervisorHarness.await(old.add(rows, List.of()));
    SupervisorHarness.await(old.close());

    stack.deployStack(config());
    JsonArray queue =
        stack.request(Addresses.DOWNLOADS_QUEUE, new JsonObject()).getJsonArray("downloads");
    assertThat(queue.stream().map(o -> ((JsonObject) o).getString("id")))
        .containsExactly("u0", "u2", "u4");
    stack.undeploy();

    RegistryStore after = SupervisorHarness.await(RegistryStore.open(vertx, root.resolve("data")));
    try {
      Map<String, StoredDownload> stored =
          SupervisorHarness.await(after.loadAll()).stream()
              .collect(Collectors.toMap(StoredDownload::id, Function.identity()));
      assertThat(stored.get("u0").position()).isNotNull();
      assertThat(stored.get("u0").position()).isLessThan(stored.get("u2").position());
      assertThat(stored.get("u2").position()).isLessThan(stored.get("u4").position());
      for (String ended : List.of("u1", "u3", "u5")) {
        assertThat(stored.get(ended).position()).as(ended + ", ended, not written again").isNull();
      }
    } finally {
      SupervisorHarness.await(after.close());
    }
  }
}
