package io.aria2sv.http;

import io.aria2sv.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * What runs the service unattended, under {@code /api/v1}: the categories ({@code GET}, {@code PUT
 * …/{name}}, {@code DELETE …/{name}}), a download's completion step run again, the schedule ({@code
 * GET}, {@code PUT} to replace its rules, {@code DELETE} to go back to those of the configuration)
 * and the tracker lists ({@code GET}, {@code POST …/refresh}). Answers come from the bus.
 */
final class OperationRoutes {
  private final Vertx vertx;
  private final DeliveryOptions quick;
  private final DeliveryOptions fetching =
      new DeliveryOptions().setSendTimeout(120_000).setLocalOnly(true);

  OperationRoutes(Vertx vertx, java.time.Duration requestTimeout) {
    this.vertx = vertx;
    this.quick = new DeliveryOptions().setSendTimeout(requestTimeout.toMillis()).setLocalOnly(true);
  }

  void mount(Router router) {
    String base = ApiRoutes.BASE;
    router
        .get(base + "/schedules")
        .handler(ctx -> forward(ctx, Addresses.SCHEDULES_GET, new JsonObject(), quick));
    router
        .put(base + "/schedules")
        .consumes("application/json")
        .handler(
            ctx -> {
              JsonObject body = ApiRoutes.jsonBody(ctx);
              if (body != null) {
                forward(ctx, Addresses.SCHEDULES_PUT, body, quick);
              }
            });
    router
        .delete(base + "/schedules")
        .handler(ctx -> forward(ctx, Addresses.SCHEDULES_DELETE, new JsonObject(), quick));
    router
        .get(base + "/categories")
        .handler(ctx -> forward(ctx, Addresses.CATEGORIES_GET, new JsonObject(), quick));
    router
        .put(base + "/categories/:name")
        .consumes("application/json")
        .handler(
            ctx -> {
              JsonObject body = ApiRoutes.jsonBody(ctx);
              if (body != null) {
                forward(
                    ctx,
                    Addresses.CATEGORIES_PUT,
                    new JsonObject().put("name", ctx.pathParam("name")).put("category", body),
                    quick);
              }
            });
    router
        .delete(base + "/categories/:name")
        .handler(
            ctx ->
                forward(
                    ctx,
                    Addresses.CATEGORIES_DELETE,
                    new JsonObject().put("name", ctx.pathParam("name")),
                    quick));
    router
        .post(base + "/downloads/:id/completion/retry")
        .handler(
            ctx ->
                forward(
                    ctx,
                    Addresses.DOWNLOADS_COMPLETION_RETRY,
                    new JsonObject().put("id", ctx.pathParam("id")),
                    quick));
    router
        .get(base + "/webhooks/deliveries")
        .handler(
            ctx -> {
              JsonObject q = new JsonObject();
              String download = ctx.request().getParam("download");
              if (download != null) {
                q.put("downloadId", download);
              }
              String limit = ctx.request().getParam("limit");
              if (limit != null) {
                q.put(
                    "limit", limit.matches("[0-9]{1,4}") ? (Object) Integer.valueOf(limit) : limit);
              }
              forward(ctx, Addresses.WEBHOOKS_DELIVERIES, q, quick);
            });
    router
        .post(base + "/webhooks/deliveries/:id/redeliver")
        .handler(
            ctx ->
                forward(
                    ctx,
                    Addresses.WEBHOOKS_REDELIVER,
                    new JsonObject().put("id", ctx.pathParam("id")),
                    quick));
    router
        .get(base + "/trackers")
        .handler(ctx -> forward(ctx, Addresses.TRACKERS_STATUS, new JsonObject(), quick));
    router
        .post(base + "/trackers/refresh")
        .handler(ctx -> forward(ctx, Addresses.TRACKERS_REFRESH, new JsonObject(), fetching));
  }

  private void forward(
      RoutingContext ctx, String address, JsonObject body, DeliveryOptions options) {
    vertx
        .eventBus()
        .<JsonObject>request(address, body, options)
        .onSuccess(reply -> ApiRoutes.json(ctx, 200, reply.body()))
        .onFailure(err -> ErrorResponses.fromBus(ctx, err));
  }
}
