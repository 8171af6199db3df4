package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DownloadIdsTest {

  @Test
  void downloadIdsAndGidsKeepTheirFormatAndFollowEachOtherWithoutRepeating() {
    List<String> ids = new ArrayList<>();
    List<String> gids = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      ids.add(DownloadIds.newDownloadId());
      gids.add(DownloadIds.newGid());
    }
    assertThat(ids).allMatch(id -> id.matches("d[0-9a-f]{14}"));
    assertThat(gids).allMatch(g -> g.matches("[0-9a-f]{16}") && !g.equals("0".repeat(16)));
    assertThat(new HashSet<>(ids)).hasSize(ids.size());
    assertThat(new HashSet<>(gids)).hasSize(gids.size());
    // one after the other in the registry's indexes, so that a batch's inserts append
    assertThat(ids).isSorted();
    assertThat(gids).isSorted();
  }

  @Test
  void aCounterThatWouldOverflowStartsAgainInsteadOfWrappingOntoOldIds() {
    DownloadIds.Counter c = new DownloadIds.Counter(8);
    long prev = c.next();
    for (int i = 0; i < 1_000; i++) {
      long next = c.next();
      assertThat(next).isBetween(1L, 255L);
      if (next < prev) { // a new start: only where the last one was near the end
        assertThat(prev).isGreaterThan(255L - 16);
      }
      prev = next;
    }
  }

  @Test
  void twoRunsDrawDifferentStarts() {
    assertThat(new DownloadIds.Counter(56).next()).isNotEqualTo(new DownloadIds.Counter(56).next());
  }
}
