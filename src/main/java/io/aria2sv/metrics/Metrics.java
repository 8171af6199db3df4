package io.aria2sv.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * aria2-supervisor's own meters, in one Prometheus registry that {@code Main} also hands to Vert.x
 * (so {@code /metrics} shows both). Gauges read holders that the verticles update from their event
 * loops; a scrape reads them from another thread, hence atomics.
 */
public final class Metrics {
  private static final PrometheusMeterRegistry REGISTRY = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private static final String[] STATES = {"STOPPED", "STARTING", "RUNNING", "RESTARTING", "STOPPING", "FAILED"};
  private static final String[] STATUSES = {"waiting", "active", "paused", "retrying", "complete", "failed", "removed"};

  private static final AtomicReference<String> SUPERVISOR_STATE = new AtomicReference<>("STOPPED");
  private static final Map<String, AtomicInteger> DOWNLOADS = new ConcurrentHashMap<>();
  private static final AtomicLong DOWNLOAD_SPEED = new AtomicLong();
  private static final AtomicInteger SSE_CLIENTS = new AtomicInteger();
  private static final AtomicInteger REGISTRY_WRITABLE = new AtomicInteger(1);
  private static final AtomicInteger SESSION_SAFE = new AtomicInteger(1);

  static {
    for (String state : STATES) {
      Gauge.builder("aria2sv.supervisor.state", () -> state.equals(SUPERVISOR_STATE.get()) ? 1 : 0)
          .description("1 for the supervisor's current state").tag("state", state).register(REGISTRY);
    }
    for (String status : STATUSES) {
      AtomicInteger n = DOWNLOADS.computeIfAbsent(status, k -> new AtomicInteger());
      Gauge.builder("aria2sv.downloads", n, AtomicInteger::get)
          .description("downloads in the registry by status").tag("status", status).register(REGISTRY);
    }
    Gauge.builder("aria2sv.download.speed", DOWNLOAD_SPEED, AtomicLong::get)
        .description("aria2's global download speed").baseUnit("bytes.per.second").register(REGISTRY);
    Gauge.builder("aria2sv.sse.clients", SSE_CLIENTS, AtomicInteger::get)
        .description("connected Server-Sent-Events clients").register(REGISTRY);
    Gauge.builder("aria2sv.registry.writable", REGISTRY_WRITABLE, AtomicInteger::get)
        .description("1 while the registry (registry.db) can store, 0 while it cannot (disk full, read-only, locked, ...)")
        .register(REGISTRY);
    Gauge.builder("aria2sv.session.safe", SESSION_SAFE, AtomicInteger::get)
        .description("1 while aria2's session file can be saved, 0 while it is at risk (its file system is full)")
        .register(REGISTRY);
  }

  private Metrics() {}

  /** The registry behind {@code /metrics}. */
  public static PrometheusMeterRegistry registry() {
    return REGISTRY;
  }

  private static final Map<String, Timer> RPC_TIMERS = new ConcurrentHashMap<>();

  /** One JSON-RPC call: latency by method, and errors by kind and aria2 code. */
  public static void rpcCall(String method, long nanos, String errorKind, int aria2Code) {
    String outcome = errorKind == null ? "ok" : errorKind.toLowerCase(Locale.ROOT);
    // Looked up once per method and outcome: this runs for every call, on an event loop.
    RPC_TIMERS.computeIfAbsent(method + '\0' + outcome, k -> Timer.builder("aria2sv.rpc.latency")
            .description("aria2 JSON-RPC latency").tag("method", method).tag("outcome", outcome).register(REGISTRY))
        .record(nanos, TimeUnit.NANOSECONDS);
    if (errorKind != null) {
      Counter.builder("aria2sv.rpc.errors").description("failed aria2 JSON-RPC calls")
          .tag("kind", errorKind.toLowerCase(Locale.ROOT)).tag("code", Integer.toString(aria2Code))
          .register(REGISTRY).increment();
    }
  }

  /** A retried JSON-RPC call. */
  public static void rpcRetry() {
    Counter.builder("aria2sv.rpc.retries").description("JSON-RPC calls retried after a transport failure or timeout")
        .register(REGISTRY).increment();
  }

  /** A restart of aria2c, by reason: crash, hang, start-failure, requested. */
  public static void restart(String reason) {
    Counter.builder("aria2sv.supervisor.restarts").description("aria2c restarts by reason").tag("reason", reason)
        .register(REGISTRY).increment();
  }

  public static void supervisorState(String state) {
    SUPERVISOR_STATE.set(state);
  }

  /** A download moved from {@code from} (null when new) to {@code to} (null when forgotten). */
  public static void downloadStatus(String from, String to) {
    if (from != null) {
      DOWNLOADS.get(from).decrementAndGet();
    }
    if (to != null) {
      DOWNLOADS.get(to).incrementAndGet();
    }
  }

  /** Forgets every download count (a registry was closed). */
  public static void resetDownloads() {
    DOWNLOADS.values().forEach(n -> n.set(0));
  }

  /** An automatic or manual re-add of a failed download. */
  public static void reAdd(boolean automatic) {
    Counter.builder("aria2sv.downloads.readds").description("downloads added again after a failure")
        .tag("trigger", automatic ? "automatic" : "manual").register(REGISTRY).increment();
  }

  public static void downloadSpeed(long bytesPerSecond) {
    DOWNLOAD_SPEED.set(bytesPerSecond);
  }

  /** Whether the registry can store. */
  public static void registryWritable(boolean writable) {
    REGISTRY_WRITABLE.set(writable ? 1 : 0);
  }

  /** Whether aria2's session file can be saved. */
  public static void sessionSafe(boolean safe) {
    SESSION_SAFE.set(safe ? 1 : 0);
  }

  public static void sseClients(int delta) {
    SSE_CLIENTS.addAndGet(delta);
  }
}
