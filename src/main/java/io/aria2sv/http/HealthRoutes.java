package io.aria2sv.http;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.SupervisorState;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import java.time.Duration;

/**
 * {@code /health/live}: 200 while the event loops answer. {@code /health/ready}: 200 only when
 * aria2c is RUNNING and answers RPC and the registry is open; the procedures ask over the bus with
 * a timeout, so a hung verticle reads as not ready instead of hanging the probe. Its data also says
 * how many trackers the tracker lists gave and which lists fail to be fetched, which never makes it
 * unready.
 */
final class HealthRoutes {
  private HealthRoutes() {}

  static void mount(Router router, Vertx vertx, Duration timeout) {
    DeliveryOptions ask =
        new DeliveryOptions().setSendTimeout(timeout.toMillis()).setLocalOnly(true);
    HealthChecks live =
        HealthChecks.create(vertx).register("event-loop", p -> p.complete(Status.OK()));
    HealthChecks ready =
        HealthChecks.create(vertx)
            .register(
                "aria2",
                timeout.toMillis() + 500,
                p ->
                    vertx
                        .eventBus()
                        .<JsonObject>request(Addresses.SUPERVISOR_STATUS, new JsonObject(), ask)
                        .onSuccess(
                            m -> {
                              JsonObject s = m.body();
                              JsonObject session = s.getJsonObject("session", new JsonObject());
                              boolean sessionSafe = session.getBoolean("safe", true);
                              JsonObject data =
                                  new JsonObject()
                                      .put("state", s.getString("state"))
                                      .put("rpcHealthy", s.getBoolean("rpcHealthy"))
                                      .put("sessionSafe", sessionSafe)
                                      .put("sessionProblem", session.getString("problem"));
                              boolean ok =
                                  SupervisorState.RUNNING.name().equals(s.getString("state"))
                                      && s.getBoolean("rpcHealthy")
                                      && sessionSafe;
                              p.complete(ok ? Status.OK(data) : Status.KO(data));
                            })
                        .onFailure(
                            err ->
                                p.complete(
                                    Status.KO(
                                        new JsonObject()
                                            .put("error", String.valueOf(err.getMessage()))))))
            .register(
                "registry",
                timeout.toMillis() + 500,
                p ->
                    vertx
                        .eventBus()
                        .<JsonObject>request(Addresses.DOWNLOADS_HEALTH, new JsonObject(), ask)
                        .onSuccess(
                            m ->
                                p.complete(
                                    m.body().getBoolean("writable", true)
                                        ? Status.OK(m.body())
                                        : Status.KO(m.body())))
                        .onFailure(
                            err ->
                                p.complete(
                                    Status.KO(
                                        new JsonObject()
                                            .put("error", String.valueOf(err.getMessage()))))));
    // a cluster node outside a majority, or without its lease, runs and accepts nothing: not ready
    ready.register(
        "cluster",
        timeout.toMillis() + 500,
        p ->
            vertx
                .eventBus()
                .<JsonObject>request(Addresses.CLUSTER_STATUS, new JsonObject(), ask)
                .onSuccess(
                    m -> {
                      JsonObject c = m.body();
                      JsonObject data =
                          new JsonObject()
                              .put("enabled", c.getBoolean("enabled", false))
                              .put("live", c.getJsonArray("live"));
                      if (c.containsKey("quorum")) {
                        data.put("quorum", c.getInteger("quorum"))
                            .put("members", c.getInteger("members"))
                            .put("why", c.getString("why"));
                      }
                      p.complete(c.getString("why") == null ? Status.OK(data) : Status.KO(data));
                    })
                .onFailure(
                    err ->
                        p.complete(
                            Status.KO(
                                new JsonObject().put("error", String.valueOf(err.getMessage()))))));
    // the schedule and the tracker lists never make the service unready: what they say is data
    informational(
        ready,
        vertx,
        ask,
        "schedule",
        Addresses.SCHEDULES_GET,
        s ->
            new JsonObject()
                .put("inForce", s.getJsonArray("inForce"))
                .put("options", s.getJsonObject("options"))
                .put("pausing", s.getBoolean("pausing")));
    informational(
        ready,
        vertx,
        ask,
        "trackers",
        Addresses.TRACKERS_STATUS,
        t -> {
          JsonArray failing = new JsonArray();
          t.getJsonArray("lists")
              .forEach(
                  l -> {
                    JsonObject list = (JsonObject) l;
                    if (list.getString("error") != null) {
                      failing.add(
                          new JsonObject()
                              .put("url", list.getString("url"))
                              .put("error", list.getString("error")));
                    }
                  });
          return new JsonObject()
              .put("count", t.getInteger("count"))
              .put("lists", t.getJsonArray("lists").size())
              .put("failing", failing);
        });
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(ready));
  }

  /** A check that is always up, its data what {@code address} answers (none without an answer). */
  private static void informational(
      HealthChecks checks,
      Vertx vertx,
      DeliveryOptions ask,
      String name,
      String address,
      java.util.function.Function<JsonObject, JsonObject> data) {
    checks.register(
        name,
        ask.getSendTimeout() + 500,
        p ->
            vertx
                .eventBus()
                .<JsonObject>request(address, new JsonObject(), ask)
                .onSuccess(m -> p.complete(Status.OK(data.apply(m.body()))))
                .onFailure(err -> p.complete(Status.OK())));
  }
}
