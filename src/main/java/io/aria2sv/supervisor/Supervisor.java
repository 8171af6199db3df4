package io.aria2sv.supervisor;

import static io.aria2sv.bus.SupervisorState.FAILED;
import static io.aria2sv.bus.SupervisorState.RESTARTING;
import static io.aria2sv.bus.SupervisorState.RUNNING;
import static io.aria2sv.bus.SupervisorState.STARTING;
import static io.aria2sv.bus.SupervisorState.STOPPED;
import static io.aria2sv.bus.SupervisorState.STOPPING;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.bus.SupervisorState;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.Durations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life cycle of the supervised aria2c, with no bus and no process of its own: starts it through
 * an {@link Aria2Starter}, notices at once when it exits and, through its {@link HealthWatch}, when
 * it hangs; restarts it inside the budget of {@link RestartPolicy}; stops it gracefully. Concurrent
 * requests share one start, one stop, one restart. Event-loop confined; callbacks from JDK threads
 * hop back to the context first.
 */
final class Supervisor implements HealthWatch.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  private final Vertx vertx;
  private final Context context;
  private final Aria2Starter starter;
  private final RestartPolicy policy;
  private final SupervisorEvents events;
  private final Consumer<Aria2Run> onRunning;
  private AppConfig.Supervisor cfg;

  private SupervisorState state = STOPPED;
  private Aria2Run run;
  private Future<Aria2Run> launching;
  private Future<Void> stopping;
  private Future<Void> restarting;
  private final List<Promise<Void>> waitingForRunning = new ArrayList<>();
  private long backoffTimer = -1;
  private long stableTimer = -1;
  private int restarts;
  private JsonObject lastRestart;
  private String lastCrash;

  /** Why the start under way is a restart; null for a first or an explicit start. */
  private String restartReason;

  /**
   * @param onRunning told of each run that became RUNNING (the verticle publishes its endpoint)
   */
  Supervisor(
      Vertx vertx,
      Context context,
      AppConfig.Supervisor cfg,
      Aria2Starter starter,
      RestartPolicy policy,
      SupervisorEvents events,
      Consumer<Aria2Run> onRunning) {
    this.vertx = vertx;
    this.context = context;
    this.cfg = cfg;
    this.starter = starter;
    this.policy = policy;
    this.events = events;
    this.onRunning = onRunning;
  }

  SupervisorState state() {
    return state;
  }

  /** The current run, or null. */
  Aria2Run run() {
    return run;
  }

  /** The current run while it is RUNNING, or null. */
  Aria2Run running() {
    return state == RUNNING ? run : null;
  }

  int restarts() {
    return restarts;
  }

  JsonObject lastRestart() {
    return lastRestart;
  }

  int restartsInWindow() {
    return policy.restartsInWindow(System.currentTimeMillis());
  }

  AppConfig.Supervisor config() {
    return cfg;
  }

  /** Timings and restart limits apply from the next timer on. */
  void reconfigure(AppConfig.Supervisor next) {
    cfg = next;
    policy.reconfigure(next.restart());
  }

  // ---- starting -----------------------------------------------------------------------------

  /**
   * The first start: like any later one, a crash of aria2c before it is ready goes through the
   * restart policy, and this waits for the restart. It fails only when aria2c cannot be started (it
   * exits on its own, cannot be spawned, never answers), or when the restart budget runs out.
   */
  Future<Void> firstStart() {
    return launch()
        .<Void>mapEmpty()
        .recover(
            err -> {
              if (!(err instanceof StartCrash) || state != STARTING) {
                return Future.failedFuture(err);
              }
              crashed(err.getMessage());
              return awaitRunning()
                  .recover(
                      later ->
                          Future.failedFuture(
                              state == FAILED && lastCrash != null
                                  ? new IllegalStateException(
                                      "aria2c crashed while starting, "
                                          + cfg.restart().maxRestarts()
                                          + " restarts did not help; last: "
                                          + lastCrash)
                                  : later));
            });
  }

  /** Spawns aria2c and waits until it is ready; concurrent calls share one start. */
  private Future<Aria2Run> launch() {
    if (launching != null) {
      return launching;
    }
    setState(STARTING);
    // Set before the start begins: a starter may answer at once, and then it is over already.
    Promise<Aria2Run> started = Promise.promise();
    launching = started.future();
    starter
        .start(() -> state != STARTING, this::spawned)
        .compose(
            r -> {
              becomeRunning(r);
              return Future.succeededFuture(r);
            },
            err -> {
              restartReason = null;
              if (state == STARTING) {
                run = null; // the starter killed it; a stop would own it instead
              }
              return Future.failedFuture(err);
            })
        .onComplete(
            ar -> {
              launching = null;
              started.handle(ar);
            });
    return started.future();
  }

  private void spawned(Aria2Run r) {
    run = r;
    Future.fromCompletionStage(r.handle.onExit(), context).onSuccess(code -> exited(r, code));
  }

  /**
   * A restart is counted before RUNNING is announced, so whoever sees RUNNING sees the count too;
   * its event follows {@code started}.
   */
  private void becomeRunning(Aria2Run r) {
    String reason = restartReason;
    restartReason = null;
    if (reason != null) {
      restarts++;
      lastRestart = new JsonObject().put("at", System.currentTimeMillis()).put("reason", reason);
    }
    setState(RUNNING);
    events.started(r);
    onRunning.accept(r);
    if (reason != null) {
      events.restarted(restarts, reason, r);
    }
    r.watch = HealthWatch.start(vertx, r, () -> cfg, this);
    stableTimer =
        vertx.setTimer(
            cfg.restart().resetAfter().toMillis(),
            id -> {
              stableTimer = -1;
              policy.markStable();
            });
  }

  // ---- watching -----------------------------------------------------------------------------

  /** Every run's exit is reported; one still watched (RUNNING, not asked to stop) crashed. */
  private void exited(Aria2Run r, int exitCode) {
    r.exitCode = exitCode;
    events.exited(r);
    if (r.watch != null && !r.expectedExit) {
      r.unwatch();
      run = null;
      crashed("aria2c exited with code " + exitCode);
    }
  }

  @Override
  public void probeFailed(Aria2Run r, String reason, int consecutive) {
    events.healthCheckFailed(r, reason, consecutive, cfg.failureThreshold());
  }

  /** A hung aria2c: killed (SIGKILL works on a stopped process too) and restarted. */
  @Override
  public void hung(Aria2Run r, String reason) {
    cancelTimers();
    r.unwatch();
    setState(RESTARTING);
    r.expectedExit = true;
    r.handle.kill();
    Future.fromCompletionStage(r.handle.onExit(), context)
        .timeout(5, TimeUnit.SECONDS)
        .onComplete(
            ar -> {
              if (run == r) {
                run = null;
              }
              if (state == RESTARTING) {
                crashed(reason);
              }
            });
  }

  // ---- restarts -----------------------------------------------------------------------------

  private void crashed(String reason) {
    lastCrash = reason;
    cancelTimers();
    var delay = policy.nextDelay(System.currentTimeMillis());
    if (delay.isEmpty()) {
      setState(FAILED);
      events.maxRestartsReached(cfg.restart(), reason);
      return;
    }
    setState(RESTARTING);
    long ms = delay.get().toMillis();
    LOG.warn(
        "restarting aria2c in {} ms (restart {} of {} allowed within {}): {}",
        ms,
        policy.restartsInWindow(System.currentTimeMillis()),
        cfg.restart().maxRestarts(),
        Durations.format(cfg.restart().window()),
        reason);
    backoffTimer =
        vertx.setTimer(
            Math.max(1, ms),
            id -> {
              backoffTimer = -1;
              if (state != RESTARTING) {
                return;
              }
              restartReason = reason;
              launch()
                  .onFailure(
                      err -> {
                        if (state == STARTING) {
                          crashed("restart failed: " + err.getMessage());
                        }
                      });
            });
  }

  // ---- requests -----------------------------------------------------------------------------

  /** Start on request; concurrent requests share one start. Also leaves FAILED. */
  Future<Void> requestStart() {
    switch (state) {
      case RUNNING:
        return Future.succeededFuture();
      case STARTING:
      case RESTARTING:
        return awaitRunning();
      case STOPPING:
        return stopping.compose(v -> requestStart());
      default:
        SupervisorState before = state;
        policy.reset();
        return launch()
            .<Void>mapEmpty()
            .recover(
                err -> {
                  if (state == STARTING) {
                    setState(before);
                  }
                  return Future.failedFuture(
                      new ServiceException(ErrorCode.START_FAILED, err.getMessage()));
                });
    }
  }

  /**
   * A graceful stop and a new start, outside the restart budget; concurrent requests share one. The
   * state goes STOPPING, RESTARTING, STARTING, so clients wait instead of failing fast.
   */
  Future<Void> requestRestart() {
    if (restarting == null) {
      restarting =
          stop(RESTARTING)
              .compose(
                  v -> {
                    policy.reset();
                    restartReason = "requested";
                    return launch();
                  })
              .<Void>mapEmpty()
              .recover(
                  err -> {
                    if (state == STARTING) {
                      crashed("requested restart failed: " + err.getMessage());
                    }
                    return Future.failedFuture(
                        new ServiceException(ErrorCode.START_FAILED, err.getMessage()));
                  })
              .eventually(
                  () -> {
                    restarting = null;
                    return Future.succeededFuture();
                  });
    }
    return restarting;
  }

  /**
   * Graceful stop of the current aria2c, ending in state {@code after}; concurrent requests share
   * one stop. A start under way is cancelled and what it spawned is stopped the same way.
   */
  Future<Void> stop(SupervisorState after) {
    if (stopping != null) {
      return stopping;
    }
    cancelTimers();
    if (state == STOPPED || state == FAILED || (state == RESTARTING && run == null)) {
      setState(after);
      return Future.succeededFuture();
    }
    setState(STOPPING);
    Future<?> settled = launching == null ? Future.succeededFuture() : launching.otherwiseEmpty();
    stopping =
        settled
            .compose(
                v -> {
                  Aria2Run r = run;
                  if (r == null) {
                    return Future.succeededFuture((StopLadder.Result) null);
                  }
                  r.unwatch();
                  r.expectedExit = true;
                  return r.handle.stop(cfg.shutdownTimeout(), cfg.healthTimeout());
                })
            .map(
                result -> {
                  run = null;
                  setState(after);
                  if (result != null) {
                    events.stopped(result);
                  }
                  return (Void) null;
                })
            .eventually(
                () -> {
                  stopping = null;
                  return Future.succeededFuture();
                });
    return stopping;
  }

  private Future<Void> awaitRunning() {
    Promise<Void> p = Promise.promise();
    waitingForRunning.add(p);
    return p.future();
  }

  private void setState(SupervisorState to) {
    SupervisorState from = state;
    if (from == to) {
      return;
    }
    state = to;
    events.stateChanged(from, to);
    if (to == RUNNING || to == FAILED || to == STOPPED) {
      List<Promise<Void>> waiting = new ArrayList<>(waitingForRunning);
      waitingForRunning.clear();
      for (Promise<Void> p : waiting) {
        if (to == RUNNING) {
          p.tryComplete();
        } else {
          p.tryFail(
              new ServiceException(
                  to == FAILED ? ErrorCode.SUPERVISOR_FAILED : ErrorCode.NOT_RUNNING,
                  "aria2c is " + to));
        }
      }
    }
  }

  private void cancelTimers() {
    for (long id : new long[] {backoffTimer, stableTimer}) {
      if (id >= 0) {
        vertx.cancelTimer(id);
      }
    }
    backoffTimer = stableTimer = -1;
  }
}
