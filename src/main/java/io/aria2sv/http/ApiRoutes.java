package io.aria2sv.http;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.downloads.request.Intake;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;

/**
 * The REST API under {@code /api/v1}: each route turns the request into a bus request and the reply
 * into JSON. It holds no download state. Route table first, then one small handler per route.
 */
final class ApiRoutes {
  static final String BASE = "/api/v1";

  /**
   * Adds may wait for aria2c to come back from a restart (RPC retries with backoff): this many
   * request timeouts.
   */
  static final int SLOW_FACTOR = 6;

  private final Vertx vertx;
  private final DeliveryOptions quick;
  private final DeliveryOptions slow;

  ApiRoutes(Vertx vertx, Duration requestTimeout) {
    this.vertx = vertx;
    this.quick = new DeliveryOptions().setSendTimeout(requestTimeout.toMillis()).setLocalOnly(true);
    this.slow =
        new DeliveryOptions().setSendTimeout(longest(requestTimeout).toMillis()).setLocalOnly(true);
  }

  /** The longest any request may wait for its answer. */
  static Duration longest(Duration requestTimeout) {
    return requestTimeout.multipliedBy(SLOW_FACTOR);
  }

  void mount(Router router) {
    router
        .get(BASE + "/supervisor")
        .handler(ctx -> forward(ctx, Addresses.SUPERVISOR_STATUS, new JsonObject(), 200));
    router
        .post(BASE + "/supervisor/start")
        .handler(ctx -> control(ctx, Addresses.SUPERVISOR_START));
    router.post(BASE + "/supervisor/stop").handler(ctx -> control(ctx, Addresses.SUPERVISOR_STOP));
    router
        .post(BASE + "/supervisor/restart")
        .handler(ctx -> control(ctx, Addresses.SUPERVISOR_RESTART));
    router.get(BASE + "/stats").handler(this::stats);
    router
        .get(BASE + "/cluster")
        .handler(ctx -> forward(ctx, Addresses.CLUSTER_STATUS, new JsonObject(), 200));
    router
        .get(BASE + "/options")
        .handler(ctx -> forward(ctx, Addresses.SUPERVISOR_OPTIONS, new JsonObject(), 200));
    router.patch(BASE + "/options").consumes("application/json").handler(this::setOptions);
    router.post(BASE + "/downloads").consumes("application/json").handler(this::addDownload);
    router.post(BASE + "/downloads").consumes("multipart/form-data").handler(this::upload);
    router.post(BASE + "/batches").consumes("multipart/form-data").handler(this::upload);
    router.get(BASE + "/downloads").handler(this::listDownloads);
    router
        .post(BASE + "/downloads/pause-all")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_PAUSE_ALL, new JsonObject(), 200, slow));
    router
        .post(BASE + "/downloads/resume-all")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_RESUME_ALL, new JsonObject(), 200, slow));
    router
        .post(BASE + "/downloads/bulk")
        .handler(
            ctx -> {
              JsonObject body = jsonBody(ctx);
              if (body != null) {
                forward(ctx, Addresses.DOWNLOADS_BULK, body, 200, slow);
              }
            });
    router
        .post(BASE + "/downloads/purge")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_PURGE, new JsonObject(), 200));
    router
        .get(BASE + "/downloads/:id")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_GET, idBody(ctx), 200));
    router
        .patch(BASE + "/downloads/:id")
        .consumes("application/json")
        .handler(ctx -> withBody(ctx, Addresses.DOWNLOADS_CHANGE));
    router
        .post(BASE + "/downloads/:id/stop-seeding")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_STOP_SEEDING, idBody(ctx), 200));
    router
        .get(BASE + "/downloads/:id/peers")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_PEERS, idBody(ctx), 200));
    router
        .get(BASE + "/downloads/:id/files")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_FILES, idBody(ctx), 200));
    router
        .post(BASE + "/downloads/:id/position")
        .consumes("application/json")
        .handler(ctx -> withBody(ctx, Addresses.DOWNLOADS_POSITION));
    router
        .post(BASE + "/downloads/:id/pause")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_PAUSE, idBody(ctx), 200));
    router
        .post(BASE + "/downloads/:id/resume")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_RESUME, idBody(ctx), 200));
    router
        .post(BASE + "/downloads/:id/retry")
        .handler(ctx -> forward(ctx, Addresses.DOWNLOADS_RETRY, idBody(ctx), 200));
    router.delete(BASE + "/downloads/:id").handler(this::removeDownload);
    router.post(BASE + "/batches").consumes("application/json").handler(this::addBatch);
    router
        .get(BASE + "/batches/:id")
        .handler(ctx -> forward(ctx, Addresses.BATCHES_GET, idBody(ctx), 200));
  }

  private void stats(RoutingContext ctx) {
    request(Addresses.SUPERVISOR_DETAILS, new JsonObject(), quick)
        .map(
            d ->
                new JsonObject()
                    .put("globalStat", d.getJsonObject("globalStat"))
                    .put("activeDownloads", d.getInteger("activeDownloads"))
                    .put("version", d.getJsonObject("aria2").getString("version")))
        .onSuccess(body -> json(ctx, 200, body))
        .onFailure(err -> ErrorResponses.fromBus(ctx, err));
  }

  /** 202 at once with the current status; the action goes on in the supervisor. */
  private void control(RoutingContext ctx, String address) {
    vertx
        .eventBus()
        .request(
            address,
            new JsonObject(),
            new DeliveryOptions().setSendTimeout(120_000).setLocalOnly(true));
    request(Addresses.SUPERVISOR_STATUS, new JsonObject(), quick)
        .onSuccess(
            status ->
                json(
                    ctx,
                    202,
                    new JsonObject()
                        .put("accepted", address.substring(address.lastIndexOf('.') + 1))
                        .put("status", status)))
        .onFailure(err -> ErrorResponses.fromBus(ctx, err));
  }

  /** The body is {@code {name: value|null}}: the global options to change. */
  private void setOptions(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body != null) {
      forward(ctx, Addresses.SUPERVISOR_SET_OPTIONS, new JsonObject().put("options", body), 200);
    }
  }

  private void addDownload(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    JsonObject batch = Intake.asBatch(body);
    if (batch != null) {
      create(ctx, Addresses.BATCHES_ADD, batch, "/batches/");
      return;
    }
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key != null && !body.containsKey("requestId")) {
      body.put("requestId", key);
    }
    create(ctx, Addresses.DOWNLOADS_ADD, body, "/downloads/");
  }

  /**
   * A {@code multipart/form-data} add: one file part named {@code torrent} (a download) or {@code
   * metalink} (a batch), and optional fields {@code dir}, {@code options} (JSON) and {@code
   * requestId}, as in the JSON body.
   */
  private void upload(RoutingContext ctx) {
    List<FileUpload> parts = ctx.fileUploads();
    if (parts.size() != 1 || !List.of("torrent", "metalink").contains(parts.get(0).name())) {
      ErrorResponses.send(
          ctx, ErrorCode.BAD_REQUEST, "body: one file part named torrent or metalink is required");
      return;
    }
    FileUpload part = parts.get(0);
    JsonObject body = new JsonObject();
    for (String field : ctx.request().formAttributes().names()) {
      String value = ctx.request().getFormAttribute(field);
      if (field.equals("options")) {
        try {
          body.put(field, new JsonObject(value));
        } catch (DecodeException e) {
          ErrorResponses.send(
              ctx, ErrorCode.BAD_REQUEST, "options: must be a JSON object of aria2 option: value");
          return;
        }
      } else {
        body.put(field, value);
      }
    }
    vertx
        .fileSystem()
        .readFile(part.uploadedFileName())
        .onComplete(
            read -> {
              if (read.failed()) {
                ErrorResponses.send(
                    ctx, ErrorCode.BAD_REQUEST, part.name() + ": the upload could not be read");
                return;
              }
              body.put(
                  part.name(),
                  java.util.Base64.getEncoder().encodeToString(read.result().getBytes()));
              boolean metalink = part.name().equals("metalink");
              create(
                  ctx,
                  metalink ? Addresses.BATCHES_ADD : Addresses.DOWNLOADS_ADD,
                  body,
                  metalink ? "/batches/" : "/downloads/");
            });
  }

  private void addBatch(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    create(ctx, Addresses.BATCHES_ADD, body, "/batches/");
  }

  /** 201 with a Location under {@code collection} named by the reply's id. */
  private void create(RoutingContext ctx, String address, JsonObject body, String collection) {
    request(address, body, slow)
        .onSuccess(
            created -> {
              ctx.response().putHeader("Location", BASE + collection + created.getString("id"));
              json(ctx, 201, created);
            })
        .onFailure(err -> ErrorResponses.fromBus(ctx, err));
  }

  /** The query parameters of the downloads list; any other is refused. */
  private static final java.util.Set<String> LIST_PARAMETERS =
      java.util.Set.of("status", "batch", "name", "category", "order", "offset", "limit", "token");

  private void listDownloads(RoutingContext ctx) {
    for (String param : ctx.queryParams().names()) {
      if (!LIST_PARAMETERS.contains(param)) {
        ErrorResponses.send(
            ctx,
            ErrorCode.BAD_REQUEST,
            "query parameter "
                + param
                + " is not known (status, batch, name, category, order, offset, limit)");
        return;
      }
    }
    JsonObject q = new JsonObject();
    String status = single(ctx, "status");
    String nameLike = single(ctx, "name");
    if (nameLike != null) {
      q.put("name", nameLike);
    }
    String batch = single(ctx, "batch");
    String category = single(ctx, "category");
    if (category != null) {
      q.put("category", category);
    }
    if (status != null) {
      q.put("status", status);
    }
    if (batch != null) {
      q.put("batchId", batch);
    }
    for (String name : List.of("order", "offset", "limit")) {
      String v = single(ctx, name);
      if (v != null) {
        // A whole number goes on as one; anything else as the text, for the downloads side to
        // refuse by name.
        q.put(name, v.matches("[0-9]{1,9}") ? (Object) Integer.valueOf(v) : v);
      }
    }
    forward(ctx, Addresses.DOWNLOADS_LIST, q, 200);
  }

  private void removeDownload(RoutingContext ctx) {
    String deleteFiles = single(ctx, "deleteFiles");
    if (deleteFiles != null && !deleteFiles.equals("true") && !deleteFiles.equals("false")) {
      ErrorResponses.send(ctx, ErrorCode.BAD_REQUEST, "deleteFiles: must be true or false");
      return;
    }
    request(
            Addresses.DOWNLOADS_REMOVE,
            idBody(ctx).put("deleteFiles", "true".equals(deleteFiles)),
            quick)
        .onSuccess(d -> ctx.response().setStatusCode(204).end())
        .onFailure(err -> ErrorResponses.fromBus(ctx, err));
  }

  /** The JSON body with the path's {@code id}, to {@code address}; 200 with the reply. */
  private void withBody(RoutingContext ctx, String address) {
    JsonObject body = jsonBody(ctx);
    if (body != null) {
      if (body.containsKey("id")) {
        ErrorResponses.send(ctx, ErrorCode.BAD_REQUEST, "id: is given by the path, not the body");
        return;
      }
      forward(ctx, address, body.put("id", ctx.pathParam("id")), 200);
    }
  }

  private void forward(RoutingContext ctx, String address, JsonObject body, int status) {
    forward(ctx, address, body, status, quick);
  }

  private void forward(
      RoutingContext ctx, String address, JsonObject body, int status, DeliveryOptions options) {
    request(address, body, options)
        .onSuccess(reply -> json(ctx, status, reply))
        .onFailure(err -> ErrorResponses.fromBus(ctx, err));
  }

  private Future<JsonObject> request(String address, JsonObject body, DeliveryOptions options) {
    return vertx.eventBus().<JsonObject>request(address, body, options).map(m -> m.body());
  }

  private static JsonObject idBody(RoutingContext ctx) {
    return new JsonObject().put("id", ctx.pathParam("id"));
  }

  private static String single(RoutingContext ctx, String name) {
    List<String> v = ctx.queryParam(name);
    return v.isEmpty() ? null : v.get(0);
  }

  /** The body as a JSON object, or null after answering 400. */
  static JsonObject jsonBody(RoutingContext ctx) {
    Buffer raw = ctx.body().buffer();
    if (raw == null || raw.length() == 0) {
      ErrorResponses.send(ctx, ErrorCode.BAD_REQUEST, "body: a JSON object is required");
      return null;
    }
    Object value;
    try {
      value = Json.decodeValue(raw);
    } catch (DecodeException e) {
      ErrorResponses.send(ctx, ErrorCode.BAD_REQUEST, "body: malformed JSON");
      return null;
    }
    if (!(value instanceof JsonObject o)) {
      ErrorResponses.send(ctx, ErrorCode.BAD_REQUEST, "body: must be a JSON object");
      return null;
    }
    return o;
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }
}
