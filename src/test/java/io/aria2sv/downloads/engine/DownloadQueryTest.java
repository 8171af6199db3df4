package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.downloads.request.CommandRequests;
import io.aria2sv.downloads.request.DownloadRequest;
import io.aria2sv.metrics.Metrics;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link DownloadQuery} pages the list from either end of the order downloads were added in, with
 * totals the index counts, also after downloads were forgotten and the list compacted.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DownloadQueryTest {
  private final DownloadIndex index = new DownloadIndex(Metrics.standalone());
  private final List<Download> all = new ArrayList<>();

  private Download add(int i, String batch, DownloadStatus status) {
    Download d =
        new Download(
            String.format("d%05d", i),
            batch,
            new DownloadRequest(List.of("http://127.0.0.1:9/" + i), "", i + ".bin", Map.of(), null),
            i,
            String.format("%016x", i),
            status);
    index.add(d);
    all.add(d);
    return d;
  }

  private List<String> ids(JsonObject query) {
    JsonObject page =
        DownloadQuery.page(
                index,
                null,
                CommandRequests.listQuery(query),
                d -> new JsonObject().put("id", d.id))
            .result();
    List<String> out = new ArrayList<>();
    page.getJsonArray("downloads").forEach(o -> out.add(((JsonObject) o).getString("id")));
    out.add("total=" + page.getInteger("total"));
    return out;
  }

  @Test
  void pagesFromEitherEndWithTotalsAcrossForgottenDownloadsAndACompaction() {
    for (int i = 0; i < 3000; i++) {
      add(i, i < 10 ? "b1" : null, i % 3 == 0 ? DownloadStatus.COMPLETE : DownloadStatus.WAITING);
    }
    // forget two thirds of the first 2,400: more than half of the slots, so the list is compacted
    for (int i = 0; i < 2400; i++) {
      if (i % 3 != 2) {
        index.remove(all.get(i));
      }
    }
    int left = 3000 - 1600;

    assertThat(ids(new JsonObject().put("limit", 2)))
        .containsExactly("d00002", "d00005", "total=" + left);
    assertThat(ids(new JsonObject().put("limit", 2).put("order", "newest")))
        .containsExactly("d02999", "d02998", "total=" + left);
    assertThat(ids(new JsonObject().put("limit", 2).put("offset", 800)))
        .containsExactly("d02400", "d02401", "total=" + left);
    // i % 3 == 0 from 2,400 on are complete: 200 of them
    assertThat(
            ids(new JsonObject().put("limit", 1).put("status", "complete").put("order", "newest")))
        .containsExactly("d02997", "total=200");
    assertThat(ids(new JsonObject().put("batchId", "b1")))
        .containsExactly("d00002", "d00005", "d00008", "total=3");

    // a status change moves a download between the counts, not in the order
    index.setStatus(all.get(2999), DownloadStatus.COMPLETE, 1);
    assertThat(
            ids(new JsonObject().put("limit", 1).put("status", "complete").put("order", "newest")))
        .containsExactly("d02999", "total=201");
  }
}
