package io.aria2sv.testing;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.awaitility.Awaitility;

/**
 * The whole supervisor deployed in a test's Vert.x, with every published event recorded. Driven
 * from the JUnit thread (never an event loop).
 */
public final class Stack {
  private final Vertx vertx;
  private final List<JsonObject> downloadEvents = new CopyOnWriteArrayList<>();
  private final List<JsonObject> progressEvents = new CopyOnWriteArrayList<>();
  private final List<JsonObject> batchEvents = new CopyOnWriteArrayList<>();
  private Aria2Supervisor deployed;

  public Stack(Vertx vertx) {
    this.vertx = vertx;
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_DOWNLOAD, m -> downloadEvents.add(m.body()));
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_PROGRESS, m -> progressEvents.add(m.body()));
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_BATCH, m -> batchEvents.add(m.body()));
  }

  public Stack deploy(JsonObject config) throws Exception {
    deployed = SupervisorHarness.await(Aria2Supervisor.deploy(vertx, config));
    return this;
  }

  public void undeploy() throws Exception {
    if (deployed != null) {
      SupervisorHarness.await(deployed.undeploy());
      deployed = null;
    }
  }

  public Future<JsonObject> send(String address, JsonObject body) {
    return vertx.eventBus()
        .<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(30_000))
        .map(m -> m.body());
  }

  public JsonObject request(String address, JsonObject body) throws Exception {
    return SupervisorHarness.await(send(address, body));
  }

  /** The failure of a request that must fail. */
  public ReplyException failure(String address, JsonObject body) throws Exception {
    try {
      SupervisorHarness.await(send(address, body));
    } catch (ExecutionException e) {
      return (ReplyException) e.getCause();
    }
    throw new AssertionError("request to " + address + " succeeded: " + body);
  }

  public JsonObject get(String id) throws Exception {
    return request(Addresses.DOWNLOADS_GET, new JsonObject().put("id", id));
  }

  /** Waits until download {@code id} has {@code status}; fails at once on an unexpected terminal status. */
  public JsonObject awaitStatus(String id, String status, Duration timeout) {
    Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> {
      String now = get(id).getString("status");
      if (!now.equals(status) && List.of("complete", "failed", "removed").contains(now)) {
        throw new AssertionError("download " + id + " ended " + now + " instead of " + status + ": " + get(id).encodePrettily());
      }
      return now.equals(status);
    });
    try {
      return get(id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public List<JsonObject> downloadEvents(String id) {
    return downloadEvents.stream().filter(e -> id.equals(e.getJsonObject("download").getString("id"))).toList();
  }

  public List<String> transitions(String id) {
    return downloadEvents(id).stream().map(e -> e.getString("type")).toList();
  }

  public List<JsonObject> progressEvents() {
    return progressEvents;
  }

  public List<JsonObject> batchEvents() {
    return batchEvents;
  }
}
