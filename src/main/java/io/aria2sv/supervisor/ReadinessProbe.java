package io.aria2sv.supervisor;

import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Waits until a freshly spawned aria2c answers {@code aria2.getVersion} and {@code
 * aria2.getSessionInfo} with our secret (one multicall per attempt). Gives up when the process
 * exits, when the caller cancels, or at the deadline. Runs on the caller's event loop with timers;
 * never blocks.
 */
final class ReadinessProbe {
  /** What a ready aria2c told us. */
  record Ready(String version, List<String> enabledFeatures, String sessionId) {}

  private static final long RETRY_MILLIS = 5;
  private static final List<Aria2Call> CALLS =
      List.of(Aria2Call.getVersion(), Aria2Call.getSessionInfo());

  private ReadinessProbe() {}

  /** The process ended before it answered; its exit code may not be known yet. */
  static final class ExitedBeforeReady extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ExitedBeforeReady(long pid) {
      super("aria2c (pid " + pid + ") exited before answering", null, false, false);
    }
  }

  static Future<Ready> await(
      Vertx vertx,
      Aria2Rpc rpc,
      Aria2Process process,
      Duration timeout,
      BooleanSupplier cancelled) {
    Promise<Ready> promise = Promise.promise();
    long deadline = System.nanoTime() + timeout.toNanos();
    attempt(vertx, rpc, process, timeout, deadline, cancelled, promise);
    return promise.future();
  }

  private static void attempt(
      Vertx vertx,
      Aria2Rpc rpc,
      Aria2Process process,
      Duration timeout,
      long deadline,
      BooleanSupplier cancelled,
      Promise<Ready> promise) {
    long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
    if (cancelled.getAsBoolean()) {
      promise.fail("start cancelled by a stop request");
      return;
    }
    if (!process.isAlive()) {
      promise.fail(new ExitedBeforeReady(process.pid()));
      return;
    }
    if (remainingMs <= 0) {
      promise.fail(
          "aria2c (pid "
              + process.pid()
              + ") did not answer RPC within supervisor.startupTimeout ("
              + timeout.toMillis()
              + " ms)");
      return;
    }
    rpc.multicall(CALLS, Duration.ofMillis(Math.min(remainingMs, 1000)))
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result().stream().noneMatch(r -> r instanceof Throwable)) {
                JsonObject version = (JsonObject) ar.result().get(0);
                JsonObject session = (JsonObject) ar.result().get(1);
                JsonArray features = version.getJsonArray("enabledFeatures", new JsonArray());
                promise.complete(
                    new Ready(
                        version.getString("version"),
                        features.stream().map(String::valueOf).toList(),
                        session.getString("sessionId")));
              } else if (ar.failed()
                  && ar.cause() instanceof Aria2RpcException e
                  && e.isUnauthorized()) {
                promise.fail(
                    "aria2c on port "
                        + rpc.endpoint().port()
                        + " refused our secret: not our process");
              } else {
                vertx.setTimer(
                    RETRY_MILLIS,
                    id -> attempt(vertx, rpc, process, timeout, deadline, cancelled, promise));
              }
            });
  }
}
