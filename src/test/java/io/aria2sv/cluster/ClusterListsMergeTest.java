package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ClusterListsMergeTest {
  private static final Comparator<JsonObject> OLDEST =
      Comparator.<JsonObject>comparingLong(d -> d.getLong("createdAt"))
          .thenComparing(d -> d.getString("id"));

  private static JsonObject d(String id, long createdAt) {
    return new JsonObject().put("id", id).put("createdAt", createdAt);
  }

  private static List<String> ids(List<JsonObject> l) {
    return l.stream().map(d -> d.getString("id")).toList();
  }

  @Test
  void pagesByOffsetNeitherSkipNorRepeatWhenANodesOrderIsNotTheMergeOrder() {
    // Node a took its downloads over in a lost node's queue order: not by id, and tied in time.
    List<JsonObject> a = List.of(d("a9", 5), d("a1", 5), d("a5", 5), d("a3", 7), d("a2", 7));
    List<JsonObject> b = List.of(d("b4", 5), d("b2", 6), d("b8", 7), d("b1", 9));
    List<String> whole = ids(ClusterLists.merge(List.of(a, b), OLDEST));
    assertThat(whole).hasSize(9).doesNotHaveDuplicates();
    assertThat(whole.stream().filter(id -> id.startsWith("a")).toList())
        .as("each node's own order is kept")
        .containsExactly("a9", "a1", "a5", "a3", "a2");
    for (int limit = 1; limit <= 4; limit++) {
      List<String> paged = new ArrayList<>();
      for (int offset = 0; offset < whole.size(); offset += limit) {
        int n = offset + limit; // as ClusterLists asks each node for its first offset + limit
        List<JsonObject> merged =
            ClusterLists.merge(
                List.of(a.subList(0, Math.min(n, a.size())), b.subList(0, Math.min(n, b.size()))),
                OLDEST);
        paged.addAll(ids(merged.subList(offset, Math.min(merged.size(), n))));
      }
      assertThat(paged).as("pages of %d", limit).isEqualTo(whole);
    }
  }
}
