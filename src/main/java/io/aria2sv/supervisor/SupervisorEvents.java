package io.aria2sv.supervisor;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.Events;
import io.aria2sv.bus.SupervisorState;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.Durations;
import io.aria2sv.metrics.Metrics;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the supervisor's events on {@link Addresses#EVENTS_SUPERVISOR} and writes one log line
 * per event. The endpoint secret never appears in either.
 */
final class SupervisorEvents {
  private static final Logger LOG = LoggerFactory.getLogger("io.aria2sv.supervisor.events");

  private final EventBus bus;
  private final Metrics metrics;
  private Aria2Binary binary;

  SupervisorEvents(EventBus bus, Metrics metrics) {
    this.bus = bus;
    this.metrics = metrics;
  }

  /** The aria2c binary in use, named in the {@code started} event. */
  void using(Aria2Binary binary) {
    this.binary = binary;
  }

  private void publish(String type, JsonObject payload) {
    bus.publish(Addresses.EVENTS_SUPERVISOR, Events.of(type, payload));
  }

  /**
   * aria2's session file became at risk ({@code problem}) or safe again (null); logged by the
   * guard.
   */
  void session(String problem, Path dataDir) {
    metrics.sessionSafe(problem == null);
    bus.publish(
        Addresses.EVENTS_STORAGE,
        Events.storage("session", "session-safe", "session-at-risk", problem, dataDir));
  }

  void stateChanged(SupervisorState from, SupervisorState to) {
    LOG.info("state {} -> {}", from, to);
    metrics.supervisorState(to);
    publish("state-changed", new JsonObject().put("from", from.name()).put("to", to.name()));
  }

  void started(Aria2Run r) {
    LOG.info(
        "aria2c {} ready: pid {}, RPC 127.0.0.1:{}, {} ms after spawn",
        r.version,
        r.pid(),
        r.port(),
        r.startupMillis);
    publish(
        "started",
        new JsonObject()
            .put("pid", r.pid())
            .put("rpcPort", r.port())
            .put("version", r.version)
            .put("sessionId", r.sessionId)
            .put("startupMs", r.startupMillis)
            .put("binary", binary == null ? null : binary.path().toString()));
  }

  void exited(Aria2Run r) {
    if (r.expectedExit) {
      LOG.info("aria2c pid {} exited with code {} (expected)", r.pid(), r.exitCode);
    } else {
      LOG.warn("aria2c pid {} exited unexpectedly with code {}", r.pid(), r.exitCode);
    }
    publish(
        "exited",
        new JsonObject()
            .put("pid", r.pid())
            .put("exitCode", r.exitCode)
            .put("expected", r.expectedExit));
  }

  void restarted(int count, String reason, Aria2Run r) {
    LOG.info("aria2c restarted (#{}), pid {}: {}", count, r.pid(), reason);
    metrics.restart(reasonCategory(reason));
    publish(
        "restarted",
        new JsonObject().put("count", count).put("reason", reason).put("pid", r.pid()));
  }

  /** A small, fixed set of label values for the restart counter. */
  static String reasonCategory(String reason) {
    if (reason.equals("requested")) {
      return "requested";
    }
    if (reason.startsWith("health check failed")) {
      return "hang";
    }
    if (reason.contains("restart failed")) {
      return "start-failure";
    }
    return "crash";
  }

  void healthCheckFailed(Aria2Run r, String reason, int consecutive, int threshold) {
    LOG.warn(
        "health check of aria2c pid {} failed ({} of {}): {}",
        r.pid(),
        consecutive,
        threshold,
        reason);
    publish(
        "health-check-failed",
        new JsonObject()
            .put("reason", reason)
            .put("consecutive", consecutive)
            .put("threshold", threshold)
            .put("pid", r.pid()));
  }

  void maxRestartsReached(AppConfig.Restart restart, String lastReason) {
    LOG.error(
        "giving up: {} restarts within {}; state FAILED until an explicit start. Last failure: {}",
        restart.maxRestarts(),
        Durations.format(restart.window()),
        lastReason);
    publish(
        "max-restarts-reached",
        new JsonObject()
            .put("maxRestarts", restart.maxRestarts())
            .put("window", Durations.format(restart.window()))
            .put("lastReason", lastReason));
  }

  void stopped(StopLadder.Result result) {
    LOG.info(
        "aria2c pid {} stopped ({}), exit code {}", result.pid(), result.how(), result.exitCode());
    publish(
        "stopped",
        new JsonObject()
            .put("pid", result.pid())
            .put("exitCode", result.exitCode())
            .put("graceful", result.graceful()));
  }
}
