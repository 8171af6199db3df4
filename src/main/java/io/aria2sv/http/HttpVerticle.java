package io.aria2sv.http;

import io.aria2sv.auth.Access;
import io.aria2sv.bus.Addresses;
import io.aria2sv.config.AppConfig;
import io.aria2sv.jsonrpc.JsonRpcGateway;
import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.lifecycle.StartupException;
import io.aria2sv.metrics.Metrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face: REST under {@code /api/v1}, Server-Sent Events, health, Prometheus metrics, the
 * OpenAPI document and the dashboard. Routes only: every answer comes from the event bus.
 */
public final class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  static final Set<HttpMethod> API_METHODS =
      Set.of(
          HttpMethod.GET,
          HttpMethod.POST,
          HttpMethod.PUT,
          HttpMethod.PATCH,
          HttpMethod.DELETE,
          HttpMethod.OPTIONS);

  private final Metrics metrics;
  private JsonRpcGateway gateway;
  private HttpServer server;
  private SseRoutes sse;
  private Router router;
  private TlsFiles tlsFiles;

  /** A verticle with meters of its own. */
  public HttpVerticle() {
    this(Metrics.standalone());
  }

  /** A verticle whose {@code /metrics} serves {@code metrics}' registry. */
  public HttpVerticle(Metrics metrics) {
    this.metrics = metrics;
  }

  /** A deployment of this verticle with the effective configuration. */
  public static DeploymentOptions options(JsonObject config) {
    return new DeploymentOptions().setConfig(config);
  }

  /**
   * Reads and checks the TLS files of {@code config} (when TLS is on) on a worker: fails with a
   * {@link io.aria2sv.config.ConfigException} naming the key, as the verticle's start would, so
   * that nothing starts with files that cannot be served.
   */
  public static Future<Void> checkTls(io.vertx.core.Vertx vertx, AppConfig config) {
    AppConfig.Http http = config.http();
    if (!http.tls().enabled()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> TlsFiles.load(vertx, http.tls()), false).mapEmpty();
  }

  /** The router, for tests that compare it with the OpenAPI document. */
  public Router router() {
    return router;
  }

  /** The port actually bound. */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.from(config());
    AppConfig.Http http = config.http();
    sse = new SseRoutes(vertx, http.ssePingInterval().toMillis(), metrics);
    router = Router.router(vertx);

    if (!http.corsOrigins().isEmpty()) {
      router
          .route()
          .handler(
              CorsHandler.create()
                  .addOrigins(http.corsOrigins())
                  .allowedMethods(API_METHODS)
                  .allowedHeaders(
                      Set.of("Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID")));
    }
    Access access = new Access(http);
    if (access.enabled()) {
      AuthHandler auth = new AuthHandler(access);
      router.route(ApiRoutes.BASE + "/*").handler(auth::handle);
      if (http.tokenForHealthAndMetrics()) {
        router.route("/health/*").handler(auth::handle);
        router.route("/metrics").handler(auth::handle);
      }
    }
    HealthRoutes.mount(router, vertx, config.supervisor().healthTimeout());
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));
    BodyHandler json = BodyHandler.create(false).setBodyLimit(http.maxBodySize());
    // .torrent and metalink uploads: written to the data directory, deleted once answered
    BodyHandler uploads =
        BodyHandler.create(config.aria2().dataDir().resolve("uploads").toString())
            .setBodyLimit(http.maxBodySize())
            .setDeleteUploadedFilesOnEnd(true);
    router
        .route(ApiRoutes.BASE + "/*")
        .handler(
            ctx -> {
              String type = ctx.request().getHeader("Content-Type");
              (type != null
                          && type.toLowerCase(java.util.Locale.ROOT)
                              .startsWith("multipart/form-data")
                      ? uploads
                      : json)
                  .handle(ctx);
            });
    router.get(ApiRoutes.BASE + "/events").handler(sse::handle);
    router
        .get(ApiRoutes.BASE + "/openapi.yaml")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/yaml")
                    .sendFile("aria2sv/openapi.yaml"));
    Duration requestTimeout = config.rpc().timeout().plus(config.supervisor().healthTimeout());
    new ApiRoutes(vertx, requestTimeout).mount(router);
    new OperationRoutes(vertx, requestTimeout).mount(router);
    if (!config.cluster().enabled()) {
      // A single supervisor is a cluster of itself alone; in a cluster the ClusterNode answers.
      String node = config.cluster().nodeName();
      vertx
          .eventBus()
          .<JsonObject>localConsumer(
              Addresses.CLUSTER_STATUS,
              m ->
                  m.reply(
                      new JsonObject()
                          .put("enabled", false)
                          .put("node", node)
                          .put("live", new io.vertx.core.json.JsonArray().add(node))
                          .put("lost", new io.vertx.core.json.JsonArray())));
    }
    gateway = new JsonRpcGateway(vertx, config, metrics, access);
    Future<Void> following = gateway.mount(router, http.maxBodySize(), config.rpc().timeout());
    router.get("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));

    for (int status : List.of(400, 401, 404, 405, 413, 415, 500)) {
      router.errorHandler(
          status,
          ctx -> {
            if (status == 500 && ctx.failure() != null) {
              LOG.error(
                  "unexpected failure on {} {}",
                  ctx.request().method(),
                  ctx.request().path(),
                  ctx.failure());
            }
            ErrorResponses.send(ctx, status, ErrorResponses.codeFor(status), message(status, ctx));
          });
    }

    // Closes connections left idle (a client gone without a word); event streams are kept busy by
    // their pings, and a request waiting for its answer is given all the time it may take.
    long idle =
        Math.max(
            http.idleTimeout().toMillis(), ApiRoutes.longest(requestTimeout).toMillis() + 1000);
    HttpServerOptions serverOptions =
        new HttpServerOptions()
            .setIdleTimeout((int) idle)
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    tlsFiles = http.tls().enabled() ? new TlsFiles(vertx, http.tls()) : null;
    return following
        .compose(
            v ->
                tlsFiles == null
                    ? Future.succeededFuture(serverOptions)
                    : tlsFiles.serverOptions(serverOptions))
        .compose(
            options ->
                vertx
                    .createHttpServer(options)
                    .requestHandler(router)
                    .listen(http.port(), http.host())
                    .recover(err -> Future.failedFuture(listenFailure(http, err))))
        .onSuccess(
            s -> {
              server = s;
              if (tlsFiles != null) {
                tlsFiles.watch(s);
              }
              LOG.info(
                  "HTTP API listening on {}://{}:{}/ (dashboard at /, API at {}, auth {})",
                  tlsFiles == null ? "http" : "https",
                  http.host(),
                  s.actualPort(),
                  ApiRoutes.BASE,
                  access.enabled() ? "on" : "off");
            });
  }

  /**
   * Why the API cannot listen, naming the keys: the port held by another socket, or the address or
   * port refused (an address this machine does not have, a port below 1024 without the right).
   */
  private static StartupException listenFailure(AppConfig.Http http, Throwable err) {
    // Java NIO says "Address already in use"; Netty's epoll "bind(..) failed with error(-98):
    // Address already in use".
    String why =
        String.valueOf(err.getMessage())
            .replaceFirst("^bind\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "");
    if (why.equals("Address already in use")) {
      return new StartupException(
          ExitCodes.FAILURE,
          "HTTP port "
              + http.port()
              + " (http.port) is already in use on "
              + http.host()
              + " by another process; free it or set http.port to another port (0 picks a free one)");
    }
    return new StartupException(
        ExitCodes.FAILURE,
        "the HTTP API cannot listen on "
            + http.host()
            + ":"
            + http.port()
            + " (http.host, http.port): "
            + why);
  }

  @Override
  public Future<?> stop() {
    sse.close();
    if (tlsFiles != null) {
      tlsFiles.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  private static String message(int status, RoutingContext ctx) {
    return switch (status) {
      case 404 -> "no such resource: " + ctx.request().path();
      case 405 -> ctx.request().method() + " is not allowed on " + ctx.request().path();
      case 413 -> "request body too large";
      case 415 -> "Content-Type must be application/json";
      case 401 -> "a bearer token is required";
      case 400 -> "bad request";
      default -> "internal error";
    };
  }
}
