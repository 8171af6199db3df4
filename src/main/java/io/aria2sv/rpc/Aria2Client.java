package io.aria2sv.rpc;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.config.AppConfig;
import io.aria2sv.metrics.Metrics;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
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
 * aria2 JSON-RPC for code that lives beside the supervisor: it follows the supervisor's current
 * endpoint (port and secret arrive as local-only bus events), waits while aria2c is (re)starting,
 * fails fast while it is stopped or FAILED, and retries transport failures and timeouts with
 * exponential backoff and jitter ({@code rpc.retry.*}). aria2's own errors are not retried.
 *
 * <p>Confined to the context that created it: Mutiny schedules retries on its own pool, so each
 * attempt is subscribed on this context and every result is emitted back onto it.
 */
public final class Aria2Client {
  private final Vertx vertx;
  private final Context context;
  private final WebClient web;
  private final AppConfig.Rpc config;
  private final List<Promise<Aria2Rpc>> waiting = new ArrayList<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private Aria2Rpc current;
  private String sessionId;
  private String state = "UNKNOWN";
  private Consumer<Aria2Rpc> endpointListener = rpc -> {};

  public Aria2Client(Vertx vertx, Context context, WebClient web, AppConfig.Rpc config) {
    this.vertx = vertx;
    this.context = context;
    this.web = web;
    this.config = config;
  }

  /** Called on this context each time a new aria2c becomes ready. */
  public Aria2Client onEndpoint(Consumer<Aria2Rpc> listener) {
    this.endpointListener = listener;
    return this;
  }

  /** Starts following the supervisor; completes once the current state is known. */
  public Future<Void> start() {
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.EVENTS_SUPERVISOR_ENDPOINT, m -> setEndpoint(m.body())));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_SUPERVISOR, m -> {
      if ("state-changed".equals(m.body().getString("type"))) {
        onState(m.body().getString("to"));
      }
    }));
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(config.timeout().toMillis());
    return vertx.eventBus().<JsonObject>request(Addresses.SUPERVISOR_ENDPOINT, new JsonObject(), quick)
        .onSuccess(m -> {
          state = "RUNNING";
          setEndpoint(m.body());
        })
        .recover(err -> vertx.eventBus().<JsonObject>request(Addresses.SUPERVISOR_STATUS, new JsonObject(), quick)
            .onSuccess(m -> onState(m.body().getString("state"))))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /** Stops following; pending requests fail. */
  public void stop() {
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
    onState("STOPPED");
  }

  /** The current aria2c's session id, or null while none is running. */
  public String sessionId() {
    return sessionId;
  }

  /** The current endpoint's client, or null while aria2c is not running. */
  public Aria2Rpc current() {
    return current;
  }

  /** Calls {@code method}, waiting for aria2c and retrying transport failures. */
  public Future<Object> call(String method, Object... params) {
    return retrying(() -> endpoint().compose(rpc -> rpc.call(method, config.timeout(), params)));
  }

  /** {@link #call} for a JSON object result. */
  public Future<JsonObject> callObject(String method, Object... params) {
    return call(method, params).map(JsonObject.class::cast);
  }

  /** A multicall, waiting for aria2c and retrying transport failures (see {@link Aria2Rpc#multicall}). */
  public Future<List<Object>> multicall(List<JsonObject> calls) {
    return retrying(() -> endpoint().compose(rpc -> rpc.multicall(calls, config.timeout())));
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
        : first.recover(err -> isRetryable(err) ? withBackOff(attempt, err) : Future.failedFuture(err));
  }

  /**
   * Mutiny's retry with exponential backoff and jitter. When {@code firstFailure} is given, the
   * first attempt was made already and failed with it: the first subscription replays that
   * failure, so the first real retry comes after the first delay.
   */
  private <T> Future<T> withBackOff(Supplier<Future<T>> attempt, Throwable firstFailure) {
    AtomicReference<Throwable> replay = new AtomicReference<>(firstFailure);
    // Every real attempt after the first is a retry: counted here, exactly once each.
    AtomicBoolean first = new AtomicBoolean(firstFailure == null);
    Supplier<Future<T>> counted = () -> {
      Throwable known = replay.getAndSet(null);
      if (known != null) {
        return Future.failedFuture(known);
      }
      if (!first.compareAndSet(true, false)) {
        Metrics.rpcRetry();
      }
      return attempt.get();
    };
    Uni<T> once = MutinyBridge.toUni(counted).runSubscriptionOn(MutinyBridge.onContext(context));
    AppConfig.Retry r = config.retry();
    Uni<T> withRetry = r.maxRetries() == 0
        ? once
        : once.onFailure(Aria2Client::isRetryable)
            .retry()
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

  /** The current endpoint, or one that arrives within {@code rpc.timeout} while aria2c (re)starts. */
  private Future<Aria2Rpc> endpoint() {
    if (current != null) {
      return Future.succeededFuture(current);
    }
    if ("STOPPED".equals(state) || "UNKNOWN".equals(state)) {
      return Future.failedFuture(BusReplies.failure(ErrorCode.NOT_RUNNING, "aria2c is not running (supervisor state " + state + ")"));
    }
    if ("FAILED".equals(state)) {
      return Future.failedFuture(BusReplies.failure(ErrorCode.SUPERVISOR_FAILED,
          "aria2c is not running: the supervisor is FAILED after too many restarts"));
    }
    Promise<Aria2Rpc> p = Promise.promise();
    waiting.add(p);
    long ms = config.timeout().toMillis();
    return p.future()
        .timeout(ms, TimeUnit.MILLISECONDS)
        .recover(err -> Future.failedFuture(err instanceof java.util.concurrent.TimeoutException
            ? Aria2RpcException.timeout("waiting for aria2c (supervisor " + state + ")", ms)
            : err));
  }

  private void setEndpoint(JsonObject json) {
    current = new Aria2Rpc(web, Aria2Endpoint.fromJson(json));
    sessionId = json.getString("sessionId");
    state = "RUNNING";
    List<Promise<Aria2Rpc>> ready = new ArrayList<>(waiting);
    waiting.clear();
    ready.forEach(p -> p.tryComplete(current));
    endpointListener.accept(current);
  }

  private void onState(String to) {
    state = to;
    if (!"RUNNING".equals(to)) {
      current = null;
      sessionId = null;
    }
    if ("STOPPED".equals(to) || "FAILED".equals(to)) {
      List<Promise<Aria2Rpc>> failed = new ArrayList<>(waiting);
      waiting.clear();
      ErrorCode code = "FAILED".equals(to) ? ErrorCode.SUPERVISOR_FAILED : ErrorCode.NOT_RUNNING;
      failed.forEach(p -> p.tryFail(BusReplies.failure(code, "aria2c is not running (supervisor state " + to + ")")));
    }
  }
}
