package io.aria2sv.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ClusterMaps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class NodePagesTest {
  /** Each node's queue, paged as a node pages its own ({@code aria2.downloads.queue}). */
  private static final Map<String, List<String>> QUEUES =
      Map.of(
          "n0", List.of("w0", "w1", "w2"),
          "n1", List.of("x0", "x1", "x2", "x3", "x4"),
          "n2", List.of("y0"));

  private final NodePages pages = new NodePages("n1", NodePagesTest::answer);

  /** Node n2 lost and not dropped yet: its requests time out. */
  private final NodePages withoutN2 =
      new NodePages(
          "n1",
          (address, body) ->
              address.startsWith(ClusterMaps.onNode("n2", ""))
                  ? Future.failedFuture("timeout")
                  : answer(address, body));

  private static Future<JsonObject> answer(String address, JsonObject body) {
    if (address.equals(Addresses.CLUSTER_STATUS)) {
      return Future.succeededFuture(
          new JsonObject().put("live", new JsonArray().add("n0").add("n1").add("n2")));
    }
    String node = address.split("\\.")[2];
    assertThat(address).isEqualTo(ClusterMaps.onNode(node, Addresses.DOWNLOADS_QUEUE));
    List<String> q = QUEUES.get(node);
    int offset = body.getInteger("offset");
    assertThat(offset).as("a node is asked only from its own start onwards").isNotNegative();
    JsonArray out = new JsonArray();
    for (int i = offset; i < q.size() && out.size() < body.getInteger("num"); i++) {
      out.add(new JsonObject().put("id", q.get(i)));
    }
    return Future.succeededFuture(new JsonObject().put("total", q.size()).put("downloads", out));
  }

  private List<String> page(int offset, int num) {
    return pages
        .page(Addresses.DOWNLOADS_QUEUE, offset, num)
        .toCompletionStage()
        .toCompletableFuture()
        .join()
        .stream()
        .map(d -> d.getString("id"))
        .toList();
  }

  @Test
  void theClusterQueueIsThisNodesThenTheOthersInNameOrderPagedAcrossNodes() {
    assertThat(page(0, 100)).containsExactly("x0", "x1", "x2", "x3", "x4", "w0", "w1", "w2", "y0");
    assertThat(page(3, 4)).containsExactly("x3", "x4", "w0", "w1");
    assertThat(page(8, 5)).containsExactly("y0");
    assertThat(page(9, 5)).isEmpty();
    assertThat(page(2, 0)).isEmpty();
  }

  @Test
  void aNegativeOffsetCountsFromTheEndAndGoesBackwardsAsAria2Does() {
    assertThat(page(-1, 3)).containsExactly("y0", "w2", "w1");
    assertThat(page(-4, 3)).containsExactly("w0", "x4", "x3");
    assertThat(page(-9, 5)).containsExactly("x0");
    assertThat(page(-10, 5)).isEmpty();
  }

  @Test
  void aNodeThatDoesNotAnswerIsLeftOutAndTheRestIsStillPaged() {
    assertThat(
            withoutN2
                .page(Addresses.DOWNLOADS_QUEUE, -2, 5)
                .toCompletionStage()
                .toCompletableFuture()
                .join()
                .stream()
                .map(d -> d.getString("id")))
        .containsExactly("w1", "w0", "x4", "x3", "x2");
  }

  @Test
  void theOtherNodesAreCountedByTheirOwners() {
    assertThat(
            pages
                .othersTotal(Addresses.DOWNLOADS_QUEUE)
                .toCompletionStage()
                .toCompletableFuture()
                .join())
        .isEqualTo(4);
  }
}
