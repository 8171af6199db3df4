package io.aria2sv.jsonrpc;

import io.aria2sv.auth.Access;
import io.aria2sv.bus.Addresses;
import io.aria2sv.config.AppConfig;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2Client;
import io.aria2sv.rpc.SupervisorFollower;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * aria2's JSON-RPC served by the supervisor on {@code /jsonrpc} of its HTTP server, so aria2
 * front-ends (AriaNg, webui-aria2, aria2p, the npm {@code aria2} package) work through it: adds and
 * controls become the supervisor's own, reads come from aria2c and the registry. Made and closed by
 * the HTTP verticle, on its context.
 */
public final class JsonRpcGateway {
  private final WebClient web;
  private final SupervisorFollower follower;
  private final Notifier notifier;
  private final JsonRpcRoutes routes;
  private final GidMap gids = new GidMap();
  private final Vertx vertx;

  public JsonRpcGateway(Vertx vertx, AppConfig config, Metrics metrics, Access access) {
    this.vertx = vertx;
    this.web =
        WebClient.create(
            vertx,
            new WebClientOptions().setConnectTimeout(1000).setMetricsName("aria2-rpc-gateway"));
    Aria2Client aria2 = new Aria2Client(vertx.getOrCreateContext(), web, config.rpc(), metrics);
    this.follower = new SupervisorFollower(vertx, aria2);
    this.notifier = new Notifier(vertx, gids);
    Aria2Methods methods =
        new Aria2Methods(
            vertx,
            aria2,
            config.aria2().downloadDir().toAbsolutePath().normalize(),
            gids,
            config.rpc().timeout(),
            config.cluster().enabled() && vertx.isClustered() ? config.cluster().nodeName() : null);
    this.routes = new JsonRpcRoutes(methods, access, notifier);
  }

  /**
   * Mounts {@code /jsonrpc} and starts following aria2c; learns the GIDs of downloads added again.
   */
  public Future<Void> mount(Router router, long maxBodySize, java.time.Duration timeout) {
    routes.mount(router, maxBodySize);
    learnAll(0);
    return follower.start(timeout);
  }

  private void learnAll(int offset) {
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.DOWNLOADS_LIST, new JsonObject().put("offset", offset))
        .onSuccess(
            m -> {
              m.body().getJsonArray("downloads").forEach(d -> gids.learn((JsonObject) d));
              int next = offset + m.body().getInteger("limit");
              if (next < m.body().getInteger("total")) {
                learnAll(next);
              }
            });
  }

  public void close() {
    notifier.close();
    follower.stop();
    web.close();
  }
}
