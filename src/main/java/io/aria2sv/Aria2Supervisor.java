package io.aria2sv;

import io.aria2sv.cluster.ClusterMember;
import io.aria2sv.cluster.ClusterNode;
import io.aria2sv.cluster.ClusterVertx;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.ClusterConfig;
import io.aria2sv.config.ConfigException;
import io.aria2sv.config.ConfigLoader;
import io.aria2sv.downloads.DownloadsVerticle;
import io.aria2sv.http.EventJournalVerticle;
import io.aria2sv.http.HttpVerticle;
import io.aria2sv.lifecycle.StartupException;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.schedule.ScheduleVerticle;
import io.aria2sv.supervisor.SupervisorVerticle;
import io.aria2sv.trackers.TrackersVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Deploys aria2-supervisor's verticles into a Vert.x instance in order, and undeploys them in
 * reverse order. This is the composition root that {@link Main} uses and that host applications can
 * use to embed the supervisor.
 */
public final class Aria2Supervisor {
  private final Vertx vertx;
  private static final int CLUSTER = 0;
  private static final int TRACKERS = 1;
  private static final int SCHEDULE = 2;
  private static final int SUPERVISOR = 3;
  private static final int DOWNLOADS = 4;
  private static final int JOURNAL = 5;
  private static final int HTTP = 6;

  /** Deployment ids by slot, in deployment order; undeployed from the last slot to the first. */
  private final AtomicReferenceArray<String> deployments = new AtomicReferenceArray<>(7);

  /** This deployment's meters, in the registry of Vert.x's own metrics when it has one. */
  private final Metrics metrics = Metrics.forVertxMetrics();

