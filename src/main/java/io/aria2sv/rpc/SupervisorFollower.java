package io.aria2sv.rpc;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.SupervisorState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps an {@link Aria2Client} pointed at the supervisor's current aria2c: the endpoint (port and
 * secret) arrives as a local-only bus event at each start, and the supervisor's state changes say
 * whether calls should wait for the next one. Confined to the context of the verticle that made it.
 */
public final class SupervisorFollower {
  private final Vertx vertx;
  private final Aria2Client aria2;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  public SupervisorFollower(Vertx vertx, Aria2Client aria2) {
    this.vertx = vertx;
    this.aria2 = aria2;
  }

  /** Starts following; completes once the current state is known (or could not be asked). */
  public Future<Void> start(Duration timeout) {
    consumers.add(
        vertx
            .eventBus()
            .<JsonObject>localConsumer(
                Addresses.EVENTS_SUPERVISOR_ENDPOINT, m -> running(m.body())));
    consumers.add(
        vertx
            .eventBus()
            .<JsonObject>localConsumer(
                Addresses.EVENTS_SUPERVISOR,
                m -> {
                  if ("state-changed".equals(m.body().getString("type"))) {
                    state(SupervisorState.valueOf(m.body().getString("to")));
                  }
                }));
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(timeout.toMillis());
    return vertx
        .eventBus()
        .<JsonObject>request(Addresses.SUPERVISOR_ENDPOINT, new JsonObject(), quick)
        .onSuccess(m -> running(m.body()))
        .recover(
            err ->
                vertx
                    .eventBus()
                    .<JsonObject>request(Addresses.SUPERVISOR_STATUS, new JsonObject(), quick)
                    .onSuccess(m -> state(SupervisorState.valueOf(m.body().getString("state")))))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /** Stops following; calls waiting for aria2c fail. */
  public void stop() {
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
    aria2.unavailable(Aria2Client.Absence.STOPPED);
  }

  private void running(JsonObject endpoint) {
    aria2.running(Aria2Endpoint.fromJson(endpoint), endpoint.getString("sessionId"));
  }

  private void state(SupervisorState to) {
    switch (to) {
      case RUNNING -> {} // the endpoint event says where
      // a stop may be the first half of a restart: calls wait, and fail once it is STOPPED
      case STARTING, RESTARTING, STOPPING -> aria2.unavailable(Aria2Client.Absence.COMING);
      case FAILED -> aria2.unavailable(Aria2Client.Absence.GAVE_UP);
      case STOPPED -> aria2.unavailable(Aria2Client.Absence.STOPPED);
    }
  }
}
