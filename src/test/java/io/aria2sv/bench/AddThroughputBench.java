package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.Aria2SupervisorClient;
import io.aria2sv.bus.Addresses;
import io.aria2sv.rpc.Aria2Endpoint;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 2,000 adds of paused downloads (no network) with 16 concurrent clients through the HTTP API and
 * the event bus, against direct {@code aria2.addUri} JSON-RPC with the same concurrency; and the
 * batch endpoint against direct one-by-one calls. Every add through the supervisor is also stored
 * durably in SQLite before it is acknowledged. Figures are for a warmed-up JVM, as a long-running
 * supervisor is (the cold first round is in the note), with Vert.x set up as the fat jar's, its own
 * metrics included, in a JVM with the flags the project ships. The note also gives the CPU each
 * path spends per 1,000 adds, in this JVM (which runs the benchmark's clients too) and in aria2c,
 * since on a small machine the ratio is set by how the cores are shared. Alongside, it measures the
 * HTTP floor: a request that takes the same way through HTTP and the event bus to the downloads
 * verticle and back but does no work (GET of an unknown download, 404), the most any HTTP call of
 * the supervisor can reach on this machine.
 */
@Tag("bench")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class AddThroughputBench {
  private static final int ADDS = 2000;
  private static final int CONCURRENCY = 16;
  private static final int REPS = 7;

  /**
   * Unmeasured rounds of the concurrent phases first, until the JIT has compiled the supervisor's
   * add path (HTTP server, bus, registry, RPC) and the anchor's client alike. On 2 cores the HTTP
   * path's rate keeps rising for about 20 rounds (40,000 adds) and then stays within the run-to-run
   * noise; the anchor's short path levels off after about 6. The first, cold round is reported in
   * the note.
   */
  private static final int WARM_UP = 20;

  /** Cores this JVM sees; the CPU-bound ceiling in the note assumes all of them. */
  private static final int CORES = Runtime.getRuntime().availableProcessors();

  @TempDir Path root;

  /** Runs {@code ADDS} calls with {@code concurrency} in flight; returns adds per second. */
  private static double rate(int concurrency, IntFunction<Future<?>> call) throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<Future<Void>> workers = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int w = 0; w < concurrency; w++) {
      Promise<Void> done = Promise.promise();
      loop(next, call, done);
      workers.add(done.future());
    }
    Future.all(workers).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    return ADDS / ((System.nanoTime() - t0) / 1e9);
  }

  private static void loop(AtomicInteger next, IntFunction<Future<?>> call, Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= ADDS) {
      done.tryComplete();
      return;
    }
    call.apply(i)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                done.tryFail(ar.cause());
              } else {
                loop(next, call, done);
              }
            });
  }

  /**
   * The options the supervisor sends with each add: its own GID (what makes a retried add safe),
   * the directory, no renaming, paused. The anchor does the same work in aria2.
   */
  private static JsonObject sameOptions(Path dir, int i) {
    return new JsonObject()
        .put("pause", "true")
        .put("gid", String.format("%016x", 0x5eed000000L + i))
        .put("dir", dir.toString())
        .put("auto-file-renaming", "false");
  }

  private static JsonObject paused(int i, String tag) {
    return new JsonObject()
        .put("uris", new JsonArray().add("http://127.0.0.1:9/" + tag + "/" + i))
        .put("options", new JsonObject().put("pause", "true"));
  }

  /** Passes a response with {@code status} on; fails the run with the body of any other. */
  private static Function<HttpResponse<Buffer>, HttpResponse<Buffer>> expect(int status) {
    return res -> {
      if (res.statusCode() != status) {
        throw new IllegalStateException(res.bodyAsString());
      }
      return res;
    };
  }

  /** A phase that records its own figure. */
  private interface Measured {
    void run() throws Exception;
  }

  /**
   * One measured phase against a fresh stack and data dir, so every phase starts from an empty
   * aria2.
   */
  private interface Phase {
    double run(Vertx vertx, int httpPort, Aria2Rpc direct, WebClient web) throws Exception;
  }

  /** A phase's rate, and the CPU ticks this JVM and aria2c spent during it. */
  private record Run(double rate, long jvmTicks, long aria2Ticks) {}

  /** CPU spent per 1,000 adds over some runs, in milliseconds: this JVM and aria2c. */
  private static final class Cpu {
    private long jvm;
    private long aria2;
    private int adds;

    /** Forgets the warm-up rounds. */
    void clear() {
      jvm = 0;
      aria2 = 0;
      adds = 0;
    }

    double add(Run run) {
      jvm += run.jvmTicks();
      aria2 += run.aria2Ticks();
      adds += ADDS;
      return run.rate();
    }

    double jvmPerThousand() {
      return jvm * 10_000.0 / Math.max(1, adds);
    }

    /**
     * The CPU per 1,000 adds, and the most adds per second that CPU allows with every core busy, as
     * a multiple of {@code anchorRate}: where it is below a goal, no scheduling can meet it.
     */
    String describe(double anchorRate) {
      // A clock tick is 10 ms.
      double ceiling = CORES * 100.0 * adds / Math.max(1, jvm + aria2);
      return String.format(
          "JVM %.0f ms + aria2c %.0f ms (CPU-bound at most %.0f adds/s = %.2fx direct)",
          jvmPerThousand(), aria2 * 10_000.0 / adds, ceiling, ceiling / anchorRate);
    }
  }

  private Run fresh(Vertx vertx, String name, Phase phase) throws Exception {
    Path dir = root.resolve(name);
    Aria2Supervisor stack =
        SupervisorHarness.await(Aria2Supervisor.deploy(vertx, TestConfig.fast(vertx, dir)));
    WebClient web =
        WebClient.create(
            vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(CONCURRENCY));
    try {
      JsonObject e =
          SupervisorHarness.await(
                  vertx
                      .eventBus()
                      .<JsonObject>request(Addresses.SUPERVISOR_ENDPOINT, new JsonObject()))
              .body();
      long aria2 = SupervisorHarness.aria2Pid(vertx);
      long self = ProcessHandle.current().pid();
      long jvm0 = BenchSupport.cpuTicks(self);
      long aria20 = BenchSupport.cpuTicks(aria2);
      double rate =
          phase.run(vertx, stack.httpPort(), new Aria2Rpc(web, Aria2Endpoint.fromJson(e)), web);
      return new Run(
          rate, BenchSupport.cpuTicks(self) - jvm0, BenchSupport.cpuTicks(aria2) - aria20);
    } finally {
      web.close();
      SupervisorHarness.await(stack.undeploy());
    }
  }

  @Test
  void addsThroughHttpAndBusAgainstDirectJsonRpc() throws Exception {
    // Set up as the fat jar is, Vert.x's own metrics included; the anchor's client runs in it too.
    Vertx vertx = Aria2Supervisor.createVertx();
    try {
      measure(vertx);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private void measure(Vertx vertx) throws Exception {
    assertThat(ManagementFactory.getRuntimeMXBean().getInputArguments())
        .as("the bench profile runs this JVM with the shipped flags (pom.xml argLine)")
        .containsAll(BenchSupport.SHIPPED_FLAGS);
    Aria2SupervisorClient client = new Aria2SupervisorClient(vertx);
    List<Double> directRates = new ArrayList<>();
    List<Double> httpRates = new ArrayList<>();
    List<Double> busRates = new ArrayList<>();
    List<Double> oneByOne = new ArrayList<>();
    List<Double> batch = new ArrayList<>();
    List<Double> floorRates = new ArrayList<>();
    Cpu floorCpu = new Cpu();
    Cpu directCpu = new Cpu();
    Cpu httpCpu = new Cpu();
    Cpu busCpu = new Cpu();
    String cold = "";
    for (int rep = 0; rep < WARM_UP + REPS; rep++) {
      if (rep == 1) {
        cold =
            String.format(
                "; cold first round: HTTP %.0f, bus %.0f, direct %.0f adds/s",
                httpRates.get(0), busRates.get(0), directRates.get(0));
      }
      if (rep == WARM_UP) {
        List.of(directRates, httpRates, busRates, oneByOne, batch, floorRates).forEach(List::clear);
        List.of(directCpu, httpCpu, busCpu, floorCpu).forEach(Cpu::clear);
      }
      int r = rep;
      List<Measured> phases =
          new ArrayList<>(
              List.of(
                  () ->
                      directRates.add(
                          directCpu.add(
                              fresh(
                                  vertx,
                                  "direct" + r,
                                  (v, port, direct, web) ->
                                      rate(
                                          CONCURRENCY,
                                          i ->
                                              direct.call(
                                                  "aria2.addUri",
                                                  Duration.ofSeconds(30),
                                                  new JsonArray().add("http://127.0.0.1:9/d/" + i),
                                                  sameOptions(root.resolve("direct"), i)))))),
                  () ->
                      httpRates.add(
                          httpCpu.add(
                              fresh(
                                  vertx,
                                  "http" + r,
                                  (v, port, direct, web) ->
                                      rate(
                                          CONCURRENCY,
                                          i ->
                                              web.post(port, "127.0.0.1", "/api/v1/downloads")
                                                  .timeout(30_000)
                                                  .sendJsonObject(paused(i, "h"))
                                                  .map(expect(201)))))),
                  () ->
                      floorRates.add(
                          floorCpu.add(
                              fresh(
                                  vertx,
                                  "floor" + r,
                                  (v, port, direct, web) ->
                                      rate(
                                          CONCURRENCY,
                                          i ->
                                              web.get(
                                                      port,
                                                      "127.0.0.1",
                                                      "/api/v1/downloads/unknown" + i)
                                                  .timeout(30_000)
                                                  .send()
                                                  .map(expect(404)))))),
                  () ->
                      busRates.add(
                          busCpu.add(
                              fresh(
                                  vertx,
                                  "bus" + r,
                                  (v, port, direct, web) ->
                                      rate(CONCURRENCY, i -> client.add(paused(i, "b")))))),
                  () ->
                      oneByOne.add(
                          fresh(
                                  vertx,
                                  "one" + r,
                                  (v, port, direct, web) ->
                                      rate(
                                          1,
                                          i ->
                                              direct.call(
                                                  "aria2.addUri",
                                                  Duration.ofSeconds(30),
                                                  new JsonArray().add("http://127.0.0.1:9/o/" + i),
                                                  sameOptions(root.resolve("one"), i))))
                              .rate()),
                  () ->
                      batch.add(
                          fresh(
                                  vertx,
                                  "batch" + r,
                                  (v, port, direct, web) -> {
                                    JsonArray items = new JsonArray();
                                    for (int i = 0; i < ADDS; i++) {
                                      items.add(paused(i, "x"));
                                    }
                                    long t0 = System.nanoTime();
                                    var res =
                                        SupervisorHarness.await(
                                            web.post(port, "127.0.0.1", "/api/v1/batches")
                                                .timeout(120_000)
                                                .sendJsonObject(
                                                    new JsonObject().put("items", items)));
                                    assertThat(res.statusCode())
                                        .as(res.bodyAsString())
                                        .isEqualTo(201);
                                    return ADDS / ((System.nanoTime() - t0) / 1e9);
                                  })
                              .rate())));
      if (rep % 2 == 1) {
        Collections.reverse(phases); // neither side always runs first
      }
      // Every phase runs in the warm-up rounds too: a phase first met after the warm-up would
      // change the JIT's type profiles and have the others' code recompiled while they are timed.
      for (Measured phase : phases) {
        phase.run();
      }
    }
    BenchReport.Stats d = BenchReport.Stats.of(directRates);
    BenchReport.Stats h = BenchReport.Stats.of(httpRates);
    BenchReport.Stats b = BenchReport.Stats.of(busRates);
    BenchReport.Stats o = BenchReport.Stats.of(oneByOne);
    BenchReport.Stats x = BenchReport.Stats.of(batch);
    BenchReport.Stats f = BenchReport.Stats.of(floorRates);
    String note =
        ADDS
            + " paused adds x "
            + REPS
            + " runs after "
            + WARM_UP
            + " warm-up rounds, "
            + CONCURRENCY
            + " in flight, each phase on a fresh aria2c;"
            + " the anchor sends the same options (own GID, dir, no renaming); each of ours is also stored in SQLite"
            + "; CPU per 1,000 adds (the JVM runs the clients too; "
            + CORES
            + " cores): direct "
            + directCpu.describe(d.median())
            + ", HTTP "
            + httpCpu.describe(d.median())
            + ", bus "
            + busCpu.describe(d.median())
            + cold
            + String.format(
                "; HTTP floor (GET of an unknown download through HTTP and the bus, 404, no work): %.0f requests/s = %.2fx direct,"
                    + " JVM %.0f ms per 1,000",
                f.median(), f.median() / d.median(), floorCpu.jvmPerThousand());
    BenchReport.add(
        "adds through HTTP (adds/s)",
        "adds/s",
        h,
        "direct aria2.addUri, same concurrency",
        d,
        h.median() / d.median(),
        "ratio >= 0.7",
        h.median() / d.median() >= 0.7,
        note);
    BenchReport.add(
        "adds through the event bus (adds/s)",
        "adds/s",
        b,
        "direct aria2.addUri, same concurrency",
        d,
        b.median() / d.median(),
        "ratio >= 0.7",
        b.median() / d.median() >= 0.7,
        note);
    BenchReport.add(
        "batch endpoint (adds/s)",
        "adds/s",
        x,
        "direct aria2.addUri one by one",
        o,
        x.median() / o.median(),
        "ratio >= 3",
        x.median() / o.median() >= 3,
        "one POST of " + ADDS + " items x " + REPS + " after " + WARM_UP + " warm-up rounds");
  }
}
