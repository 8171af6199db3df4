package io.aria2sv.rpc;

import io.aria2sv.config.AppConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * aria2 JSON-RPC for code that lives beside the supervisor: calls go to the current aria2c, wait
 * while it is (re)starting, fail fast while it is stopped or given up on, and retry transport
 * failures and timeouts with exponential backoff and jitter ({@code rpc.retry.*}). aria2's own
 * errors are not retried. What the current aria2c is, is told from outside ({@link #running},
 * {@link #unavailable}): the downloads service follows the supervisor over the bus.
 *
 * <p>Confined to the context that created it: Mutiny schedules retries on its own pool, so each
 * attempt is subscribed on this context and every result is emitted back onto it.
 */
public final class Aria2Client implements Aria2 {
  /** Why no aria2c answers now, and whether one is on its way. */
  public enum Absence {
    /** Not known yet. Calls fail at once. */
    UNKNOWN,
    /** Starting or restarting: calls wait up to {@code rpc.timeout} for it. */
    COMING,
    /** Stopped: calls fail at once. */
    STOPPED,
    /** The supervisor gave up after its restart budget: calls fail at once. */
    GAVE_UP
  }

  private final Context context;
  private final WebClient web;
  private final AppConfig.Rpc config;
  private final RpcObserver observer;
  private final List<Promise<Aria2Rpc>> waiting = new ArrayList<>();
  private Aria2Rpc current;
  private String sessionId;
  private Absence absence = Absence.UNKNOWN;
  private Consumer<Aria2Rpc> endpointListener = rpc -> {};

  public Aria2Client(Context context, WebClient web, AppConfig.Rpc config, RpcObserver observer) {
    this.context = context;
    this.web = web;
    this.config = config;
    this.observer = observer;
  }

  /** Called on this context each time a new aria2c becomes ready. */
  public Aria2Client onEndpoint(Consumer<Aria2Rpc> listener) {
    this.endpointListener = listener;
    return this;
  }

  /** The current aria2c's session id, or null while none is running. */
  public String sessionId() {
    return sessionId;
  }

  /** The current endpoint's client, or null while aria2c is not running. */
  public Aria2Rpc current() {
    return current;
  }

  @Override
  public boolean running() {
    return current != null;
  }

  @Override
  public Aria2RpcException stopped() {
    if (current != null || absence == Absence.COMING || absence == Absence.UNKNOWN) {
      return null;
    }
    return absence == Absence.GAVE_UP
        ? Aria2RpcException.notRunning(
            "aria2.addUri",
            true,
            "aria2c is not running: the supervisor is FAILED after too many restarts")
        : Aria2RpcException.notRunning("aria2.addUri", false, "aria2c is not running (STOPPED)");
  }

  @Override
  public Future<Object> call(Aria2Call call) {
    return retrying(() -> endpoint(call.method()).compose(rpc -> rpc.call(call, config.timeout())));
  }

  @Override
  public Future<List<Object>> multicall(List<Aria2Call> calls) {
    return retrying(
        () -> endpoint("system.multicall").compose(rpc -> rpc.multicall(calls, config.timeout())));
  }

  /** A multicall sent once, without waiting for aria2c or retrying: for periodic reads. */
  public Future<List<Object>> multicallOnce(List<Aria2Call> calls) {
    return current == null
        ? Future.failedFuture(
            Aria2RpcException.notRunning(
                "system.multicall", absence == Absence.GAVE_UP, "aria2c is not running"))
        : current.multicall(calls, config.timeout());
  }

  /**
   * Runs {@code attempt} on this context, again after each retryable failure, with backoff. The
   * first attempt is made at once when the caller is on this context (the usual case, and the only
   * one on the hot path); Mutiny takes over from the first retryable failure.
   */
  <T> Future<T> retrying(Supplier<Future<T>> attempt) {
    if (Vertx.currentContext() != context) {
      return withBackOff(attempt, null);
    }
    Future<T> first;
    try {
      first = attempt.get();
    } catch (RuntimeException e) {
      first = Future.failedFuture(e);
    }
    return config.retry().maxRetries() == 0
        ? first
        : first.recover(
            err -> isRetryable(err) ? withBackOff(attempt, err) : Future.failedFuture(err));
  }

  /**
   * Mutiny's retry with exponential backoff and jitter. When {@code firstFailure} is given, the
   * first attempt was made already and failed with it: the first subscription replays that failure,
   * so the first real retry comes after the first delay.
   */
  private <T> Future<T> withBackOff(Supplier<Future<T>> attempt, Throwable firstFailure) {
    AtomicReference<Throwable> replay = new AtomicReference<>(firstFailure);
    // Every real attempt after the first is a retry: counted here, exactly once each.
    AtomicBoolean first = new AtomicBoolean(firstFailure == null);
    Supplier<Future<T>> counted =
        () -> {
          Throwable known = replay.getAndSet(null);
          if (known != null) {
            return Future.failedFuture(known);
          }
          if (!first.compareAndSet(true, false)) {
            observer.retried();
          }
          return attempt.get();
        };
    Uni<T> once = MutinyBridge.toUni(counted).runSubscriptionOn(MutinyBridge.onContext(context));
    AppConfig.Retry r = config.retry();
    Uni<T> withRetry =
        r.maxRetries() == 0
            ? once
            : once.onFailure(Aria2Client::isRetryable)
                .retry()
                .withExecutor(MutinyBridge.backoffTimers())
                .withBackOff(atLeastOneMilli(r.initialDelay()), atLeastOneMilli(r.maxDelay()))
                .withJitter(r.jitter())
                .atMost(r.maxRetries());
    return MutinyBridge.toFuture(withRetry.emitOn(MutinyBridge.onContext(context)), context);
  }

  private static Duration atLeastOneMilli(Duration d) {
    return d.isZero() ? Duration.ofMillis(1) : d;
  }

  static boolean isRetryable(Throwable t) {
    return t instanceof Aria2RpcException e && e.isRetryable();
  }

  /**
   * The current endpoint, or one that arrives within {@code rpc.timeout} while aria2c (re)starts.
   */
  private Future<Aria2Rpc> endpoint(String method) {
    if (current != null) {
      return Future.succeededFuture(current);
    }
    switch (absence) {
      case GAVE_UP:
        return Future.failedFuture(
            Aria2RpcException.notRunning(
                method,
                true,
                "aria2c is not running: the supervisor is FAILED after too many restarts"));
      case COMING:
        break;
      default:
        return Future.failedFuture(
            Aria2RpcException.notRunning(method, false, "aria2c is not running (" + absence + ")"));
    }
    Promise<Aria2Rpc> p = Promise.promise();
    waiting.add(p);
    long ms = config.timeout().toMillis();
    return p.future()
        .timeout(ms, TimeUnit.MILLISECONDS)
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof java.util.concurrent.TimeoutException
                        ? Aria2RpcException.timeout("waiting for aria2c to start", ms)
                        : err));
  }

  /** A new aria2c is ready at {@code endpoint}: calls go there from now on, waiting ones first. */
  public void running(Aria2Endpoint endpoint, String sessionId) {
    current = new Aria2Rpc(web, endpoint, observer);
    this.sessionId = sessionId;
    List<Promise<Aria2Rpc>> ready = new ArrayList<>(waiting);
    waiting.clear();
    ready.forEach(p -> p.tryComplete(current));
    endpointListener.accept(current);
  }

  /** No aria2c answers now; waiting calls fail unless one is {@link Absence#COMING}. */
  public void unavailable(Absence why) {
    absence = why;
    current = null;
    sessionId = null;
    if (why != Absence.COMING) {
      List<Promise<Aria2Rpc>> failed = new ArrayList<>(waiting);
      waiting.clear();
      failed.forEach(
          p ->
              p.tryFail(
                  Aria2RpcException.notRunning(
                      "waiting for aria2c",
                      why == Absence.GAVE_UP,
                      "aria2c is not running (" + why + ")")));
    }
  }
}
