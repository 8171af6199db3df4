package io.aria2sv.examples;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.Aria2SupervisorClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * How a host application embeds aria2-supervisor: one call to deploy (no HTTP API), the typed bus
 * client to add a download and follow it to completion, one call to undeploy. It uses nothing but
 * the public entry points and the event bus.
 *
 * <p>Config: {@code {url, out, supervisor: <aria2-supervisor configuration>}}. Publishes each
 * progress percentage it sees on {@code host.progress} and the final download on {@code host.done}.
 */
public final class HostVerticle extends VerticleBase {
  private Aria2Supervisor embedded;

  @Override
  public Future<?> start() {
    JsonObject cfg = config();
    return Aria2Supervisor.deploy(vertx, cfg.getJsonObject("supervisor"), false)
        .compose(
            s -> {
              embedded = s;
              Aria2SupervisorClient client = new Aria2SupervisorClient(vertx);
              Promise<JsonObject> done = Promise.promise();
              String[] id = new String[1];
              MessageConsumer<JsonObject> progress =
                  client.onProgress(
                      e ->
                          e.getJsonArray("downloads")
                              .forEach(
                                  o -> {
                                    JsonObject d = (JsonObject) o;
                                    if (d.getString("id").equals(id[0])) {
                                      vertx
                                          .eventBus()
                                          .publish("host.progress", d.getInteger("percent"));
                                    }
                                  }));
              MessageConsumer<JsonObject> transitions =
                  client.onDownload(
                      e -> {
                        JsonObject d = e.getJsonObject("download");
                        if (d.getString("id").equals(id[0])
                            && List.of("complete", "failed").contains(e.getString("type"))) {
                          done.tryComplete(d);
                        }
                      });
              return client
                  .add(List.of(cfg.getString("url")), cfg.getString("out"), null)
                  .onSuccess(
                      d -> {
                        id[0] = d.getString("id");
                        if ("complete".equals(d.getString("status"))) {
                          done.tryComplete(d);
                        }
                      })
                  .compose(d -> done.future())
                  .onSuccess(d -> vertx.eventBus().publish("host.done", d))
                  .eventually(() -> Future.all(progress.unregister(), transitions.unregister()));
            });
  }

  @Override
  public Future<?> stop() {
    return embedded == null ? Future.succeededFuture() : embedded.undeploy();
  }
}
