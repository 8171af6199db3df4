package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.aria2sv.testing.ActivityChecker;
import io.aria2sv.testing.ClusterNodes;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.TestNetwork;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes, each in a network namespace of its own ({@link TestNetwork}): the cluster's traffic
 * on one network, the file server and the HTTP APIs on another. Three faults in a row, each for
 * three lease periods and then healed, each on downloads added for it and slowed by the file server
 * so that they run through it:
 *
 * <ol>
 *   <li><b>cut</b>: the node holding most of them loses both its links (it reaches nothing);
 *   <li><b>parted</b>: a node loses the other nodes but still reaches the file server, so both
 *       sides could download;
 *   <li><b>stalled</b>: a node's JVM is stopped (SIGSTOP) while its aria2c goes on.
 * </ol>
 *
 * <p>A checker polls each node's aria2c every 200 ms from inside its namespace and records what it
 * runs. Invariants: no download active on two nodes at once (none at all for the cut; none after
 * the parted node's lease ran out; none from a second after the stalled node wakes); a node without
 * a majority is not ready and accepts no adds; after healing every download completes once, with
 * its content, and every node lists each download once. A violation prints each affected download's
 * history.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterPartitionTest {
  private static final long LEASE_MS = 3000;
  private static final int SIZE = 256 * 1024;

  /** 16 KiB a second a download while a fault lasts: 16 s for one, longer than the fault. */
  private static final long SLOW = 16 * 1024;

  @TempDir Path root;

  private ClusterNodes nodes;
  private FileServer files;
  private ActivityChecker checker;
  private final Map<String, String> digests = new HashMap<>();
  private final Map<String, String> placedOn = new LinkedHashMap<>();
  private final List<String> failures = new ArrayList<>();

  @Test
  void cutPartedAndStalledNodesNeverRunADownloadTwiceAndEveryDownloadCompletesOnce()
      throws Exception {
    assumeTrue(TestNetwork.possible(), "network namespaces need root (CI runs as root)");
    Vertx vertx = Vertx.vertx();
    try (TestNetwork net = TestNetwork.create(3)) {
      files = new FileServer(vertx).start(net.testIp());
      nodes =
          new ClusterNodes(
              vertx,
              root,
              3,
              Map.of("ARIA2SV_CLUSTER_LEASE", "3s", "ARIA2SV_CLUSTER_REQUEST_TIMEOUT", "2s"),
              hosts(net));
      nodes.startAll();
      for (int i = 0; i < 3; i++) {
        nodes.awaitReady(i, Duration.ofSeconds(40));
      }
      Map<String, Path> dataDirs = new LinkedHashMap<>();
      for (int i = 0; i < 3; i++) {
        dataDirs.put(ClusterNodes.name(i), nodes.data(i));
      }
      checker = new ActivityChecker(dataDirs, node -> net.exec(index(node)));

      // 1. the node holding most of the downloads reaches nothing
      List<String> batch = addBatch("cut");
      int victim = holdingMost(batch);
      long cutAt = checker.now();
      net.isolate(victim);
      during(victim, batch, false);
      net.heal(victim);
      afterHealing("cut", batch, cutAt, -1);

      // 2. another node loses the others but still reaches the file server
      batch = addBatch("parted");
      victim = (victim + 1) % 3;
      cutAt = checker.now();
      net.partFromPeers(victim);
      during(victim, batch, true);
      net.heal(victim);
      afterHealing("parted", batch, cutAt + LEASE_MS, -1);

      // 3. the third node's JVM stops; its aria2c goes on downloading
      batch = addBatch("stalled");
      victim = (victim + 1) % 3;
      Signals.stop(nodes.jvm(victim).pid());
      during(victim, batch, false);
      Signals.cont(nodes.jvm(victim).pid());
      // what its aria2c finished while the JVM was stopped stays there, a leftover (README)
      afterHealing("stalled", batch, checker.now() + 1000, victim);

      if (!failures.isEmpty()) {
        throw new AssertionError(String.join("\n\n", failures) + "\n" + nodes.report());
      }
      everyNodeListsEveryDownloadOnceComplete();
    } finally {
      if (checker != null) {
        checker.close();
      }
      if (nodes != null) {
        nodes.close();
      }
      if (files != null) {
        files.close();
      }
      vertx.close();
    }
  }

  private static ClusterNodes.Hosts hosts(TestNetwork net) {
    return new ClusterNodes.Hosts() {
      @Override
      public String clusterHost(int i) {
        return net.clusterIp(i);
      }

      @Override
      public String httpHost(int i) {
        return net.serviceIp(i);
      }

      @Override
      public List<String> prefix(int i) {
        return net.exec(i);
      }
    };
  }

  private static int index(String node) {
    return Integer.parseInt(node.substring(1));
  }

  /** Seven slowed downloads added through node 0, running on their nodes when this returns. */
  private List<String> addBatch(String phase) throws Exception {
    files.throttle(SLOW);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String name = phase + "-" + i + ".bin";
      digests.put(name, files.addRandomFile(name, SIZE, name.hashCode()));
      JsonObject body = new JsonObject().put("uris", new JsonArray().add(files.url(name)));
      var r = nodes.call(0, HttpMethod.POST, "/api/v1/downloads", body);
      assertThat(r.statusCode()).as(r.bodyAsString()).isIn(200, 201);
      ids.add(r.bodyAsJsonObject().getString("id"));
      placedOn.put(r.bodyAsJsonObject().getString("id"), r.bodyAsJsonObject().getString("node"));
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> statuses(ids).values().stream().allMatch("active"::equals));
    return ids;
  }

  private int holdingMost(List<String> batch) {
    Map<String, Long> counts =
        batch.stream().collect(Collectors.groupingBy(placedOn::get, Collectors.counting()));
    String most =
        counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    return index(most);
  }

  /**
   * While node {@code victim} is cut off: three lease periods, and on until the others have taken
   * its downloads of {@code batch} over; a victim that still answers HTTP is not ready, and refuses
   * adds, naming why.
   */
  private void during(int victim, List<String> batch, boolean victimAnswers) throws Exception {
    int other = (victim + 1) % 3;
    Thread.sleep(3 * LEASE_MS); // the fault's length, not a wait for a state
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(40))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () ->
                  byId(other).entrySet().stream()
                      .filter(e -> batch.contains(e.getKey()))
                      .noneMatch(
                          e -> ClusterNodes.name(victim).equals(e.getValue().getString("node"))));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("n" + victim + "'s downloads not taken over:" + nodes.report(), e);
    }
    if (victimAnswers) {
      var ready = nodes.call(victim, HttpMethod.GET, "/health/ready", null);
      assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(503);
      assertThat(ready.bodyAsString()).contains("majority");
      var add =
          nodes.call(
              victim,
              HttpMethod.POST,
              "/api/v1/downloads",
              new JsonObject().put("uris", new JsonArray().add(files.url("refused.bin"))));
      assertThat(add.statusCode()).as(add.bodyAsString()).isEqualTo(503);
    }
  }

  /**
   * After healing: every node ready again, the batch complete at full speed, each download's file
   * whole on its owner alone (but for node {@code leftoverOn}), and no download on two nodes at
   * once from {@code fromMs}.
   */
  private void afterHealing(String phase, List<String> batch, long fromMs, int leftoverOn)
      throws Exception {
    for (int i = 0; i < 3; i++) {
      int n = i;
      try {
        nodes.awaitReady(n, Duration.ofSeconds(60));
      } catch (ConditionTimeoutException e) {
        throw new AssertionError(
            phase + ": n" + n + " not ready after healing:" + nodes.report(), e);
      }
    }
    // and every node sees the other two live again
    for (int i = 0; i < 3; i++) {
      int n = i;
      try {
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(250))
            .until(
                () ->
                    nodes
                            .call(n, HttpMethod.GET, "/api/v1/cluster", null)
                            .bodyAsJsonObject()
                            .getJsonArray("live")
                            .size()
                        == 3);
      } catch (ConditionTimeoutException e) {
        throw new AssertionError(
            phase + ": n" + n + " does not see every node live:" + nodes.report(), e);
      }
    }
    files.throttle(0);
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> statuses(batch).values().stream().allMatch("complete"::equals));
    var violations = checker.violations(fromMs);
    if (!violations.isEmpty()) {
      failures.add(
          phase
              + ": downloads active on two nodes at once from "
              + fromMs
              + " ms:\n"
              + checker.report(violations));
    }
    Map<String, JsonObject> all = byId(0);
    for (String id : batch) {
      JsonObject d = all.get(id);
      String name = fileName(d);
      int owner = index(d.getString("node"));
      List<Integer> whole = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Path copy = nodes.downloads(i).resolve(name);
        if (Files.exists(copy)
            && FileServer.sha256(Files.readAllBytes(copy)).equals(digests.get(name))) {
          whole.add(i);
        }
      }
      List<Integer> others = new ArrayList<>(whole);
      others.removeAll(List.of(owner, leftoverOn));
      if (!whole.contains(owner) || !others.isEmpty()) {
        failures.add(
            String.format(
                "%s: %s is whole on %s, its owner is n%d (%s)%n%s",
                phase, name, whole, owner, d.encode(), checker.historyOf(name)));
      }
    }
  }

  private void everyNodeListsEveryDownloadOnceComplete() throws Exception {
    for (int i = 0; i < 3; i++) {
      List<JsonObject> listed = list(i);
      assertThat(listed.stream().map(d -> d.getString("id")))
          .as(
              "n%d lists each download once, none lost: %s%s",
              i,
              listed.stream()
                  .map(
                      d ->
                          d.getString("id")
                              + "@"
                              + d.getString("node")
                              + ":"
                              + d.getString("status"))
                  .toList(),
              nodes.report())
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(placedOn.keySet());
      assertThat(listed).allMatch(d -> "complete".equals(d.getString("status")));
    }
  }

  private Map<String, String> statuses(List<String> ids) throws Exception {
    Map<String, JsonObject> all = byId(0);
    Map<String, String> out = new HashMap<>();
    for (String id : ids) {
      JsonObject d = all.get(id);
      out.put(id, d == null ? "missing" : d.getString("status"));
    }
    return out;
  }

  private Map<String, JsonObject> byId(int i) throws Exception {
    return list(i).stream().collect(Collectors.toMap(d -> d.getString("id"), d -> d, (a, b) -> a));
  }

  private List<JsonObject> list(int i) throws Exception {
    return nodes.list(i).getJsonArray("downloads").stream().map(JsonObject.class::cast).toList();
  }

  private static String fileName(JsonObject d) {
    String uri = d.getJsonArray("uris").getString(0);
    return uri.substring(uri.lastIndexOf('/') + 1);
  }
}
