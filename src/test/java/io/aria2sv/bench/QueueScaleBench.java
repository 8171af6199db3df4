package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.Addresses;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2Endpoint;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.PlainAria2c;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue of 100,000 slow downloads ({@code -Dbench.queue.size} for another size), held by the
 * supervisor (aria2c holds only its window) and, side by side in the same run, by a plain aria2c
 * holding the same queue itself: aria2c's memory and CPU while the queue waits, a kill -9 of aria2c
 * until it answers again (the supervisor: until its window is full again), {@code
 * tellWaiting(0,1000)} and adds in batches of 5,000. Then the gap from one download's last byte to
 * the next one's first request, one download at a time, through the window and through aria2's own
 * queue.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class QueueScaleBench {
  /** The queue's size: {@code -Dbench.queue.size}, 100,000 by default; a million alone. */
  private int n = Integer.getInteger("bench.queue.size", 100_000);

  private static final int BATCH = 5_000;
  private static final Duration WAIT = Duration.ofMinutes(5);
  private static final int READS = 30;

  @TempDir Path root;

  /** Batch adds per second over each tenth of the supervisor's adds, in order. */
  private final List<Double> tenthRates = new ArrayList<>();

  /** What one side measured. */
  record Side(
      double addSeconds,
      double aria2RssMib,
      double aria2CpuPercent,
      double restartMs,
      List<Double> tellWaitingMs,
      double heapBytesPerDownload) {}

  /**
   * The supervisor alone with a million queued (plain aria2c would need about 12 GiB): not in the
   * default bench run; {@code mvn -B -Pbench verify -Dtest=QueueScaleBench -DskipITs
   * -Dsurefire.groups=bench-million -Dsurefire.excludedGroups=}.
   */
  @Test
  @Tag("bench-million")
  void aMillionQueuedHeldByTheSupervisorAlone(Vertx vertx) throws Exception {
    n = Integer.getInteger("bench.queue.million", 1_000_000);
    try (FileServer files = new FileServer(vertx).start()) {
      files.addRandomFile("slow.bin", 1 << 20, 1);
      files.throttle(2048);
      WebClient web = WebClient.create(vertx);
      Side ours = supervised(vertx, files, web);
      String size = String.format(Locale.ROOT, "%,d", n);
      goal("aria2c RSS with " + size + " queued", "MiB", ours.aria2RssMib(), 64, false);
      goal("aria2c CPU while " + size + " wait", "% of a core", ours.aria2CpuPercent(), 2, false);
      goal(
          "kill -9 of aria2c -> window full again, " + size + " queued",
          "ms",
          ours.restartMs(),
          1000,
          false);
      goal(
          "tellWaiting(0,1000) p99 with " + size + " queued",
          "ms",
          p99(ours.tellWaitingMs()),
          50,
          false);
      goal("batch adds up to " + size, "downloads/s", n / ours.addSeconds(), 20_000, true);
      StringBuilder tenths = new StringBuilder("each tenth in order (the first warms the JIT):");
      tenthRates.forEach(r -> tenths.append(' ').append(Math.round(r)));
      BenchReport.add(
          "batch adds per tenth up to " + size,
          "downloads/s",
          BenchReport.Stats.of(tenthRates),
          "the last tenth against the whole run",
          null,
          tenthRates.get(tenthRates.size() - 1) / (n / ours.addSeconds()),
          "reported",
          true,
          tenths.toString());
      goal("heap per queued download at " + size, "bytes", ours.heapBytesPerDownload(), 512, false);
    }
  }

  /** A figure of the supervisor alone against the goal for it (at least or at most). */
  private static void goal(String metric, String unit, double value, double goal, boolean atLeast)
      throws Exception {
    String limit = (atLeast ? ">= " : "<= ") + BenchReport.fmt(goal) + " " + unit;
    BenchReport.add(
        metric,
        unit,
        BenchReport.Stats.of(List.of(value)),
        "the goal: " + limit,
        null,
        value / goal,
        limit,
        atLeast ? value >= goal : value <= goal,
        "the supervisor alone (plain aria2c would need about 12 GiB); in-process, the heap"
            + " figure after a full GC");
  }

  @Test
  void aLargeQueueHeldByTheSupervisorAgainstPlainAria2cHoldingItItself(Vertx vertx)
      throws Exception {
    try (FileServer files = new FileServer(vertx).start()) {
      files.addRandomFile("slow.bin", 1 << 20, 1);
      files.throttle(2048); // the running downloads stay running; the rest wait
      WebClient web = WebClient.create(vertx);
      Side plain = plain(vertx, files, web);
      Side ours = supervised(vertx, files, web);
      String size = String.format(Locale.ROOT, "%,d", n);
      row(
          "aria2c RSS with " + size + " queued",
          "MiB",
          ours.aria2RssMib(),
          plain.aria2RssMib(),
          "ratio <= 0.1",
          ours.aria2RssMib() / plain.aria2RssMib() <= 0.1,
          "aria2c holding a window of 10 (max-concurrent-downloads 5, margin auto) against aria2c"
              + " holding the whole queue");
      row(
          "aria2c CPU while " + size + " wait",
          "% of a core",
          ours.aria2CpuPercent(),
          plain.aria2CpuPercent(),
          "ours <= 2 %",
          ours.aria2CpuPercent() <= 2,
          "over 10 s with 5 downloads running at 2 KiB/s; aria2c rewrites its session every second");
      row(
          "kill -9 of aria2c -> answering again, " + size + " queued",
          "ms",
          ours.restartMs(),
          plain.restartMs(),
          "ours <= 1000 ms",
          ours.restartMs() <= 1000,
          "ours: until the new aria2c holds its full window again (reconciled and refilled);"
              + " plain: until the restarted aria2c answers getVersion after loading its session");
      BenchReport.Stats o = BenchReport.Stats.of(ours.tellWaitingMs());
      BenchReport.Stats a = BenchReport.Stats.of(plain.tellWaitingMs());
      BenchReport.add(
          "tellWaiting(0,1000) with " + size + " queued",
          "ms",
          o,
          "aria2c's own tellWaiting holding the queue",
          a,
          o.median() / a.median(),
          "p99 <= 50 ms",
          p99(ours.tellWaitingMs()) <= 50,
          String.format(
              Locale.ROOT,
              "%d calls each; ours through the supervisor's /jsonrpc from the registry's queue; p99"
                  + " %.1f ms (anchor %.1f ms)",
              READS,
              p99(ours.tellWaitingMs()),
              p99(plain.tellWaitingMs())));
      row(
          "adds of " + size + " in batches of 5,000",
          "downloads/s",
          n / ours.addSeconds(),
          n / plain.addSeconds(),
          "ratio >= 1",
          plain.addSeconds() >= ours.addSeconds(),
          "ours: aria2.downloads.batch-add on the bus, acknowledged when stored; plain: addUri in"
              + " multicalls of 5,000; heap per queued download "
              + Math.round(ours.heapBytesPerDownload())
              + " bytes (after a full GC)");
      refillGaps(vertx, files, web);
    }
  }

  /** One figure of each side against the plain aria2c's, with the goal and whether it is met. */
  private static void row(
      String metric, String unit, double ours, double anchor, String goal, boolean met, String note)
      throws Exception {
    BenchReport.Stats o = BenchReport.Stats.of(List.of(ours));
    BenchReport.Stats a = BenchReport.Stats.of(List.of(anchor));
    BenchReport.add(
        metric, unit, o, "plain aria2c holding the same queue", a, ours / anchor, goal, met, note);
  }

  // ---- plain aria2c --------------------------------------------------------------------------

  private Side plain(Vertx vertx, FileServer files, WebClient web) throws Exception {
    Path data = Files.createDirectories(root.resolve("plain-data"));
    Path dir = Files.createDirectories(root.resolve("plain"));
    int port = TestConfig.freePort();
    List<String> cmd = PlainAria2c.command(data, dir, port, "p");
    Process p = start(cmd, "plain.log");
    Aria2Rpc rpc = new Aria2Rpc(web, new Aria2Endpoint("127.0.0.1", port, "p"));
    try {
      answering(rpc);
      long t0 = System.nanoTime();
      for (int from = 0; from < n; from += BATCH) {
        List<Aria2Call> calls = new ArrayList<>();
        for (int i = from; i < Math.min(n, from + BATCH); i++) {
          calls.add(
              Aria2Call.addUri(
                  List.of(files.url("slow.bin")), new JsonObject().put("out", "p" + i + ".bin")));
        }
        SupervisorHarness.await(rpc.multicall(calls, Duration.ofMinutes(2)));
      }
      double addSeconds = (System.nanoTime() - t0) / 1e9;
      double[] idle = idle(p.pid());
      List<Double> reads = tellWaiting(rpc);
      // the session holds the queue once aria2c saved it
      Path session = data.resolve("aria2.session");
      await()
          .atMost(WAIT)
          .until(() -> Files.exists(session) && Files.size(session) > (long) n * 50);
      Signals.kill9(p.pid());
      p.waitFor();
      List<String> again = new ArrayList<>(cmd);
      again.add("--input-file=" + session);
      long k0 = System.nanoTime();
      p = start(again, "plain-2.log");
      answering(rpc);
      double restartMs = (System.nanoTime() - k0) / 1e6;
      return new Side(addSeconds, idle[0], idle[1], restartMs, reads, 0);
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  private Process start(List<String> cmd, String log) throws Exception {
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(root.resolve(log).toFile())
        .start();
  }

  private static void answering(Aria2Rpc rpc) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(5))
        .ignoreExceptions()
        .until(
            () ->
                SupervisorHarness.await(rpc.call(Aria2Call.getVersion(), Duration.ofSeconds(1)))
                    != null);
  }

  // ---- the supervisor ------------------------------------------------------------------------

  private Side supervised(Vertx vertx, FileServer files, WebClient web) throws Exception {
    JsonObject cfg =
        TestConfig.fast(
            vertx, root.resolve("ours"), "downloads.progressInterval", "1s", "rpc.timeout", "10s");
    SupervisorHarness sv = new SupervisorHarness(vertx, false).deployStack(cfg);
    // the run's figures are taken in this JVM: its own start is measured by restart()
    try {
      long heap0 = BenchSupport.usedHeapAfterGc();
      long t0 = System.nanoTime();
      int tenth = Math.max(BATCH, n / 10 / BATCH * BATCH);
      int lastTenth = 0;
      long tenthFrom = t0;
      for (int from = 0; from < n; from += BATCH) {
        JsonArray items = new JsonArray();
        for (int i = from; i < Math.min(n, from + BATCH); i++) {
          items.add(
              new JsonObject()
                  .put("uris", new JsonArray().add(files.url("slow.bin")))
                  .put("out", "o" + i + ".bin"));
        }
        sv.request(Addresses.BATCHES_ADD, new JsonObject().put("items", items));
        int added = Math.min(n, from + BATCH);
        if (added % tenth == 0 || added == n) { // a rate kept up as the registry grows
          long now = System.nanoTime();
          tenthRates.add((added - lastTenth) / ((now - tenthFrom) / 1e9));
          lastTenth = added;
          tenthFrom = now;
        }
      }
      double addSeconds = (System.nanoTime() - t0) / 1e9;
      double heapPer = (BenchSupport.usedHeapAfterGc() - heap0) / (double) n;
      BenchSupport.heapHistogram("queue-heap-histogram.txt");
      Aria2Rpc aria2 = sv.rpc();
      await().atMost(WAIT).until(() -> SupervisorHarness.aria2Held(aria2) == 10);
      long pid = sv.pid();
      double[] idle = idle(pid);
      List<Double> reads = new ArrayList<>();
      String url = "/jsonrpc";
      JsonObject call =
          new JsonObject()
              .put("jsonrpc", "2.0")
              .put("id", "b")
              .put("method", "aria2.tellWaiting")
              .put("params", new JsonArray().add(0).add(1000));
      for (int i = 0; i < READS + 3; i++) {
        long r0 = System.nanoTime();
        JsonObject reply =
            SupervisorHarness.await(
                    web.post(sv.httpPort(), "127.0.0.1", url)
                        .sendBuffer(Buffer.buffer(call.encode())))
                .bodyAsJsonObject();
        assertThat(reply.getJsonArray("result")).hasSize(1000);
        if (i >= 3) { // the first calls warm up the JIT
          reads.add((System.nanoTime() - r0) / 1e6);
        }
      }
      Signals.kill9(pid);
      long k0 = System.nanoTime();
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(5))
          .ignoreExceptions()
          .until(() -> sv.pid() != pid && SupervisorHarness.aria2Held(sv.rpc()) == 10);
      double restartMs = (System.nanoTime() - k0) / 1e6;
      pollAndPages(web, sv.httpPort());
      return new Side(addSeconds, idle[0], idle[1], restartMs, reads, heapPer);
    } finally {
      sv.undeploy();
      restart(vertx, cfg, web);
    }
  }

  private static List<Double> tellWaiting(Aria2Rpc rpc) throws Exception {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < READS + 3; i++) {
      long r0 = System.nanoTime();
      SupervisorHarness.await(
          rpc.call(Aria2Call.tellWaiting(0, 1000, List.of()), Duration.ofSeconds(30)));
      if (i >= 3) {
        out.add((System.nanoTime() - r0) / 1e6);
      }
    }
    return out;
  }

  /**
   * AriaNg's poll (one multicall of getGlobalStat, tellActive, tellWaiting(0,1000) and
   * tellStopped(-1,1000), as AriaNg sends it) and the REST list's pages (50: newest, oldest, the
   * waiting ones, one batch's), with the whole queue waiting.
   */
  private void pollAndPages(WebClient web, int port) throws Exception {
    JsonArray calls = new JsonArray();
    calls.add(
        new JsonObject().put("methodName", "aria2.getGlobalStat").put("params", new JsonArray()));
    calls.add(
        new JsonObject().put("methodName", "aria2.tellActive").put("params", new JsonArray()));
    calls.add(
        new JsonObject()
            .put("methodName", "aria2.tellWaiting")
            .put("params", new JsonArray().add(0).add(1000)));
    calls.add(
        new JsonObject()
            .put("methodName", "aria2.tellStopped")
            .put("params", new JsonArray().add(-1).add(1000)));
    JsonObject poll =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", "p")
            .put("method", "system.multicall")
            .put("params", new JsonArray().add(calls));
    List<Double> polls = new ArrayList<>();
    for (int i = 0; i < READS + 3; i++) {
      long t0 = System.nanoTime();
      JsonObject r =
          SupervisorHarness.await(
                  web.post(port, "127.0.0.1", "/jsonrpc").sendBuffer(Buffer.buffer(poll.encode())))
              .bodyAsJsonObject();
      assertThat(r.getJsonArray("result")).hasSize(4);
      if (i >= 3) {
        polls.add((System.nanoTime() - t0) / 1e6);
      }
    }
    String batch =
        SupervisorHarness.await(web.get(port, "127.0.0.1", "/api/v1/downloads?limit=1").send())
            .bodyAsJsonObject()
            .getJsonArray("downloads")
            .getJsonObject(0)
            .getString("batchId");
    List<String> pages =
        List.of("order=newest", "order=oldest", "status=waiting", "batch=" + batch);
    StringBuilder note = new StringBuilder();
    List<Double> all = new ArrayList<>();
    for (String q : pages) {
      List<Double> times = new ArrayList<>();
      for (int i = 0; i < READS + 3; i++) {
        long t0 = System.nanoTime();
        var reply =
            SupervisorHarness.await(
                web.get(port, "127.0.0.1", "/api/v1/downloads?limit=50&" + q).send());
        assertThat(reply.statusCode()).as(q + ": " + reply.bodyAsString()).isEqualTo(200);
        if (i >= 3) {
          times.add((System.nanoTime() - t0) / 1e6);
        }
      }
      all.addAll(times);
      note.append(
          String.format(
              Locale.ROOT,
              "%s p50 %.1f / p99 %.1f ms; ",
              q.startsWith("batch=") ? "one batch" : q,
              BenchReport.Stats.of(times).median(),
              p99(times)));
    }
    String size = String.format(Locale.ROOT, "%,d", n);
    BenchReport.Stats p = BenchReport.Stats.of(polls);
    BenchReport.add(
        "AriaNg's poll with " + size + " waiting",
        "ms",
        p,
        "the goal: p99 50 ms (ratio: p99 / 50 ms)",
        null,
        p99(polls) / 50,
        "p99 <= 50 ms",
        p99(polls) <= 50,
        String.format(
            Locale.ROOT,
            "%d multicalls of getGlobalStat, tellActive, tellWaiting(0,1000), tellStopped(-1,1000)"
                + " through /jsonrpc; p99 %.1f ms",
            READS,
            p99(polls)));
    BenchReport.add(
        "REST list pages of 50 with " + size + " queued",
        "ms",
        BenchReport.Stats.of(all),
        "the goal: 50 ms (ratio: p99 / 50 ms)",
        null,
        p99(all) / 50,
        "p99 <= 50 ms",
        p99(all) <= 50,
        note.toString().trim());
  }

  /**
   * The whole supervisor deployed again on the same registry: until its window is open and it
   * answers {@code /health/ready} (in this JVM: the registry loaded, aria2c started with its
   * session, reconciled, the window filled).
   */
  private void restart(Vertx vertx, JsonObject cfg, WebClient web) throws Exception {
    long t0 = System.nanoTime();
    SupervisorHarness sv = new SupervisorHarness(vertx, false).deployStack(cfg);
    try {
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(5))
          .until(
              () ->
                  SupervisorHarness.await(
                              web.get(sv.httpPort(), "127.0.0.1", "/health/ready").send())
                          .statusCode()
                      == 200);
      double ms = (System.nanoTime() - t0) / 1e6;
      BenchReport.add(
          String.format(Locale.ROOT, "start -> /health/ready with %,d in the registry", n),
          "ms",
          BenchReport.Stats.of(List.of(ms)),
          "the goal: 3 s (ratio: ours / 3 s)",
          null,
          ms / 3000,
          "<= 3000 ms",
          ms <= 3000,
          "the stack deployed again in the same JVM on the registry and aria2c session the run"
              + " left: the registry loaded, aria2c started, reconciled, the window open");
    } finally {
      sv.undeploy();
    }
  }

  /** aria2c's RSS (MiB) and its CPU (% of a core) over 10 s while the queue waits. */
  private static double[] idle(long pid) throws Exception {
    long c0 = BenchSupport.cpuTicks(pid);
    long t0 = System.nanoTime();
    TimeUnit.SECONDS.sleep(10); // the measuring period
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpu = (BenchSupport.cpuTicks(pid) - c0) / seconds; // ticks of 10 ms: % of a core
    return new double[] {BenchSupport.rssKib(pid) / 1024.0, cpu};
  }

  private static double p99(List<Double> sample) {
    List<Double> s = new ArrayList<>(sample);
    java.util.Collections.sort(s);
    return s.get((int) Math.ceil(0.99 * s.size()) - 1);
  }

  // ---- the refill gap ------------------------------------------------------------------------

  private static final int GAP_DOWNLOADS = 60;

  /**
   * One download at a time (max-concurrent-downloads 1), {@value #GAP_DOWNLOADS} files of 256 KiB:
   * from the end of one file's last response to the first request of the next, as the file server
   * saw them, through plain aria2c's own queue, the supervisor's window with the default margin
   * (one waiting in aria2c) and with none.
   */
  private void refillGaps(Vertx vertx, FileServer files, WebClient web) throws Exception {
    files.throttle(0);
    files.addRandomFile("g.bin", 256 * 1024, 2);
    List<Double> plain = gapsPlain(files, web);
    List<Double> auto = gapsOurs(vertx, files, "auto", "ga");
    List<Double> none = gapsOurs(vertx, files, "0", "gn");
    BenchReport.Stats a = BenchReport.Stats.of(plain);
    record Run(String name, List<Double> gaps) {}
    for (Run run :
        List.of(new Run("margin auto (one waiting in aria2c)", auto), new Run("margin 0", none))) {
      BenchReport.Stats o = BenchReport.Stats.of(run.gaps());
      BenchReport.add(
          "refill gap, one download at a time, window " + run.name(),
          "ms",
          o,
          "aria2's own queue (plain aria2c, all added up front)",
          a,
          o.median() / a.median(),
          "p50 <= anchor + 5 ms",
          o.median() <= a.median() + 5,
          String.format(
              Locale.ROOT,
              "%d files of 256 KiB; from the end of one file's last response to the next file's"
                  + " first request at the file server; p99 %.1f ms (anchor %.1f ms)",
              GAP_DOWNLOADS,
              p99(run.gaps()),
              p99(plain)));
    }
  }

  private List<Double> gapsPlain(FileServer files, WebClient web) throws Exception {
    Path data = Files.createDirectories(root.resolve("gap-plain-data"));
    Path dir = Files.createDirectories(root.resolve("gap-plain"));
    int port = TestConfig.freePort();
    List<String> cmd = new ArrayList<>(PlainAria2c.command(data, dir, port, "g"));
    cmd.add("--max-concurrent-downloads=1");
    Process p = start(cmd, "gap-plain.log");
    try {
      Aria2Rpc rpc = new Aria2Rpc(web, new Aria2Endpoint("127.0.0.1", port, "g"));
      answering(rpc);
      List<String> names = names(files, "gp");
      List<Aria2Call> calls = new ArrayList<>();
      for (String n : names) {
        calls.add(Aria2Call.addUri(List.of(files.url(n)), new JsonObject().put("out", n)));
      }
      SupervisorHarness.await(rpc.multicall(calls, Duration.ofSeconds(30)));
      return gaps(files, names);
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  private List<Double> gapsOurs(Vertx vertx, FileServer files, String margin, String prefix)
      throws Exception {
    JsonObject cfg =
        TestConfig.fast(
            vertx,
            root.resolve("gap-" + prefix),
            "aria2.options.max-concurrent-downloads",
            "1",
            "downloads.windowMargin",
            margin);
    SupervisorHarness sv = new SupervisorHarness(vertx, false).deployStack(cfg);
    try {
      List<String> names = names(files, prefix);
      JsonArray items = new JsonArray();
      names.forEach(
          n ->
              items.add(
                  new JsonObject().put("uris", new JsonArray().add(files.url(n))).put("out", n)));
      sv.request(Addresses.BATCHES_ADD, new JsonObject().put("items", items));
      return gaps(files, names);
    } finally {
      sv.undeploy();
    }
  }

  private static List<String> names(FileServer files, String prefix) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < GAP_DOWNLOADS; i++) {
      String n = prefix + i + ".bin";
      files.alias(n, "g.bin");
      names.add(n);
    }
    return names;
  }

  private static List<Double> gaps(FileServer files, List<String> names) {
    await().atMost(WAIT).until(() -> names.stream().allMatch(n -> files.transfer(n) != null));
    List<Double> out = new ArrayList<>();
    for (int i = 1; i < names.size(); i++) {
      out.add(
          (files.transfer(names.get(i)).firstRequest() - files.transfer(names.get(i - 1)).lastEnd())
              / 1e6);
    }
    return out;
  }
}
