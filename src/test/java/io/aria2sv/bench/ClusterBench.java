package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.ClusterNodes;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's two figures. Failover: kill -9 of a node of three (shipped settings: 5 s failure
 * timeout) until each of its unfinished downloads is active on a survivor, 5 times, against the way
 * back without a cluster, a single supervisor killed and started again at once (as {@code
 * Restart=always} would) until its downloads are active again. Adds: paused downloads added over
 * HTTP with 16 in flight through one node of the three, against a single supervisor in the same
 * run, with the CPU each spends per add (every supervisor JVM and aria2c counted).
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ClusterBench {
  private static final int RUNS = 5;
  private static final int PER_NODE = 2;
  private static final int ADDS = 1000;
  private static final int CONCURRENCY = 16;
  private static final int WARM_UP = 3;
  private static final int SLOW = 4 * 1024 * 1024;

  @TempDir Path root;

  @Test
  void failoverAndAddsOfAThreeNodeClusterAgainstASingleSupervisor(Vertx vertx) throws Exception {
    FileServer files = new FileServer(vertx).start();
    WebClient web = WebClient.create(vertx);
    List<Double> failover = new ArrayList<>();
    List<Double> clusterRates = new ArrayList<>();
    List<Double> nodeStarts = new ArrayList<>();
    List<Double> nodeRss = new ArrayList<>();
    double clusterCpu;
    try (ClusterNodes nodes =
        new ClusterNodes(
            vertx, root.resolve("cluster"), 3, Map.of("ARIA2SV_CLUSTER_FAILURE_TIMEOUT", "5s"))) {
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        nodes.start(i);
        nodeStarts.add((System.nanoTime() - t0) / 1e6);
      }
      for (int i = 0; i < 3; i++) {
        nodeRss.add(BenchSupport.rssKib(nodes.jvm(i).pid()) / 1024.0);
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  nodes
                          .call(0, HttpMethod.GET, "/api/v1/cluster", null)
                          .bodyAsJsonObject()
                          .getJsonArray("live")
                          .size()
                      == 3);
      for (int i = 0; i < 3; i++) {
        nodes.awaitReady(i, Duration.ofSeconds(30));
      }
      for (int run = 0; run < RUNS; run++) {
        int victim = 1 + run % 2;
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 3 * PER_NODE; i++) {
          String name = "f" + run + "-" + i + ".bin";
          files.addRandomFile(name, SLOW, i);
          JsonObject body =
              new JsonObject()
                  .put("uris", new JsonArray().add(files.url(name)))
                  .put("dir", "run" + run)
                  .put("options", new JsonObject().put("max-download-limit", "64K"));
          var added = nodes.call(0, HttpMethod.POST, "/api/v1/downloads", body);
          assertThat(added.statusCode()).as(added.bodyAsString()).isEqualTo(201);
          ids.add(added.bodyAsJsonObject().getString("id"));
        }
        Set<String> orphans = awaitActive(nodes, ids, "n" + victim);
        long t0 = System.nanoTime();
        nodes.kill(victim);
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  Map<String, JsonObject> all = byId(nodes, 0);
                  return orphans.stream()
                      .allMatch(
                          id ->
                              all.containsKey(id)
                                  && !("n" + victim).equals(all.get(id).getString("node"))
                                  && "active".equals(all.get(id).getString("status")));
                });
        failover.add((System.nanoTime() - t0) / 1e6);
        nodes.start(victim);
        nodes.awaitReady(victim, Duration.ofSeconds(30));
        nodes.awaitReady(victim, Duration.ofSeconds(30));
        for (String id : ids) {
          nodes.call(0, HttpMethod.DELETE, "/api/v1/downloads/" + id + "?deleteFiles=true", null);
        }
        nodes.call(0, HttpMethod.POST, "/api/v1/downloads/purge", null);
      }
      long[] pids = new long[6];
      for (int i = 0; i < 3; i++) {
        pids[i] = nodes.jvm(i).pid();
        pids[3 + i] = aria2Pid(nodes.data(i));
      }
      clusterCpu = adds(web, nodes.httpPort(0), clusterRates, pids);
    }

    List<Double> restart = new ArrayList<>();
    List<Double> singleRates = new ArrayList<>();
    double singleCpu;
    Path single = root.resolve("single");
    long s0 = System.nanoTime();
    ChildJvm jvm = startSingle(single);
    double singleStart = (System.nanoTime() - s0) / 1e6;
    double singleRss = BenchSupport.rssKib(jvm.pid()) / 1024.0;
    try {
      for (int run = 0; run < RUNS; run++) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < PER_NODE; i++) {
          String name = "s" + run + "-" + i + ".bin";
          files.addRandomFile(name, SLOW, i);
          JsonObject body =
              new JsonObject()
                  .put("uris", new JsonArray().add(files.url(name)))
                  .put("dir", "run" + run)
                  .put("options", new JsonObject().put("max-download-limit", "64K"));
          ids.add(call(web, port(jvm), HttpMethod.POST, "/api/v1/downloads", body).getString("id"));
        }
        ChildJvm running = jvm;
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> active(web, port(running), ids));
        long t0 = System.nanoTime();
        ProcessHandle.of(jvm.pid()).ifPresent(ProcessHandle::destroyForcibly);
        jvm.awaitExit(Duration.ofSeconds(10));
        jvm = startSingle(single);
        ChildJvm again = jvm;
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(50))
            .ignoreExceptions()
            .until(() -> active(web, port(again), ids));
        restart.add((System.nanoTime() - t0) / 1e6);
        for (String id : ids) {
          call(
              web,
              port(jvm),
              HttpMethod.DELETE,
              "/api/v1/downloads/" + id + "?deleteFiles=true",
              null);
        }
      }
      singleCpu =
          adds(
              web,
              port(jvm),
              singleRates,
              new long[] {jvm.pid(), aria2Pid(single.resolve("data"))});
    } finally {
      jvm.close();
    }

    BenchReport.Stats f = BenchReport.Stats.of(failover);
    BenchReport.Stats r = BenchReport.Stats.of(restart);
    BenchReport.add(
        "cluster failover: kill -9 of 1 of 3 nodes to its downloads active on a survivor",
        "ms",
        f,
        "single supervisor killed and restarted at once, to its downloads active again",
        r,
        f.median() / r.median(),
        "failover p95 <= 15000 ms",
        f.p95() <= 15_000,
        RUNS
            + " kills, "
            + PER_NODE
            + " unfinished downloads on the killed node each, shipped cluster.failureTimeout 5s and cluster.lease 6s (taken over 7.5 s after the last renewal seen); "
            + "a frozen (not killed) node is taken over the same way, once its lease ran out");
    BenchReport.Stats c = BenchReport.Stats.of(clusterRates);
    BenchReport.Stats s = BenchReport.Stats.of(singleRates);
    BenchReport.add(
        "adds per second through one node of a 3-node cluster",
        "adds/s",
        c,
        "single supervisor, same run",
        s,
        c.median() / s.median(),
        "report (2 cores: shows the cluster's cost)",
        true,
        String.format(
            "%d paused adds over HTTP, %d in flight, median of %d after %d warm-up rounds; CPU per add: cluster %.2f ms "
                + "(3 JVMs + 3 aria2c), single %.2f ms (1 JVM + aria2c)",
            ADDS, CONCURRENCY, RUNS, WARM_UP, clusterCpu, singleCpu));
    BenchReport.Stats st = BenchReport.Stats.of(nodeStarts);
    BenchReport.add(
        "a cluster node's start until it runs (joined, HTTP up), 3 started in turn",
        "ms",
        st,
        "single supervisor's start until it runs, same run",
        BenchReport.Stats.of(List.of(singleStart)),
        st.median() / singleStart,
        "report",
        true,
        "each node: JVM spawn until its log says it runs (HTTP listening); TLS key loading and"
            + " the JGroups join (a 2 s discovery wait on the first) included; ready (a lease"
            + " through a majority) follows within a second once two nodes run");
    BenchReport.Stats rss = BenchReport.Stats.of(nodeRss);
    BenchReport.add(
        "RSS of a cluster node's JVM once ready",
        "MiB",
        rss,
        "single supervisor's JVM once ready",
        BenchReport.Stats.of(List.of(singleRss)),
        rss.median() / singleRss,
        "report",
        true,
        "VmRSS of each JVM (aria2c not counted), -Xmx128m as the tests run them");
    assertThat(failover).hasSize(RUNS);
  }

  private static Set<String> awaitActive(ClusterNodes nodes, Set<String> ids, String victim)
      throws Exception {
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              Map<String, JsonObject> all = byId(nodes, 0);
              return ids.stream()
                  .allMatch(
                      id ->
                          all.containsKey(id) && "active".equals(all.get(id).getString("status")));
            });
    Map<String, JsonObject> all = byId(nodes, 0);
    Set<String> orphans = new HashSet<>();
    ids.forEach(
        id -> {
          if (victim.equals(all.get(id).getString("node"))) {
            orphans.add(id);
          }
        });
    assertThat(orphans).hasSize(PER_NODE);
    return orphans;
  }

  private static Map<String, JsonObject> byId(ClusterNodes nodes, int via) throws Exception {
    Map<String, JsonObject> out = new java.util.HashMap<>();
    nodes
        .list(via)
        .getJsonArray("downloads")
        .forEach(o -> out.put(((JsonObject) o).getString("id"), (JsonObject) o));
    return out;
  }

  private static ChildJvm startSingle(Path dir) throws Exception {
    List<String> flags = new ArrayList<>();
    TestConfig.LOOPBACK_ONLY.forEach((k, v) -> flags.add("-Daria2sv.aria2.options." + k + "=" + v));
    flags.add("-Daria2sv.aria2.options.listen-port=" + TestConfig.freePort());
    ChildJvm jvm = ChildJvm.mainWithJvmFlags(flags, dir, ChildJvm.envFor(dir));
    jvm.awaitHttpPort();
    return jvm;
  }

  private static int port(ChildJvm jvm) {
    return jvm.awaitHttpPort();
  }

  private static boolean active(WebClient web, int port, Set<String> ids) throws Exception {
    JsonObject page = call(web, port, HttpMethod.GET, "/api/v1/downloads?status=active", null);
    Set<String> active = new HashSet<>();
    page.getJsonArray("downloads").forEach(o -> active.add(((JsonObject) o).getString("id")));
    return active.containsAll(ids);
  }

  private static JsonObject call(
      WebClient web, int port, HttpMethod method, String path, JsonObject body) throws Exception {
    var req = web.request(method, port, "127.0.0.1", path).timeout(60_000);
    var r =
        io.aria2sv.testing.SupervisorHarness.await(
            body == null ? req.send() : req.sendJsonObject(body));
    return r.body() == null || r.body().length() == 0 ? new JsonObject() : r.bodyAsJsonObject();
  }

  private static long aria2Pid(Path data) throws Exception {
    return Long.parseLong(Files.readString(data.resolve("aria2.pid")).trim());
  }

  /**
   * Warm-up rounds, then {@code RUNS} measured ones into {@code rates}; returns the CPU ms per
   * measured add.
   */
  private static double adds(WebClient web, int port, List<Double> rates, long[] pids)
      throws Exception {
    AtomicInteger seq = new AtomicInteger();
    for (int i = 0; i < WARM_UP; i++) {
      round(web, port, seq);
    }
    long cpu0 = ticks(pids);
    for (int i = 0; i < RUNS; i++) {
      rates.add(round(web, port, seq));
    }
    long cpu = ticks(pids) - cpu0;
    return cpu * 10.0 / (RUNS * (double) ADDS);
  }

  private static long ticks(long[] pids) throws Exception {
    long sum = 0;
    for (long p : pids) {
      sum += BenchSupport.cpuTicks(p);
    }
    return sum;
  }

  private static double round(WebClient web, int port, AtomicInteger seq) throws Exception {
    AtomicInteger left = new AtomicInteger(ADDS);
    List<Future<Void>> workers = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int w = 0; w < CONCURRENCY; w++) {
      Promise<Void> done = Promise.promise();
      next(web, port, seq, left, done);
      workers.add(done.future());
    }
    Future.all(workers).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    return ADDS / ((System.nanoTime() - t0) / 1e9);
  }

  private static void next(
      WebClient web, int port, AtomicInteger seq, AtomicInteger left, Promise<Void> done) {
    if (left.getAndDecrement() <= 0) {
      done.complete();
      return;
    }
    JsonObject body =
        new JsonObject()
            .put("uris", new JsonArray().add("http://127.0.0.1:9/add-" + seq.incrementAndGet()))
            .put("options", new JsonObject().put("pause", "true"));
    web.request(HttpMethod.POST, port, "127.0.0.1", "/api/v1/downloads")
        .timeout(60_000)
        .sendJsonObject(body)
        .onComplete(
            ar -> {
              if (ar.failed() || ar.result().statusCode() / 100 != 2) {
                done.fail(
                    ar.failed()
                        ? ar.cause()
                        : new AssertionError(
                            ar.result().statusCode() + " " + ar.result().bodyAsString()));
              } else {
                next(web, port, seq, left, done);
              }
            });
  }
}
