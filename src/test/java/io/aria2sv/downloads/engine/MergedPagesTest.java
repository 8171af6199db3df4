package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.downloads.request.DownloadRequest;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A list split between memory and the registry's cold rows pages as the one list it is: every page
 * from either end is the same slice of it, whatever the split, the chunk boundaries and the rows
 * the registry still lists for downloads memory holds again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MergedPagesTest {
  private static final Comparator<Download> BY_SEQ = Comparator.comparingLong(d -> d.seq);

  private static Download download(int seq) {
    Download d =
        new Download(
            "d" + seq,
            null,
            new DownloadRequest(List.of("http://127.0.0.1:9/" + seq), "", null, Map.of(), null),
            seq,
            String.format("%016x", seq),
            DownloadStatus.COMPLETE);
    d.seq = seq;
    return d;
  }

  /** The cold rows in order from after the last one returned, a few at a time like the registry. */
  private static MergedPages.ColdCursor cursor(List<Download> cold, boolean newestFirst) {
    List<Download> order = new ArrayList<>(cold);
    if (newestFirst) {
      order.sort(BY_SEQ.reversed());
    }
    return MergedPages.cursor(
        last ->
            max -> {
              int from = last == null ? 0 : order.indexOf(last) + 1;
              return Future.succeededFuture(
                  new ArrayList<>(order.subList(from, Math.min(order.size(), from + max))));
            });
  }

  @Test
  void everyPageOfAListSplitBetweenMemoryAndTheRegistryIsTheSliceOfTheWholeList() {
    Random random = new Random(27);
    for (int round = 0; round < 200; round++) {
      int n = random.nextInt(60);
      List<Download> all = new ArrayList<>();
      List<Download> hot = new ArrayList<>();
      List<Download> cold = new ArrayList<>();
      Set<String> held = new HashSet<>();
      for (int i = 1; i <= n; i++) {
        Download d = download(i);
        all.add(d);
        if (random.nextInt(3) == 0) {
          hot.add(d);
          held.add(d.id);
          if (random.nextInt(4) == 0) {
            cold.add(download(i)); // a stale row of one held again: memory's copy is listed
          }
        } else {
          cold.add(d);
        }
      }
      boolean newestFirst = random.nextBoolean();
      List<Download> expected = new ArrayList<>(all);
      List<Download> hotOrder = new ArrayList<>(hot);
      if (newestFirst) {
        expected.sort(BY_SEQ.reversed());
        hotOrder.sort(BY_SEQ.reversed());
      }
      int offset = random.nextInt(n + 3);
      int limit = random.nextInt(n + 3);
      boolean count = random.nextBoolean();
      MergedPages.Page page =
          MergedPages.page(
                  new MergedPages.Spec(
                      hotOrder.iterator(),
                      cursor(cold, newestFirst),
                      newestFirst ? BY_SEQ.reversed() : BY_SEQ,
                      d -> true,
                      held::contains,
                      offset,
                      limit,
                      count,
                      d -> false))
              .result();
      List<Download> slice = expected.subList(Math.min(offset, n), Math.min(n, offset + limit));
      assertThat(page.downloads())
          .as("round %d: %d downloads, offset %d, limit %d", round, n, offset, limit)
          .containsExactlyElementsOf(slice);
      assertThat(page.total()).isEqualTo(count ? n : -1);
    }
  }

  @Test
  void aFilterSkipsOnBothSidesAndCountsOnlyWhatPasses() {
    List<Download> hot = new ArrayList<>();
    List<Download> cold = new ArrayList<>();
    for (int i = 1; i <= 3000; i++) {
      (i % 7 == 0 ? hot : cold).add(download(i));
    }
    MergedPages.Page page =
        MergedPages.page(
                new MergedPages.Spec(
                    hot.iterator(),
                    cursor(cold, false),
                    BY_SEQ,
                    d -> d.seq % 2 == 0,
                    id -> false,
                    1000,
                    5,
                    true,
                    d -> false))
            .result();
    assertThat(page.downloads())
        .extracting(d -> d.seq)
        .containsExactly(2002L, 2004L, 2006L, 2008L, 2010L);
    assertThat(page.total()).isEqualTo(1500);
  }
}
