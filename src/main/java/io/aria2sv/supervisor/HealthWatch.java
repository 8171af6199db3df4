package io.aria2sv.supervisor;

import io.aria2sv.config.AppConfig;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * The health probes of one running aria2c: {@code aria2.getVersion} every {@code
 * supervisor.checkInterval}; after a failure, back to back (one per {@code
 * supervisor.healthTimeout}) until it answers again or {@code supervisor.failureThreshold} failures
 * in a row call it hung. Lives from the moment its run is ready until {@link #close}, which cancels
 * its timer: a closed watch reports nothing more, whatever answers are still on their way.
 * Event-loop confined.
 */
final class HealthWatch {
  /** What the watch reports. */
  interface Listener {
    /** A probe failed, {@code consecutive} in a row. */
    void probeFailed(Aria2Run run, String reason, int consecutive);

    /** {@code supervisor.failureThreshold} probes failed in a row; the watch is closed. */
    void hung(Aria2Run run, String reason);
  }

  private final Vertx vertx;
  private final Aria2Run run;
  private final Supplier<AppConfig.Supervisor> config;
  private final Listener listener;
  private long timer = -1;
  private int consecutiveFailures;
  private boolean closed;

  private HealthWatch(
      Vertx vertx, Aria2Run run, Supplier<AppConfig.Supervisor> config, Listener listener) {
    this.vertx = vertx;
    this.run = run;
    this.config = config;
    this.listener = listener;
  }

  /** Starts watching {@code run}, first probe after one check interval. */
  static HealthWatch start(
      Vertx vertx, Aria2Run run, Supplier<AppConfig.Supervisor> config, Listener listener) {
    HealthWatch w = new HealthWatch(vertx, run, config, listener);
    w.schedule(config.get().checkInterval().toMillis());
    return w;
  }

  void close() {
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void schedule(long delayMillis) {
    timer =
        vertx.setTimer(
            Math.max(1, delayMillis),
            id -> {
              timer = -1;
              probe();
            });
  }

  private void probe() {
    AppConfig.Supervisor cfg = config.get();
    long t0 = System.nanoTime();
    run.handle
        .probe(cfg.healthTimeout())
        .onComplete(
            ar -> {
              if (closed) {
                return;
              }
              if (ar.succeeded()) {
                consecutiveFailures = 0;
                run.rpcHealthy = true;
                schedule(cfg.checkInterval().toMillis());
                return;
              }
              consecutiveFailures++;
              run.rpcHealthy = false;
              String reason = ar.cause().getMessage();
              listener.probeFailed(run, reason, consecutiveFailures);
              if (consecutiveFailures >= cfg.failureThreshold()) {
                close();
                listener.hung(
                    run,
                    "health check failed " + consecutiveFailures + " times in a row: " + reason);
              } else {
                // While suspicious, probe back to back: one probe per healthTimeout.
                long spent = (System.nanoTime() - t0) / 1_000_000;
                schedule(cfg.healthTimeout().toMillis() - spent);
              }
            });
  }
}
