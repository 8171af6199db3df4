package io.aria2sv.http;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/events}: Server-Sent Events from the event journal. Frames carry the journal's
 * id, the area as {@code event:} and the event JSON as {@code data:}; {@code Last-Event-ID} replays
 * what the client missed; {@code ?download=}, {@code ?batch=}, {@code ?category=} and {@code
 * ?types=} filter. One ping timer serves every client. A client whose write queue fills up is
 * dropped at once, so it never slows the event loop or the other clients; everything it held is
 * released on disconnect.
 *
 * <p>The journal's frames are taken only while a client is connected. With none, they are not
 * copied to this event loop at all, which saves one copy and one thread hand-off per event (under a
 * burst of single adds, per add). A client subscribes before it asks for its replay, so no frame
 * falls between the two, and a frame that comes both ways is sent once (ids only go up).
 */
final class SseRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(SseRoutes.class);

  /** The event names, in the order the docs give them. */
  static final List<String> TYPES =
      List.of("supervisor", "download", "progress", "batch", "storage");

  private static final Set<String> ALL_TYPES = Set.copyOf(TYPES);

  /** Bytes a client may leave unread before it is dropped. */
  static final int MAX_QUEUE_BYTES = 256 * 1024;

  private final Vertx vertx;
  private final Set<Client> clients = new LinkedHashSet<>();

  /** Subscribed while {@link #clients} is not empty. */
  private MessageConsumer<JsonObject> frames;

  private final long pingTimer;
  private final Metrics metrics;

  SseRoutes(Vertx vertx, long pingMillis, Metrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.pingTimer = vertx.setPeriodic(pingMillis, id -> ping());
  }

  int clients() {
    return clients.size();
  }

  void close() {
    unsubscribe();
    vertx.cancelTimer(pingTimer);
    new ArrayList<>(clients).forEach(c -> c.drop("server stopping"));
  }

  void handle(RoutingContext ctx) {
    Client client;
    try {
      client =
          new Client(
              ctx.response(),
              types(ctx.queryParam("types")),
              first(ctx, "download"),
              first(ctx, "batch"),
              first(ctx, "category"));
    } catch (IllegalArgumentException e) {
      ErrorResponses.send(ctx, ErrorCode.BAD_REQUEST, e.getMessage());
      return;
    }
    HttpServerResponse res = ctx.response();
    res.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(MAX_QUEUE_BYTES);
    res.write("retry: 2000\n: connected\n\n");
    clients.add(client);
    if (frames == null) {
      frames = vertx.eventBus().localConsumer(Addresses.SSE_FRAMES, m -> broadcast(m.body()));
    }
    metrics.sseClients(1);
    res.closeHandler(v -> client.release());
    res.endHandler(v -> client.release());
    res.exceptionHandler(err -> client.release());

    String last = ctx.request().getHeader("Last-Event-ID");
    if (last == null) {
      last = first(ctx, "lastEventId");
    }
    long after;
    try {
      after = last == null ? -1 : Long.parseLong(last.trim());
    } catch (NumberFormatException e) {
      after = -1;
    }
    if (after >= 0) {
      client.replaying = true;
      vertx
          .eventBus()
          .<JsonObject>request(
              Addresses.SSE_REPLAY,
              new JsonObject().put("after", after),
              new DeliveryOptions().setSendTimeout(5000).setLocalOnly(true))
          .onComplete(
              ar -> {
                if (ar.succeeded()) {
                  if (ar.result().body().getBoolean("gap")) {
                    client.comment("some events were lost before this reconnect: reload the state");
                  }
                  ar.result()
                      .body()
                      .getJsonArray("frames")
                      .forEach(f -> client.offer((JsonObject) f));
                }
                client.replaying = false;
                List<JsonObject> live = new ArrayList<>(client.pending);
                client.pending.clear();
                live.forEach(client::offer);
              });
    }
  }

  private static String first(RoutingContext ctx, String name) {
    List<String> v = ctx.queryParam(name);
    return v.isEmpty() || v.get(0).isBlank() ? null : v.get(0);
  }

  private static Set<String> types(List<String> param) {
    if (param.isEmpty()) {
      return ALL_TYPES;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String p : param) {
      for (String t : p.split(",")) {
        String type = t.trim();
        if (!ALL_TYPES.contains(type)) {
          throw new IllegalArgumentException(
              "types: '" + type + "' is not one of " + String.join(", ", TYPES));
        }
        out.add(type);
      }
    }
    return out;
  }

  private void broadcast(JsonObject frame) {
    for (Client c : new ArrayList<>(clients)) {
      if (c.replaying) {
        c.pending.add(frame);
      } else {
        c.offer(frame);
      }
    }
  }

  private void unsubscribe() {
    if (frames != null) {
      frames.unregister();
      frames = null;
    }
  }

  private void ping() {
    for (Client c : new ArrayList<>(clients)) {
      c.comment("ping");
    }
  }

  /** One connected client and its filters. */
  private final class Client {
    final HttpServerResponse response;
    final Set<String> types;
    final String downloadId;
    final String batchId;
    final String category;
    final List<JsonObject> pending = new ArrayList<>();
    boolean replaying;
    long lastSent = -1;
    boolean released;

    Client(
        HttpServerResponse response,
        Set<String> types,
        String downloadId,
        String batchId,
        String category) {
      this.response = response;
      this.types = types;
      this.downloadId = downloadId;
      this.batchId = batchId;
      this.category = category;
    }

    void offer(JsonObject frame) {
      long id = frame.getLong("id");
      if (id <= lastSent) {
        return;
      }
      JsonObject data = filter(frame.getString("event"), frame.getJsonObject("data"));
      if (data == null) {
        lastSent = id;
        return;
      }
      write(
          "id: "
              + id
              + "\nevent: "
              + frame.getString("event")
              + "\ndata: "
              + data.encode()
              + "\n\n");
      lastSent = id;
    }

    void comment(String text) {
      write(": " + text + "\n\n");
    }

    private void write(String text) {
      if (released) {
        return;
      }
      if (response.writeQueueFull()) {
        drop("it does not read (over " + MAX_QUEUE_BYTES + " bytes queued)");
        return;
      }
      response.write(Buffer.buffer(text));
    }

    /** The data to send to this client, or null when its filters exclude the event. */
    private JsonObject filter(String event, JsonObject data) {
      if (!types.contains(event)) {
        return null;
      }
      if (downloadId == null && batchId == null && category == null) {
        return data;
      }
      switch (event) {
        case "download":
          {
            JsonObject d = data.getJsonObject("download", new JsonObject());
            return matches(d.getString("id"), d.getString("batchId"), d.getString("category"))
                ? data
                : null;
          }
        case "progress":
          {
            JsonArray kept = new JsonArray();
            for (Object o : data.getJsonArray("downloads", new JsonArray())) {
              JsonObject d = (JsonObject) o;
              if (matches(d.getString("id"), d.getString("batchId"), d.getString("category"))) {
                kept.add(d);
              }
            }
            return kept.isEmpty() ? null : data.copy().put("downloads", kept);
          }
        case "batch":
          return batchId != null
                  && category == null
                  && batchId.equals(data.getJsonObject("batch", new JsonObject()).getString("id"))
              ? data
              : null;
        default:
          return data;
      }
    }

    private boolean matches(String id, String batch, String cat) {
      return (downloadId == null || downloadId.equals(id))
          && (batchId == null || batchId.equals(batch))
          && (category == null || category.equals(cat));
    }

    void drop(String why) {
      LOG.info("dropping SSE client {}: {}", response.hashCode(), why);
      release();
      response.reset();
    }

    void release() {
      if (!released) {
        released = true;
        clients.remove(this);
        if (clients.isEmpty()) {
          unsubscribe();
        }
        pending.clear();
        metrics.sseClients(-1);
      }
    }
  }
}
