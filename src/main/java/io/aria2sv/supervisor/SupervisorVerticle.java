package io.aria2sv.supervisor;

import static io.aria2sv.supervisor.SupervisorState.FAILED;
import static io.aria2sv.supervisor.SupervisorState.RESTARTING;
import static io.aria2sv.supervisor.SupervisorState.RUNNING;
import static io.aria2sv.supervisor.SupervisorState.STARTING;
import static io.aria2sv.supervisor.SupervisorState.STOPPED;
import static io.aria2sv.supervisor.SupervisorState.STOPPING;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.Events;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.Durations;
import io.aria2sv.rpc.Aria2Rpc;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one aria2c for as long as it is deployed: starts it, knows when it is ready, notices at once
 * when it exits ({@code Process.onExit()}), notices when it hangs (periodic RPC probes), restarts it
 * inside the budget of {@link RestartPolicy}, and stops it gracefully on undeploy. All state lives
 * on this verticle's event loop; blocking work (locking, spawning, signalling) runs in
 * {@code executeBlocking}, and callbacks from JDK threads hop back to the context first.
 *
 * <p>Its bus interface is described in {@link Addresses} ({@code aria2.supervisor.*}).
 */
public final class SupervisorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorVerticle.class);

  private volatile AppConfig.Supervisor cfg;
  private AppConfig.Aria2 aria2Config;
  private Aria2Binary binary;
  private InstanceLock lock;
  private Aria2Launcher launcher;
  private RestartPolicy policy;
  private WebClient web;
  private SupervisorEvents events;
  private SessionGuard session;

  private SupervisorState state = STOPPED;
  private Aria2Run run;
  private Future<Aria2Run> launching;
  private Future<Void> stopping;
  private Future<Void> restarting;
  private final List<Promise<Void>> waitingForRunning = new ArrayList<>();
  private long backoffTimer = -1;
  private long healthTimer = -1;
  private long stableTimer = -1;
  private int consecutiveFailures;
  private int restarts;
  private JsonObject lastRestart;
  private String lastCrash;

  /** A deployment of this verticle with the effective configuration. */
  public static DeploymentOptions options(JsonObject config) {
    return new DeploymentOptions().setConfig(config);
  }

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.from(config());
    cfg = config.supervisor();
    aria2Config = config.aria2();
    policy = new RestartPolicy(cfg.restart(), new SplittableRandom());
    web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(1000).setMetricsName("aria2-rpc-supervisor"));
    events = new SupervisorEvents(vertx.eventBus());
    return vertx
        .executeBlocking(this::prepare)
        .compose(
            v -> {
              registerConsumers();
              session = new SessionGuard(vertx, aria2Config.dataDir().resolve(Aria2ConfFile.SESSION),
                  problem -> events.session(problem, aria2Config.dataDir()));
              session.start();
              return firstStart();
            })
        .onFailure(err -> releaseLock())
        .mapEmpty();
  }

  @Override
  public Future<?> stop() {
    if (session != null) {
      session.stop();
    }
    return stopAria2().eventually(() -> vertx.executeBlocking(() -> {
      releaseLock();
      return null;
    })).eventually(() -> {
      web.close();
      return Future.succeededFuture();
    });
  }

  /** Directories, the instance lock, the binary, and any orphan of an earlier crash. Blocking. */
  private Void prepare() throws Exception {
    aria2Config.createDirectories();
    lock = InstanceLock.acquire(aria2Config.dataDir());
    binary = BinaryLocator.locate(aria2Config.binary(), System.getenv("PATH"));
    LOG.info("using aria2c {} at {} (features: {})", binary.version(), binary.path(), String.join(", ", binary.enabledFeatures()));
    Aria2Process.reapOrphan(aria2Config.dataDir(), cfg.shutdownTimeout().toMillis())
        .ifPresent(pid -> LOG.warn("stopped aria2c pid {} left running by an earlier supervisor", pid));
    launcher = new Aria2Launcher(aria2Config, binary);
    return null;
  }

  private void releaseLock() {
    if (lock != null) {
      lock.close();
      lock = null;
    }
  }

  private void registerConsumers() {
    EventBus bus = vertx.eventBus();
    bus.<JsonObject>consumer(Addresses.SUPERVISOR_STATUS, m -> m.reply(status()));
    bus.<JsonObject>consumer(Addresses.SUPERVISOR_DETAILS, m -> BusReplies.reply(m, details()));
    bus.<JsonObject>consumer(Addresses.SUPERVISOR_START, m -> BusReplies.reply(m, requestStart().map(v -> status())));
    bus.<JsonObject>consumer(Addresses.SUPERVISOR_STOP, m -> BusReplies.reply(m, stopAria2().map(v -> status())));
    bus.<JsonObject>consumer(Addresses.SUPERVISOR_RESTART, m -> BusReplies.reply(m, requestRestart().map(v -> status())));
    bus.<JsonObject>localConsumer(Addresses.SUPERVISOR_ENDPOINT, m -> BusReplies.reply(m, endpoint()));
    bus.<JsonObject>localConsumer(Addresses.CONFIG_CHANGED, m -> reconfigure(AppConfig.from(m.body())));
  }

  /**
   * A new configuration: timings and restart limits apply from the next timer on; changed aria2
   * options go to the running aria2c with {@code aria2.changeGlobalOption} and into every later
   * {@code aria2.conf}. What cannot change while running is named in the log.
   */
  private void reconfigure(AppConfig next) {
    cfg = next.supervisor();
    policy.reconfigure(cfg.restart());
    AppConfig.Aria2 a = next.aria2();
    if (!a.dataDir().equals(aria2Config.dataDir())) {
      LOG.warn("aria2.dataDir changed to {}: this takes effect when the supervisor restarts", a.dataDir());
    }
    if (!a.binary().equals(aria2Config.binary()) || a.rpcPort() != aria2Config.rpcPort() || !a.downloadDir().equals(aria2Config.downloadDir())) {
      LOG.warn("aria2.binary, aria2.rpcPort or aria2.downloadDir changed: this takes effect when aria2c restarts");
    }
    JsonObject changed = new JsonObject();
    a.options().forEach((k, v) -> {
      if (!v.equals(aria2Config.options().get(k))) {
        changed.put(k, v);
      }
    });
    aria2Config.options().keySet().stream().filter(k -> !a.options().containsKey(k)).forEach(k ->
        LOG.warn("aria2.options.{} was removed: aria2c keeps its current value until it restarts", k));
    aria2Config = new AppConfig.Aria2(aria2Config.binary(), aria2Config.rpcPort(), aria2Config.dataDir(),
        aria2Config.downloadDir(), a.options());
    launcher = new Aria2Launcher(aria2Config, binary);
    Aria2Run r = run;
    if (!changed.isEmpty() && r != null && state == RUNNING) {
      r.rpc.call("aria2.changeGlobalOption", cfg.healthTimeout(), changed)
          .onSuccess(v -> LOG.info("aria2 global options changed without a restart: {}", changed.fieldNames()))
          .onFailure(err -> LOG.warn("aria2 refused to change {} while running ({}); they apply at its next start",
              changed.fieldNames(), err.getMessage()));
    }
  }

  // ---- launching ----------------------------------------------------------------------------

  /** Spawns aria2c and waits until it is ready; retries a lost race for a picked port twice. */
  private Future<Aria2Run> launch() {
    if (launching != null) {
      return launching;
    }
    setState(STARTING);
    launching = launchAttempt(3).eventually(() -> {
      launching = null;
      return Future.succeededFuture();
    });
    return launching;
  }

  private Future<Aria2Run> launchAttempt(int attemptsLeft) {
    long spawnNanos = System.nanoTime();
    return vertx
        .executeBlocking(launcher::launch)
        .compose(
            launched -> {
              Aria2Run r = new Aria2Run(launched.process(), new Aria2Rpc(web, launched.endpoint()));
              run = r;
              watchExit(r);
              return ReadinessProbe.await(vertx, r.rpc, r.process, cfg.startupTimeout(), () -> state != STARTING)
                  .compose(
                      ready -> {
                        if (run != r || state != STARTING) {
                          return Future.failedFuture("aria2c start was cancelled by a stop request");
                        }
                        r.ready(ready, (System.nanoTime() - spawnNanos) / 1_000_000);
                        becomeRunning(r);
                        return Future.succeededFuture(r);
                      },
                      err -> abandon(r, err))
                  .recover(
                      err ->
                          attemptsLeft > 1 && aria2Config.rpcPort() == 0 && state == STARTING && lostPortRace(r)
                              ? launchAttempt(attemptsLeft - 1)
                              : Future.failedFuture(err));
            });
  }

  private static boolean lostPortRace(Aria2Run r) {
    return r.process.outputTail(2000).contains("Failed to setup RPC server");
  }

  /**
   * A start that did not become ready: kill what was spawned, unless a stop owns it now. An aria2c
   * that was killed by a signal before it was ready crashed ({@link StartCrash}); one that exited
   * on its own refused to start, and the failure says why in its words.
   */
  private Future<Aria2Run> abandon(Aria2Run r, Throwable err) {
    if (run != r || state != STARTING) {
      return Future.failedFuture(err);
    }
    r.expectedExit = true;
    r.process.kill();
    run = null;
    return Future.fromCompletionStage(r.process.onExit(), context)
        .timeout(5, TimeUnit.SECONDS)
        .transform(ar -> {
          if (!(err instanceof ReadinessProbe.ExitedBeforeReady) || ar.failed()) {
            return Future.failedFuture(err);
          }
          int code = ar.result();
          // Java reports a death by signal N as 128 + N
          return Future.failedFuture(code > 128
              ? new StartCrash("aria2c (pid " + r.pid() + ") was killed by signal " + (code - 128) + " before it was ready")
              : new IllegalStateException("aria2c (pid " + r.pid() + ") exited with code " + code + " before answering: "
                  + r.process.outputTail(400)));
        });
  }

  /**
   * The first start: like any later one, a crash of aria2c before it is ready goes through the
   * restart policy, and start-up waits for the restart. Start-up fails only when aria2c cannot be
   * started (it exits on its own, cannot be spawned, never answers), or when the restart budget
   * runs out.
   */
  private Future<Void> firstStart() {
    return launch().<Void>mapEmpty().recover(err -> {
      if (!(err instanceof StartCrash) || state != STARTING) {
        return Future.failedFuture(err);
      }
      crashed(err.getMessage());
      return awaitRunning().recover(later -> Future.failedFuture(state == FAILED && lastCrash != null
          ? new IllegalStateException("aria2c crashed while starting, " + cfg.restart().maxRestarts()
              + " restarts did not help; last: " + lastCrash)
          : later));
    });
  }

  /** aria2c was killed by a signal before it was ready: a crash, not a refusal to start. */
  static final class StartCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StartCrash(String message) {
      super(message, null, false, false);
    }
  }

  private void becomeRunning(Aria2Run r) {
    consecutiveFailures = 0;
    setState(RUNNING);
    events.started(r, binary);
    vertx.eventBus().publish(Addresses.EVENTS_SUPERVISOR_ENDPOINT, endpointJson(r), new DeliveryOptions().setLocalOnly(true));
    scheduleHealthProbe(r, cfg.checkInterval().toMillis());
    stableTimer = vertx.setTimer(cfg.restart().resetAfter().toMillis(), id -> {
      stableTimer = -1;
      if (run == r && state == RUNNING) {
        policy.markStable();
      }
    });
  }

  private void watchExit(Aria2Run r) {
    Future.fromCompletionStage(r.process.onExit(), context).onSuccess(code -> onExit(r, code));
  }

  private void onExit(Aria2Run r, int exitCode) {
    r.exitCode = exitCode;
    events.exited(r);
    if (run == r && !r.expectedExit && state == RUNNING) {
      run = null;
      crashed("aria2c exited with code " + exitCode);
    }
  }

  // ---- health -------------------------------------------------------------------------------

  private void scheduleHealthProbe(Aria2Run r, long delayMillis) {
    healthTimer = vertx.setTimer(Math.max(1, delayMillis), id -> {
      healthTimer = -1;
      probe(r);
    });
  }

  private void probe(Aria2Run r) {
    if (run != r || state != RUNNING) {
      return;
    }
    long t0 = System.nanoTime();
    r.rpc.call("aria2.getVersion", cfg.healthTimeout()).onComplete(ar -> {
      if (run != r || state != RUNNING) {
        return;
      }
      if (ar.succeeded()) {
        consecutiveFailures = 0;
        r.rpcHealthy = true;
        scheduleHealthProbe(r, cfg.checkInterval().toMillis());
        return;
      }
      consecutiveFailures++;
      r.rpcHealthy = false;
      String reason = ar.cause().getMessage();
      events.healthCheckFailed(r, reason, consecutiveFailures, cfg.failureThreshold());
      if (consecutiveFailures >= cfg.failureThreshold()) {
        replace(r, "health check failed " + consecutiveFailures + " times in a row: " + reason);
      } else {
        // While suspicious, probe back to back: one probe per healthTimeout.
        long spent = (System.nanoTime() - t0) / 1_000_000;
        scheduleHealthProbe(r, cfg.healthTimeout().toMillis() - spent);
      }
    });
  }

  /** Kills a hung aria2c (SIGKILL works on a stopped process too) and restarts it. */
  private void replace(Aria2Run r, String reason) {
    cancelTimers();
    setState(RESTARTING);
    r.expectedExit = true;
    r.process.kill();
    Future.fromCompletionStage(r.process.onExit(), context)
        .timeout(5, TimeUnit.SECONDS)
        .onComplete(ar -> {
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
    LOG.warn("restarting aria2c in {} ms (restart {} of {} allowed within {}): {}", ms,
        policy.restartsInWindow(System.currentTimeMillis()), cfg.restart().maxRestarts(), Durations.format(cfg.restart().window()), reason);
    backoffTimer = vertx.setTimer(Math.max(1, ms), id -> {
      backoffTimer = -1;
      if (state != RESTARTING) {
        return;
      }
      launch().onSuccess(r -> countRestart(r, reason)).onFailure(err -> {
        if (state == STARTING) {
          crashed("restart failed: " + err.getMessage());
        }
      });
    });
  }

  private void countRestart(Aria2Run r, String reason) {
    restarts++;
    lastRestart = new JsonObject().put("at", System.currentTimeMillis()).put("reason", reason);
    events.restarted(restarts, reason, r);
  }

  // ---- requests -----------------------------------------------------------------------------

  /** Start on request; concurrent requests share one start. Also leaves FAILED. */
  private Future<Void> requestStart() {
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
        return launch().<Void>mapEmpty().recover(err -> {
          if (state == STARTING) {
            setState(before);
          }
          return Future.failedFuture(BusReplies.failure(ErrorCode.START_FAILED, err.getMessage()));
        });
    }
  }

  /**
   * A graceful stop and a new start, outside the restart budget; concurrent requests share one.
   * The state goes STOPPING, RESTARTING, STARTING, so clients wait instead of failing fast.
   */
  private Future<Void> requestRestart() {
    if (restarting == null) {
      restarting = stopAria2(RESTARTING)
          .compose(v -> {
            policy.reset();
            return launch();
          })
          .onSuccess(r -> countRestart(r, "requested"))
          .<Void>mapEmpty()
          .recover(err -> {
            if (state == STARTING) {
              crashed("requested restart failed: " + err.getMessage());
            }
            return Future.failedFuture(BusReplies.failure(ErrorCode.START_FAILED, err.getMessage()));
          })
          .eventually(() -> {
            restarting = null;
            return Future.succeededFuture();
          });
    }
    return restarting;
  }

  private Future<Void> stopAria2() {
    return stopAria2(STOPPED);
  }

  /**
   * Graceful stop of the current aria2c, ending in state {@code after}; concurrent requests share
   * one stop.
   */
  private Future<Void> stopAria2(SupervisorState after) {
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
    stopping = settled
        .compose(v -> {
          Aria2Run r = run;
          if (r == null) {
            return Future.succeededFuture((StopLadder.Result) null);
          }
          r.expectedExit = true;
          return StopLadder.stop(vertx, context, r.process, r.rpc, cfg.shutdownTimeout(), cfg.healthTimeout());
        })
        .map(result -> {
          run = null;
          setState(after);
          if (result != null) {
            events.stopped(result);
          }
          return (Void) null;
        })
        .eventually(() -> {
          stopping = null;
          return vertx.executeBlocking(() -> Files.deleteIfExists(aria2Config.dataDir().resolve(Aria2Process.PID_FILE)));
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
          p.tryFail(BusReplies.failure(
              to == FAILED ? ErrorCode.SUPERVISOR_FAILED : ErrorCode.NOT_RUNNING, "aria2c is " + to));
        }
      }
    }
  }

  private void cancelTimers() {
    for (long id : new long[] {backoffTimer, healthTimer, stableTimer}) {
      if (id >= 0) {
        vertx.cancelTimer(id);
      }
    }
    backoffTimer = healthTimer = stableTimer = -1;
  }

  // ---- queries (never start a process) ------------------------------------------------------

  private JsonObject status() {
    return SupervisorStatus.of(state, run, restarts, policy.restartsInWindow(System.currentTimeMillis()),
        lastRestart, aria2Config.dataDir(), session == null ? null : session.problem());
  }

  private Future<JsonObject> details() {
    Aria2Run r = run;
    if (r == null || state != RUNNING) {
      return Future.failedFuture(BusReplies.failure(ErrorCode.NOT_RUNNING, "aria2c is " + state));
    }
    return SupervisorStatus.details(r, cfg.healthTimeout(), status());
  }

  private Future<JsonObject> endpoint() {
    Aria2Run r = run;
    if (r == null || state != RUNNING) {
      ErrorCode code = state == FAILED ? ErrorCode.SUPERVISOR_FAILED : ErrorCode.NOT_RUNNING;
      return Future.failedFuture(BusReplies.failure(code, "aria2c is " + state));
    }
    return Future.succeededFuture(endpointJson(r));
  }

  private static JsonObject endpointJson(Aria2Run r) {
    return r.rpc.endpoint().toJson().put("sessionId", r.sessionId);
  }
}
