package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.ActivityChecker;
import io.aria2sv.testing.ClusterNodes;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's JVM stopped (SIGSTOP) for three lease periods while its aria2c keeps downloading: the
 * others take its downloads over once its lease ran out; when it runs again (SIGCONT) it stops them
 * in its aria2c at once, drops what was taken over and comes back. A checker polls every node's
 * aria2c itself every 200 ms.
 *
 * <p>Not in the default run (tag {@code cluster-faults}): it passes alone, but beside the other
 * cluster tests on two cores the survivors' Infinispan lock and cache calls time out (15 s) and
 * nothing is taken over in time. {@code mvn -B verify -Dtest=ClusterStallTest
 * -Dsurefire.excludedGroups=bench,bench-million -DskipITs}, about a minute.
 */
@Tag("cluster-faults")
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ClusterStallTest {
  private static final String LEASE = "3s";
  private static final long LEASE_MS = 3000;

  @TempDir Path root;

  @Test
  void aStalledNodeStopsWhatWasTakenOverWithinASecondOfWakingAndEveryDownloadCompletesOnce()
      throws Exception {
    Vertx vertx = Vertx.vertx();
    Map<String, String> env =
        Map.of("ARIA2SV_CLUSTER_LEASE", LEASE, "ARIA2SV_CLUSTER_REQUEST_TIMEOUT", "2s");
    try (FileServer files = new FileServer(vertx).start();
        ClusterNodes nodes = new ClusterNodes(vertx, root, 3, env).startAll()) {
      for (int i = 0; i < 3; i++) {
        int n = i;
        nodes.awaitReady(n, Duration.ofSeconds(30));
      }
      Map<String, String> digests = new HashMap<>();
      Map<String, String> owners = new HashMap<>();
      for (int i = 0; i < 6; i++) {
        String name = "stall-" + i + ".bin";
        digests.put(name, files.addRandomFile(name, 256 * 1024, i));
        JsonObject body =
            new JsonObject()
                .put("uris", new JsonArray().add(files.url(name)))
                .put("options", new JsonObject().put("max-download-limit", "16K"));
        var r = nodes.call(0, HttpMethod.POST, "/api/v1/downloads", body);
        assertThat(r.statusCode()).as(r.bodyAsString()).isIn(200, 201);
        owners.put(r.bodyAsJsonObject().getString("id"), r.bodyAsJsonObject().getString("node"));
      }
      Map<String, Path> dataDirs = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        dataDirs.put(ClusterNodes.name(i), nodes.data(i));
      }
      int victim = 1;
      try (ActivityChecker checker = new ActivityChecker(vertx, dataDirs)) {
        Signals.stop(nodes.jvm(victim).pid());
        Thread.sleep(3 * LEASE_MS); // three lease periods: the stall itself, not a wait for a state
        // and on until the others took its downloads over (later on a loaded machine)
        try {
          Awaitility.await()
              .atMost(Duration.ofSeconds(40))
              .pollInterval(Duration.ofMillis(250))
              .until(
                  () ->
                      downloads(nodes, 0).stream()
                          .noneMatch(d -> "n1".equals(d.getString("node"))));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError(
              "not taken over; n0:\n" + nodes.jvm(0).output() + "\nn2:\n" + nodes.jvm(2).output(),
              e);
        }
        Signals.cont(nodes.jvm(victim).pid());
        long woke = checker.now();
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> allComplete(nodes, 0, owners.size()));
        var violations = checker.violations(woke + 1000);
        assertThat(violations)
            .as(
                "downloads active on two nodes from a second after the wake-up:%n%s",
                violations.stream()
                    .map(v -> checker.historyOf(v.file()))
                    .distinct()
                    .collect(Collectors.joining("\n")))
            .isEmpty();
      }
      // the victim's downloads moved; every download listed once, complete, with its content
      for (int i = 0; i < 3; i++) {
        int n = i;
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> nodes.call(n, HttpMethod.GET, "/health/ready", null).statusCode() == 200);
        List<JsonObject> listed = downloads(nodes, n);
        assertThat(listed.stream().map(d -> d.getString("id")))
            .as("n%d lists each download once", n)
            .doesNotHaveDuplicates()
            .containsExactlyInAnyOrderElementsOf(owners.keySet());
      }
      for (JsonObject d : downloads(nodes, 0)) {
        String uri = d.getJsonArray("uris").getString(0);
        String name = uri.substring(uri.lastIndexOf('/') + 1);
        int owner = Integer.parseInt(d.getString("node").substring(1));
        assertThat(owner)
            .as("%s was on the stalled node", d.getString("id"))
            .isNotEqualTo("n1".equals(owners.get(d.getString("id"))) ? victim : -1);
        assertThat(FileServer.sha256(Files.readAllBytes(nodes.downloads(owner).resolve(name))))
            .as(name)
            .isEqualTo(digests.get(name));
      }
      assertThat(owners.values()).as("the stalled node had downloads").contains("n1");
    } finally {
      vertx.close();
    }
  }

  private static List<JsonObject> downloads(ClusterNodes nodes, int i) throws Exception {
    return nodes.list(i).getJsonArray("downloads").stream().map(JsonObject.class::cast).toList();
  }

  private static boolean allComplete(ClusterNodes nodes, int i, int n) throws Exception {
    List<JsonObject> all = downloads(nodes, i);
    return all.size() == n && all.stream().allMatch(d -> "complete".equals(d.getString("status")));
  }
}
