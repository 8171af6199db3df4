package io.aria2sv.downloads;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.completion.WebhookDispatcher;
import io.aria2sv.downloads.request.ValidationException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** The webhook delivery log and redelivery on the bus ({@code aria2.webhooks.*}). */
final class WebhookConsumers {
  private final Vertx vertx;
  private final WebhookDispatcher dispatcher;

  WebhookConsumers(Vertx vertx, WebhookDispatcher dispatcher) {
    this.vertx = vertx;
    this.dispatcher = dispatcher;
  }

  void register() {
    vertx
        .eventBus()
        .<JsonObject>localConsumer(
            Addresses.WEBHOOKS_DELIVERIES,
            m ->
                BusReplies.answer(
                    m,
                    b -> {
                      Object limit = b.getValue("limit", 100);
                      if (!(limit instanceof Integer n) || n < 1 || n > 1000) {
                        throw new ValidationException("limit", "must be a whole number 1 to 1000");
                      }
                      Object download = b.getValue("downloadId");
                      if (download != null && !(download instanceof String)) {
                        throw new ValidationException("downloadId", "must be a download id");
                      }
                      return dispatcher
                          .log((String) download, n)
                          .map(log -> new JsonObject().put("deliveries", log));
                    }));
    vertx
        .eventBus()
        .<JsonObject>localConsumer(
            Addresses.WEBHOOKS_REDELIVER,
            m ->
                BusReplies.answer(
                    m,
                    b -> {
                      if (!(b.getValue("id") instanceof String id)) {
                        throw new ValidationException("id", "must be a message id");
                      }
                      return dispatcher
                          .redeliver(id)
                          .map(
                              found -> {
                                if (!found) {
                                  throw new ServiceException(
                                      ErrorCode.NOT_FOUND, "no webhook message " + id);
                                }
                                return new JsonObject().put("id", id).put("redelivered", true);
                              });
                    }));
  }
}
