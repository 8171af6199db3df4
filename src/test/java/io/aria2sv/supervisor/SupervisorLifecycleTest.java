package io.aria2sv.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.SupervisorState;
import io.aria2sv.config.AppConfig;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The supervisor's state machine with fake aria2c processes: no aria2c, no bus consumers. Crashes,
 * hangs, the restart budget, a crash during the first start, a stop during a start, and concurrent
 * requests.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SupervisorLifecycleTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final AppConfig.Restart RESTART =
      new AppConfig.Restart(
          Duration.ofMillis(20),
          Duration.ofMillis(40),
          0.0,
          3,
          Duration.ofMinutes(1),
          Duration.ofMinutes(1));
  private static final AppConfig.Supervisor CONFIG =
      new AppConfig.Supervisor(
          Duration.ofSeconds(2),
          Duration.ofMillis(20),
          Duration.ofMillis(50),
          2,
          Duration.ofSeconds(1),
          RESTART);

  /** One fake aria2c: exits when told, answers probes unless hung. */
  static final class FakeHandle implements Aria2Handle {
    private static final AtomicInteger PIDS = new AtomicInteger(1000);
    final long pid = PIDS.incrementAndGet();
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    volatile boolean hung;
    final AtomicInteger probes = new AtomicInteger();
    volatile boolean stoppedGracefully;

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public int port() {
      return 6800;
    }

    @Override
    public Aria2Rpc rpc() {
      return null;
    }

    @Override
    public CompletionStage<Integer> onExit() {
      return exit;
    }

    @Override
    public Future<Void> probe(Duration timeout) {
      probes.incrementAndGet();
      return hung || exit.isDone()
          ? Future.failedFuture("no answer within " + timeout.toMillis() + " ms")
          : Future.succeededFuture();
    }

    @Override
    public void kill() {
      exit.complete(137);
    }

    @Override
    public Future<StopLadder.Result> stop(Duration shutdownTimeout, Duration rpcTimeout) {
      stoppedGracefully = true;
      exit.complete(7);
      return Future.succeededFuture(new StopLadder.Result(pid, 7, "graceful"));
    }
  }

  /** Starts fakes; each start follows the next scripted outcome (ready by default). */
  static final class FakeStarter implements Aria2Starter {
    final Deque<Supplier<Future<Void>>> script = new ArrayDeque<>();
    final List<FakeHandle> spawned = new CopyOnWriteArrayList<>();

    @Override
    public Future<Aria2Run> start(BooleanSupplier cancelled, Consumer<Aria2Run> onSpawned) {
      FakeHandle h = new FakeHandle();
      spawned.add(h);
      Aria2Run r = new Aria2Run(h);
      onSpawned.accept(r);
      Supplier<Future<Void>> next = script.poll();
      Future<Void> outcome = next == null ? Future.succeededFuture() : next.get();
      return outcome.compose(
          v -> {
            if (cancelled.getAsBoolean()) {
              return Future.failedFuture("aria2c start was cancelled by a stop request");
            }
            r.ready(new ReadinessProbe.Ready("1.36.0", List.of(), "session-" + h.pid), 1);
            return Future.succeededFuture(r);
          },
          err -> {
            if (!cancelled.getAsBoolean()) {
              h.exit.complete(137);
            }
            return Future.failedFuture(err);
          });
    }

    FakeHandle last() {
      return spawned.get(spawned.size() - 1);
    }
  }

  private Vertx vertx;
  private Context ctx;
  private final FakeStarter starter = new FakeStarter();
  private final List<Aria2Run> running = new CopyOnWriteArrayList<>();
  private Supervisor supervisor;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    ctx = vertx.getOrCreateContext();
    on(
        () -> {
          supervisor =
              new Supervisor(
                  vertx,
                  ctx,
                  CONFIG,
                  starter,
                  new RestartPolicy(RESTART, new SplittableRandom(1)),
                  new SupervisorEvents(vertx.eventBus(), Metrics.standalone()),
                  running::add);
          return Future.succeededFuture();
        });
  }

  private <T> T on(Supplier<Future<T>> action) throws Exception {
    return SupervisorHarness.on(ctx, action);
  }

  private SupervisorState state() throws Exception {
    return on(() -> Future.succeededFuture(supervisor.state()));
  }

  @Test
  void anExitOfTheRunningAria2cIsRestartedAfterTheBackoff() throws Exception {
    on(supervisor::firstStart);
    FakeHandle first = starter.last();
    assertThat(state()).isEqualTo(SupervisorState.RUNNING);

    first.exit.complete(137);

    await()
        .atMost(WAIT)
        .until(() -> starter.spawned.size() == 2 && state() == SupervisorState.RUNNING);
    assertThat(on(() -> Future.succeededFuture(supervisor.restarts()))).isEqualTo(1);
    assertThat(running).hasSize(2);
  }

  @Test
  void aHungAria2cIsKilledAfterTheFailureThresholdAndRestarted() throws Exception {
    on(supervisor::firstStart);
    FakeHandle first = starter.last();

    first.hung = true;

    await()
        .atMost(WAIT)
        .until(() -> starter.spawned.size() == 2 && state() == SupervisorState.RUNNING);
    assertThat(first.exit.getNow(null)).as("killed").isEqualTo(137);
    assertThat(first.probes.get()).isGreaterThanOrEqualTo(CONFIG.failureThreshold());
    assertThat(on(() -> Future.succeededFuture(supervisor.lastRestart().getString("reason"))))
        .startsWith("health check failed 2 times");
  }

  @Test
  void crashesBeyondTheBudgetEndInFailedAndNothingRestartsOnItsOwnAfterwards() throws Exception {
    on(supervisor::firstStart);
    for (int i = 0; i < RESTART.maxRestarts() + 1; i++) {
      int before = starter.spawned.size();
      starter.last().exit.complete(137);
      if (i < RESTART.maxRestarts()) {
        await()
            .atMost(WAIT)
            .until(
                () -> starter.spawned.size() == before + 1 && state() == SupervisorState.RUNNING);
      }
    }
    await().atMost(WAIT).until(() -> state() == SupervisorState.FAILED);
    int spawned = starter.spawned.size();

    // several backoff periods (maxDelay 40 ms) go by without a start
    await()
        .during(Duration.ofMillis(400))
        .atMost(WAIT)
        .until(() -> starter.spawned.size() == spawned && state() == SupervisorState.FAILED);

    on(supervisor::requestStart);
    assertThat(state()).as("an explicit start leaves FAILED").isEqualTo(SupervisorState.RUNNING);
  }

  @Test
  void aCrashBeforeTheFirstStartIsReadyIsRestartedAndTheFirstStartWaitsForIt() throws Exception {
    starter.script.add(
        () ->
            Future.failedFuture(
                new StartCrash("aria2c (pid 1) was killed by signal 9 before it was ready")));

    on(supervisor::firstStart);

    assertThat(state()).isEqualTo(SupervisorState.RUNNING);
    assertThat(starter.spawned).hasSize(2);
    assertThat(on(() -> Future.succeededFuture(supervisor.restarts()))).isEqualTo(1);
  }

  @Test
  void anAria2cThatRefusesToStartFailsTheFirstStartAtOnce() throws Exception {
    starter.script.add(
        () ->
            Future.failedFuture("aria2c (pid 1) exited with code 28 before answering: bad option"));

    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    ctx.runOnContext(v -> supervisor.firstStart().onComplete(ar -> failed.complete(ar.cause())));
    Throwable err = failed.get(5, TimeUnit.SECONDS);

    assertThat(err).hasMessageContaining("exited with code 28");
    assertThat(starter.spawned).hasSize(1);
  }

  @Test
  void aStopDuringAStartCancelsItAndStopsWhatWasSpawnedGracefully() throws Exception {
    Promise<Void> slow = Promise.promise();
    starter.script.add(slow::future);
    CompletableFuture<Throwable> started = new CompletableFuture<>();
    ctx.runOnContext(v -> supervisor.firstStart().onComplete(ar -> started.complete(ar.cause())));
    await().atMost(WAIT).until(() -> starter.spawned.size() == 1);

    CompletableFuture<Void> stopped = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          supervisor.stop(SupervisorState.STOPPED).onComplete(ar -> stopped.complete(null));
          slow.complete();
        });

    stopped.get(5, TimeUnit.SECONDS);
    assertThat(started.get(5, TimeUnit.SECONDS)).hasMessageContaining("cancelled");
    assertThat(state()).isEqualTo(SupervisorState.STOPPED);
    assertThat(starter.last().stoppedGracefully).isTrue();
    assertThat(running).isEmpty();
  }

  @Test
  void concurrentStartRequestsShareOneStart() throws Exception {
    Promise<Void> slow = Promise.promise();
    starter.script.add(slow::future);
    CompletableFuture<Void> both = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          Future<Void> a = supervisor.requestStart();
          Future<Void> b = supervisor.requestStart();
          Future.all(a, b).onComplete(ar -> both.complete(null));
          slow.complete();
        });
    both.get(5, TimeUnit.SECONDS);
    assertThat(starter.spawned).hasSize(1);
    assertThat(state()).isEqualTo(SupervisorState.RUNNING);
  }

  @Test
  void aStoppedRunReportsNothingMore() throws Exception {
    on(supervisor::firstStart);
    FakeHandle first = starter.last();
    on(() -> supervisor.stop(SupervisorState.STOPPED));

    first.hung = true; // its watch is closed: no probe, no "hung", no restart

    int probes = first.probes.get();
    await()
        .during(Duration.ofMillis(200))
        .atMost(WAIT)
        .until(
            () ->
                first.probes.get() == probes
                    && starter.spawned.size() == 1
                    && state() == SupervisorState.STOPPED);
  }
}
