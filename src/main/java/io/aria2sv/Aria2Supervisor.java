package io.aria2sv;

import io.aria2sv.downloads.DownloadsVerticle;
import io.aria2sv.http.EventJournalVerticle;
import io.aria2sv.http.HttpVerticle;
import io.aria2sv.supervisor.SupervisorVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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
   * Deploys the supervisor with an effective configuration (see
   * {@link io.aria2sv.config.ConfigLoader}). The future completes once aria2c is ready; on failure
   * whatever was deployed is undeployed again.
   */
  public static Future<Aria2Supervisor> deploy(Vertx vertx, JsonObject config) {
    return deploy(vertx, config, true);
  }

  /**
   * As {@link #deploy(Vertx, JsonObject)}; {@code withHttp} false leaves out the HTTP API, for
   * hosts that use the event bus only.
   */
  public static Future<Aria2Supervisor> deploy(Vertx vertx, JsonObject config, boolean withHttp) {
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

  /** Undeploys in the reverse order of deployment; aria2c is stopped gracefully. */
  public Future<Void> undeploy() {
    if (deployments.isEmpty()) {
      return Future.succeededFuture();
    }
    String id = deployments.pop();
    return vertx.undeploy(id).transform(ar -> undeploy().compose(v -> ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(ar.cause())));
  }
}
