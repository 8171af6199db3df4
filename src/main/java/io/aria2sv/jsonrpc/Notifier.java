package io.aria2sv.jsonrpc;

import io.aria2sv.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * aria2's notifications for every WebSocket client of {@code /jsonrpc}, made from the supervisor's
 * download events (once per transition, with the GID the client knows), so they go on across
 * restarts of aria2c without a stop and start of their own: active is {@code onDownloadStart},
 * paused {@code onDownloadPause}, removed {@code onDownloadStop}, complete {@code
 * onDownloadComplete}, failed {@code onDownloadError}, seeding {@code onBtDownloadComplete}.
 */
final class Notifier {
  private final List<Consumer<JsonObject>> sockets = new CopyOnWriteArrayList<>();
  private final MessageConsumer<JsonObject> consumer;

  Notifier(Vertx vertx, GidMap gids) {
    consumer =
        vertx
            .eventBus()
            .consumer(
                Addresses.EVENTS_DOWNLOAD,
                m -> {
                  JsonObject d = m.body().getJsonObject("download");
                  if (d == null) {
                    return;
                  }
                  gids.learn(d);
                  String method =
                      switch (m.body().getString("type", "")) {
                        case "active" -> "aria2.onDownloadStart";
                        case "paused" -> "aria2.onDownloadPause";
                        case "removed" -> "aria2.onDownloadStop";
                        case "complete" -> "aria2.onDownloadComplete";
                        case "failed" -> "aria2.onDownloadError";
                        case "seeding" -> "aria2.onBtDownloadComplete";
                        default -> null;
                      };
                  if (method != null && !sockets.isEmpty()) {
                    JsonObject n =
                        new JsonObject()
                            .put("jsonrpc", "2.0")
                            .put("method", method)
                            .put(
                                "params",
                                new JsonArray()
                                    .add(new JsonObject().put("gid", Aria2Shapes.gid(d))));
                    sockets.forEach(s -> s.accept(n));
                  }
                });
  }

  void add(Consumer<JsonObject> socket) {
    sockets.add(socket);
  }

  void remove(Consumer<JsonObject> socket) {
    sockets.remove(socket);
  }

  void close() {
    consumer.unregister();
  }
}
