package io.aria2sv.supervisor;

import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2Rpc;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops one aria2c, gently first: save the session over RPC, SIGINT (aria2's own graceful stop,
 * which writes the session again), wait up to {@code shutdownTimeout}, then SIGTERM, wait, then
 * SIGKILL. SIGINT is used rather than {@code aria2.shutdown}, which answers at once but acts about
 * three seconds later.
 */
final class StopLadder {
  private static final Logger LOG = LoggerFactory.getLogger(StopLadder.class);
  private static final long TERM_GRACE_MILLIS = 2000;
  private static final long KILL_WAIT_MILLIS = 5000;

  /** How the process ended. */
  record Result(long pid, int exitCode, String how) {
    boolean graceful() {
      return "graceful".equals(how) || "already exited".equals(how);
    }
  }

  private StopLadder() {}

  static Future<Result> stop(
      Vertx vertx,
      Context context,
      Aria2Process process,
      Aria2Rpc rpc,
      Duration shutdownTimeout,
      Duration rpcTimeout) {
    if (!process.isAlive()) {
      return exited(context, process, 1000, "already exited");
    }
    return rpc.call(Aria2Call.saveSession(), rpcTimeout)
        .recover(
            err -> {
              LOG.warn(
                  "aria2c (pid {}) did not save its session before stopping: {}",
                  process.pid(),
                  err.getMessage());
              return Future.succeededFuture();
            })
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      process.interrupt();
                      return null;
                    }))
        .compose(v -> exited(context, process, shutdownTimeout.toMillis(), "graceful"))
        .recover(
            err -> {
              LOG.warn(
                  "aria2c (pid {}) still running {} ms after SIGINT; sending SIGTERM",
                  process.pid(),
                  shutdownTimeout.toMillis());
              process.terminate();
              return exited(context, process, TERM_GRACE_MILLIS, "SIGTERM");
            })
        .recover(
            err -> {
              LOG.warn("aria2c (pid {}) ignored SIGTERM; sending SIGKILL", process.pid());
              process.kill();
              return exited(context, process, KILL_WAIT_MILLIS, "SIGKILL");
            });
  }

  private static Future<Result> exited(
      Context context, Aria2Process process, long waitMillis, String how) {
    return Future.fromCompletionStage(process.onExit(), context)
        .timeout(Math.max(1, waitMillis), TimeUnit.MILLISECONDS)
        .map(code -> new Result(process.pid(), code, how));
  }
}
