package io.aria2sv;

import io.aria2sv.config.ConfigLoader;
import io.aria2sv.downloads.DownloadsVerticle;
import io.aria2sv.http.EventJournalVerticle;
import io.aria2sv.http.HttpVerticle;
import io.aria2sv.supervisor.SupervisorVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Deploys aria2-supervisor's verticles into a Vert.x instance in order, and undeploys them in
 * reverse order. This is the composition root that {@link Main} uses and that host applications
 * can use to embed the supervisor.
 */
public final class Aria2Supervisor {
  private final Vertx vertx;
  private final Deque<String> deployments = new ArrayDeque<>();

  private Aria2Supervisor(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Deploys the supervisor, the downloads service and the HTTP API. {@code config} holds any subset
   * of the configuration keys, shaped like {@code conf/config.yaml} (for example
   * {@code {"aria2":{"dataDir":"/var/lib/app/aria2"}}}); the rest come from the built-in defaults.
   * The future completes once aria2c is ready; it fails with a
   * {@link io.aria2sv.config.ConfigException} naming a bad key, or a {@link StartupException}; on
   * failure whatever was deployed is undeployed again.
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

  private static Future<Aria2Supervisor> deployEffective(Vertx vertx, JsonObject config, boolean withHttp) {
    Aria2Supervisor s = new Aria2Supervisor(vertx);
    return s.deployNext(new SupervisorVerticle(), SupervisorVerticle.options(config))
        .compose(id -> s.deployNext(new DownloadsVerticle(), DownloadsVerticle.options(config)))
        .compose(id -> withHttp ? s.deployNext(new EventJournalVerticle(), new DeploymentOptions()) : Future.succeededFuture(id))
        .compose(id -> withHttp ? s.deployHttp(config) : Future.succeededFuture(id))
        .map(s)
        .recover(err -> s.undeploy().transform(ar -> Future.failedFuture(err)));
  }

  private HttpVerticle http;

  private Future<String> deployHttp(JsonObject config) {
    http = new HttpVerticle();
    return deployNext(http, HttpVerticle.options(config));
  }

  /** The HTTP port actually bound (with {@code http.port: 0}), or -1 without HTTP. */
  public int httpPort() {
    return http == null ? -1 : http.actualPort();
  }

  private Future<String> deployNext(io.vertx.core.Deployable verticle, DeploymentOptions options) {
    return vertx.deployVerticle(verticle, options).onSuccess(deployments::push);
  }

  /**
   * Undeploys in the reverse order of deployment; aria2c is stopped gracefully. Deployments that
   * are already gone (Vert.x undeploys a verticle's children with it) are skipped.
   */
  public Future<Void> undeploy() {
    if (deployments.isEmpty()) {
      return Future.succeededFuture();
    }
    String id = deployments.pop();
    if (!vertx.deploymentIDs().contains(id)) {
      return undeploy();
    }
    return vertx.undeploy(id).transform(ar -> undeploy().compose(v -> ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(ar.cause())));
  }
}
