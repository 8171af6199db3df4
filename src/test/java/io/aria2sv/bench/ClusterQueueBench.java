package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.ClusterNodes;
import io.aria2sv.testing.FileServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node of three lost with a queue of 10,000 (one batch, slow downloads that stay queued, shipped
 * failure timeout 5 s): the time from its kill -9 until the survivors hold every one of them,
 * against the failover bound of 15 s; then that each survivor's queue keeps the lost node's order,
 * that every download is listed once, and that the node, started again on its data directory, drops
 * all it had lost.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ClusterQueueBench {
  private static final int QUEUED = 10_000;
  private static final Pattern OUT = Pattern.compile("q(\\d+)\\.bin");

  @TempDir Path root;

  @Test
  void aLostNodesQueueOfTenThousandIsTakenOverInOrderWithinTheFailoverBound(Vertx vertx)
      throws Exception {
    try (FileServer files = new FileServer(vertx).start();
        ClusterNodes nodes =
            new ClusterNodes(vertx, root, 3, Map.of("ARIA2SV_CLUSTER_FAILURE_TIMEOUT", "5s"))) {
      files.addRandomFile("slow.bin", 1 << 20, 1);
      files.throttle(2048);
      nodes.startAll();
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> live(nodes, 0) == 3 && live(nodes, 2) == 3);
      for (int i = 0; i < 3; i++) {
        nodes.awaitReady(i, Duration.ofSeconds(30));
      }
      JsonArray items = new JsonArray();
      for (int i = 0; i < QUEUED; i++) {
        items.add(
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("slow.bin")))
                .put("out", "q" + i + ".bin"));
      }
      HttpResponse<Buffer> added =
          nodes.call(0, HttpMethod.POST, "/api/v1/batches", new JsonObject().put("items", items));
      assertThat(added.statusCode()).as(added.bodyAsString()).isIn(200, 201);
      long acked = System.nanoTime();
      String batch = added.bodyAsJsonObject().getString("id");
      String lost = owners(nodes, 0, batch).values().iterator().next();
      int victim = Integer.parseInt(lost.substring(1));
      // A takeover hands over what the cluster's catalog holds: the queue is all in it first.
      Awaitility.await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> catalogPending(nodes, victim) == 0);
      double catalogMs = (System.nanoTime() - acked) / 1e6;
      int survivor = (victim + 1) % 3;

      long t0 = System.nanoTime();
      nodes.kill(victim);
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () ->
                  registered(nodes, survivor) + registered(nodes, 3 - victim - survivor) == QUEUED);
      double takeoverMs = (System.nanoTime() - t0) / 1e6;
      Map<String, String> owner = owners(nodes, survivor, batch);
      assertThat(owner).hasSize(QUEUED).doesNotContainValue(lost);

      Map<String, Integer> inversions = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        if (i != victim) {
          inversions.put(ClusterNodes.name(i), inversions(nodes, i, batch));
        }
      }

      nodes.start(victim);
      nodes.awaitReady(victim, Duration.ofSeconds(30));
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> nodes.jvm(victim).output().contains("were taken over by other nodes"));
      assertThat(nodes.jvm(victim).output())
          .contains(QUEUED + " downloads were taken over by other nodes while this one was away");
      Map<String, String> after = owners(nodes, victim, batch);
      assertThat(after).hasSize(QUEUED).doesNotContainValue(lost);

      BenchReport.add(
          "a lost node's queue of 10,000 taken over: kill -9 to the survivors holding all",
          "ms",
          BenchReport.Stats.of(List.of(takeoverMs)),
          "the goal: 15 s from the kill (ratio: ours / 15 s)",
          null,
          takeoverMs / 15_000,
          "<= 15000 ms, in order",
          takeoverMs <= 15_000 && inversions.values().stream().allMatch(n -> n == 0),
          String.format(
              "3 nodes, shipped failure timeout 5 s, one batch of %d slow downloads on the lost"
                  + " node, all in the cluster's catalog %.0f ms after the add was acknowledged;"
                  + " out-of-order pairs in each survivor's queue: %s; the node started again"
                  + " dropped all %d",
              QUEUED, catalogMs, inversions, QUEUED));
      assertThat(inversions.values()).as("out-of-order pairs per survivor").containsOnly(0);
    }
  }

  private static int live(ClusterNodes nodes, int via) throws Exception {
    return nodes
        .call(via, HttpMethod.GET, "/api/v1/cluster", null)
        .bodyAsJsonObject()
        .getJsonArray("live")
        .size();
  }

  /** Node {@code i}'s downloads whose latest change is not in the cluster's catalog yet. */
  private static double catalogPending(ClusterNodes nodes, int i) throws Exception {
    return metric(nodes, i, "aria2sv_cluster_catalog_pending");
  }

  /**
   * The downloads in node {@code i}'s own registry, of every status (read from its metrics: a list
   * of the whole cluster while it takes over would load what it measures).
   */
  private static double registered(ClusterNodes nodes, int i) throws Exception {
    return metric(nodes, i, "aria2sv_downloads{");
  }

  private static double metric(ClusterNodes nodes, int i, String prefix) throws Exception {
    return nodes
        .call(i, HttpMethod.GET, "/metrics", null)
        .bodyAsString()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** Every download of {@code batch} as node {@code via} lists it: its id and its owner. */
  private static Map<String, String> owners(ClusterNodes nodes, int via, String batch)
      throws Exception {
    Map<String, String> out = new HashMap<>();
    listed(nodes, via, batch).forEach((id, d) -> out.put(id, d.getString("node")));
    return out;
  }

  /** Every download of {@code batch} as node {@code via} lists it, by id. */
  private static Map<String, JsonObject> listed(ClusterNodes nodes, int via, String batch)
      throws Exception {
    Map<String, JsonObject> out = new HashMap<>();
    for (int offset = 0; offset < QUEUED; offset += 1000) {
      HttpResponse<Buffer> r =
          nodes.call(
              via,
              HttpMethod.GET,
              "/api/v1/downloads?batch=" + batch + "&limit=1000&offset=" + offset,
              null);
      if (r.statusCode() != 200) {
        throw new IllegalStateException("list from node " + via + ": " + r.bodyAsString());
      }
      r.bodyAsJsonObject()
          .getJsonArray("downloads")
          .forEach(o -> out.put(((JsonObject) o).getString("id"), (JsonObject) o));
    }
    return out;
  }

  /**
   * The neighbours in node {@code via}'s own queue (the first part of its {@code tellWaiting}, as
   * many as it has waiting or paused downloads) out of the batch's order: the lost node queued
   * {@code q0} first.
   */
  private static int inversions(ClusterNodes nodes, int via, String batch) throws Exception {
    String name = ClusterNodes.name(via);
    long own =
        listed(nodes, via, batch).values().stream()
            .filter(
                d ->
                    name.equals(d.getString("node"))
                        && List.of("waiting", "paused").contains(d.getString("status")))
            .count();
    JsonObject call =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", "q")
            .put("method", "aria2.tellWaiting")
            .put("params", new JsonArray().add(0).add((int) own).add(new JsonArray().add("files")));
    HttpResponse<Buffer> r = nodes.call(via, HttpMethod.POST, "/jsonrpc", call);
    assertThat(r.bodyAsJsonObject().getJsonArray("result")).as(r.bodyAsString()).isNotNull();
    List<Integer> order = new ArrayList<>();
    for (Object o : r.bodyAsJsonObject().getJsonArray("result").stream().limit(own).toList()) {
      String path = ((JsonObject) o).getJsonArray("files").getJsonObject(0).getString("path");
      Matcher m = OUT.matcher(path.substring(path.lastIndexOf('/') + 1));
      if (m.matches()) {
        order.add(Integer.parseInt(m.group(1)));
      }
    }
    int inverted = 0;
    for (int i = 1; i < order.size(); i++) {
      if (order.get(i) < order.get(i - 1)) {
        inverted++;
      }
    }
    return inverted;
  }
}
