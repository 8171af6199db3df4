package io.aria2sv.metrics;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.SupervisorState;
import io.aria2sv.rpc.Aria2RpcException;
import io.aria2sv.rpc.RpcObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * aria2-supervisor's own meters, in the Prometheus registry that {@code GET /metrics} serves. One
 * instance per deployment of the supervisor, handed to each verticle (and through them to the
 * classes that count). Gauges read holders that the verticles update from their event loops; a
 * scrape reads them from another thread, hence atomics. {@link #close} removes the gauges again, so
 * a later deployment in the same registry gets its own.
 */
public final class Metrics implements RpcObserver {
  private final PrometheusMeterRegistry registry;
  private final List<Meter> gauges = new ArrayList<>();
  private final AtomicReference<SupervisorState> supervisorState =
      new AtomicReference<>(SupervisorState.STOPPED);
  private final Map<DownloadStatus, AtomicInteger> downloads = new EnumMap<>(DownloadStatus.class);
  private final AtomicLong downloadSpeed = new AtomicLong();
  private final AtomicInteger sseClients = new AtomicInteger();
  private final AtomicInteger registryWritable = new AtomicInteger(1);
  private final AtomicInteger sessionSafe = new AtomicInteger(1);
  private final Map<String, Timer> rpcTimers = new ConcurrentHashMap<>();
  private AtomicInteger catalogPending;

  /** Meters in {@code registry}. */
  public Metrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    for (SupervisorState state : SupervisorState.values()) {
      gauges.add(
          Gauge.builder("aria2sv.supervisor.state", () -> state == supervisorState.get() ? 1 : 0)
              .description("1 for the supervisor's current state")
              .tag("state", state.name())
              .register(registry));
    }
    for (DownloadStatus status : DownloadStatus.values()) {
      AtomicInteger n = new AtomicInteger();
      downloads.put(status, n);
      gauges.add(
          Gauge.builder("aria2sv.downloads", n, AtomicInteger::get)
              .description("downloads in the registry by status")
              .tag("status", status.wire())
              .register(registry));
    }
    gauges.add(
        Gauge.builder("aria2sv.download.speed", downloadSpeed, AtomicLong::get)
            .description("aria2's global download speed")
            .baseUnit("bytes.per.second")
            .register(registry));
    gauges.add(
        Gauge.builder("aria2sv.sse.clients", sseClients, AtomicInteger::get)
            .description("connected Server-Sent-Events clients")
            .register(registry));
    gauges.add(
        Gauge.builder("aria2sv.registry.writable", registryWritable, AtomicInteger::get)
            .description(
                "1 while the registry (registry.db) can store, 0 while it cannot (disk full, read-only, locked, ...)")
            .register(registry));
    gauges.add(
        Gauge.builder("aria2sv.session.safe", sessionSafe, AtomicInteger::get)
            .description(
                "1 while aria2's session file can be saved, 0 while it is at risk (its file system is full)")
            .register(registry));
  }

  /**
   * Meters for a deployment on {@code vertx}'s side: in the Prometheus registry that Vert.x's own
   * metrics use when there is one (so {@code /metrics} shows both), else in a new one.
   */
  public static Metrics forVertxMetrics() {
    MeterRegistry vertx = BackendRegistries.getDefaultNow();
    return new Metrics(
        vertx instanceof PrometheusMeterRegistry p
            ? p
            : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** Meters in a registry of their own (tests, a verticle deployed alone). */
  public static Metrics standalone() {
    return new Metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** The registry behind {@code /metrics}. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void called(String method, long nanos, Aria2RpcException failure) {
    String outcome = failure == null ? "ok" : failure.kind().name().toLowerCase(Locale.ROOT);
    // Looked up once per method and outcome: this runs for every call, on an event loop.
    rpcTimers
        .computeIfAbsent(
            method + '\0' + outcome,
            k ->
                Timer.builder("aria2sv.rpc.latency")
                    .description("aria2 JSON-RPC latency")
                    .tag("method", method)
                    .tag("outcome", outcome)
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
    if (failure != null) {
      Counter.builder("aria2sv.rpc.errors")
          .description("failed aria2 JSON-RPC calls")
          .tag("kind", outcome)
          .tag("code", Integer.toString(failure.aria2Code()))
          .register(registry)
          .increment();
    }
  }

  @Override
  public void retried() {
    Counter.builder("aria2sv.rpc.retries")
        .description("JSON-RPC calls retried after a transport failure or timeout")
        .register(registry)
        .increment();
  }

  /** A restart of aria2c, by reason: crash, hang, start-failure, requested. */
  public void restart(String reason) {
    Counter.builder("aria2sv.supervisor.restarts")
        .description("aria2c restarts by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  public void supervisorState(SupervisorState state) {
    supervisorState.set(state);
  }

  /** A download moved from {@code from} (null when new) to {@code to} (null when forgotten). */
  public void downloadStatus(DownloadStatus from, DownloadStatus to) {
    if (from != null) {
      downloads.get(from).decrementAndGet();
    }
    if (to != null) {
      downloads.get(to).incrementAndGet();
    }
  }

  /** {@code n} downloads more (fewer, when negative) have {@code status}. */
  public void downloadsStatus(DownloadStatus status, int n) {
    downloads.get(status).addAndGet(n);
  }

  /** An automatic or manual re-add of a failed download. */
  public void reAdd(boolean automatic) {
    Counter.builder("aria2sv.downloads.readds")
        .description("downloads added again after a failure")
        .tag("trigger", automatic ? "automatic" : "manual")
        .register(registry)
        .increment();
  }

  public void downloadSpeed(long bytesPerSecond) {
    downloadSpeed.set(bytesPerSecond);
  }

  public void sseClients(int delta) {
    sseClients.addAndGet(delta);
  }

  /** Whether the registry can store. */
  public void registryWritable(boolean writable) {
    registryWritable.set(writable ? 1 : 0);
  }

  /** Whether aria2's session file can be saved. */
  public void sessionSafe(boolean safe) {
    sessionSafe.set(safe ? 1 : 0);
  }

  /** Removes this instance's gauges from the registry. */
  /**
   * The count of this node's downloads whose latest change is not yet in the cluster's catalog
   * (what a takeover reads): its gauge is registered at the first call, by a clustered node.
   */
  public synchronized AtomicInteger catalogPending() {
    if (catalogPending == null) {
      catalogPending = new AtomicInteger();
      gauges.add(
          Gauge.builder("aria2sv.cluster.catalog.pending", catalogPending, AtomicInteger::get)
              .description(
                  "downloads whose latest change is not yet written to the cluster's catalog"
                      + " (a node lost meanwhile hands over what the catalog holds)")
              .register(registry));
    }
    return catalogPending;
  }

  public void close() {
    gauges.forEach(registry::remove);
    gauges.clear();
  }
}