  private Aria2Supervisor(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * A Vert.x instance set up as the fat jar's: on Linux the native epoll transport, whose library
   * the jar carries (Vert.x falls back to Java NIO where it cannot be loaded; see {@link
   * #transportName}); and Vert.x's own metrics (HTTP server and clients, pools) in the registry
   * that {@code GET /metrics} serves, clients labelled by name. The event bus is not metered: it is
   * internal, and its meters cost every add a large share of its time. Applications that embed the
   * supervisor may use it or bring their own.
   */
  public static Vertx createVertx() {
    return builder(new VertxOptions()).build();
  }

  /**
   * As {@link #createVertx()}, clustered on Infinispan as {@code cluster} says (see {@link
   * ClusterVertx}); the future completes once this node joined.
   */
  public static Future<Vertx> createClusteredVertx(ClusterConfig cluster) {
    return ClusterVertx.join(Aria2Supervisor::builder, cluster);
  }

  private static VertxBuilder builder(VertxOptions options) {
    return Vertx.builder()
        .with(
            options
                .setPreferNativeTransport(true)
                .setMetricsOptions(
                    new MicrometerMetricsOptions()
                        .setEnabled(true)
                        .addLabels(Label.CLIENT_NAME)
                        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)))
        .withMetrics(
            new MicrometerMetricsFactory(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
  }

  /**
   * The transport {@code vertx} runs on, for the start-up log: {@code epoll}, or {@code nio} with
   * the reason the native one could not be loaded (for example a {@code noexec} temporary
   * directory, where Netty unpacks its library).
   */
  public static String transportName(Vertx vertx) {
    Transport wanted = Transport.nativeTransport();
    if (vertx.isNativeTransportEnabled()) {
      return wanted.name();
    }
    Throwable why = wanted == null ? null : wanted.unavailabilityCause();
    return why == null
        ? "nio"
        : "nio (native " + wanted.name() + " unavailable: " + why.getMessage() + ")";
  }

  /**
   * Deploys the supervisor, the downloads service and the HTTP API. {@code config} holds any subset
   * of the configuration keys, shaped like {@code conf/config.yaml} (for example {@code
   * {"aria2":{"dataDir":"/var/lib/app/aria2"}}}); the rest come from the built-in defaults. The
   * future completes once aria2c is ready; it fails with a {@link
   * io.aria2sv.config.ConfigException} naming a bad key, or a {@link StartupException}; on failure
   * whatever was deployed is undeployed again.
   */
  public static Future<Aria2Supervisor> deploy(Vertx vertx, JsonObject config) {
    return deploy(vertx, config, true);
  }

  /**
   * As {@link #deploy(Vertx, JsonObject)}; {@code withHttp} false leaves out the HTTP API, for
   * hosts that use the event bus only (see {@link Aria2SupervisorClient}).
   */
  public static Future<Aria2Supervisor> deploy(Vertx vertx, JsonObject config, boolean withHttp) {
    return ConfigLoader.forEmbedding(vertx, config, Path.of("").toAbsolutePath())
        .compose(effective -> deployEffective(vertx, effective, withHttp));
  }

  /**
   * The tracker lists and the schedule first (they hold option layers aria2c starts with), then the
   * supervisor (the others follow its aria2c); then the downloads service and the HTTP side, which
   * do not depend on each other, side by side. {@code join} waits for both even when one fails, so
   * nothing is left deployed behind a failure.
   */
  private static Future<Aria2Supervisor> deployEffective(
      Vertx vertx, JsonObject config, boolean withHttp) {
    Aria2Supervisor s = new Aria2Supervisor(vertx);
    boolean clustered = AppConfig.from(config).cluster().enabled();
    if (clustered && !vertx.isClustered()) {
      return Future.failedFuture(
          new ConfigException(
              "cluster.enabled",
              "needs a clustered Vert.x: create it with "
                  + "Aria2Supervisor.createClusteredVertx"));
    }
    ClusterNode node = clustered ? new ClusterNode() : null;
    // unusable TLS files stop start-up before anything runs, not after aria2c started
    Future<Void> checked =
        withHttp ? HttpVerticle.checkTls(vertx, AppConfig.from(config)) : Future.succeededFuture();
    Future<Void> joined =
        checked.compose(
            v ->
                clustered
                    ? s.deploySlot(CLUSTER, node, ClusterNode.options(config))
                    : Future.succeededFuture());
    return joined
        // the option layers first: the supervisor's first aria2c starts with them
        .compose(
            x -> s.deploySlot(TRACKERS, new TrackersVerticle(), TrackersVerticle.options(config)))
        .compose(
            x -> s.deploySlot(SCHEDULE, new ScheduleVerticle(), ScheduleVerticle.options(config)))
        .compose(
            x ->
                s.deploySlot(
                    SUPERVISOR,
                    new SupervisorVerticle(s.metrics),
                    SupervisorVerticle.options(config)))
        .compose(
            v ->
                Future.join(
                    s.deploySlot(
                            DOWNLOADS,
                            new DownloadsVerticle(s.metrics, ClusterMember::new),
                            DownloadsVerticle.options(config))
                        .compose(x -> node == null ? Future.succeededFuture() : node.settled()),
                    withHttp
                        ? s.deploySlot(JOURNAL, new EventJournalVerticle(), new DeploymentOptions())
                            .compose(x -> s.deployHttp(config))
                        : Future.succeededFuture()))
        .map(s)
        .recover(err -> s.undeploy().transform(ar -> Future.failedFuture(err)));
  }

  private volatile HttpVerticle http;

  private Future<Void> deployHttp(JsonObject config) {
    HttpVerticle verticle = new HttpVerticle(metrics);
    return deploySlot(HTTP, verticle, HttpVerticle.options(config)).onSuccess(v -> http = verticle);
  }

  /** The HTTP port actually bound (with {@code http.port: 0}), or -1 without HTTP. */
  public int httpPort() {
    return http == null ? -1 : http.actualPort();
  }

  private Future<Void> deploySlot(
      int slot, io.vertx.core.Deployable verticle, DeploymentOptions options) {
    return vertx
        .deployVerticle(verticle, options)
        .onSuccess(id -> deployments.set(slot, id))
        .mapEmpty();
  }

  /**
   * Undeploys in the reverse order of deployment; aria2c is stopped gracefully. Deployments that
   * are already gone (Vert.x undeploys a verticle's children with it) are skipped.
   */
  public Future<Void> undeploy() {
    return undeployFrom(HTTP)
        .eventually(
            () -> {
              metrics.close();
              return Future.succeededFuture();
            });
  }

  private Future<Void> undeployFrom(int slot) {
    if (slot < 0) {
      return Future.succeededFuture();
    }
    String id = deployments.getAndSet(slot, null);
    if (id == null || !vertx.deploymentIDs().contains(id)) {
      return undeployFrom(slot - 1);
    }
    return vertx
        .undeploy(id)
        .transform(
            ar ->
                undeployFrom(slot - 1)
                    .compose(
                        v ->
                            ar.succeeded()
                                ? Future.succeededFuture()
                                : Future.failedFuture(ar.cause())));
  }
}
