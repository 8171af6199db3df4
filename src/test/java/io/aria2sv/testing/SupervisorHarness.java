package io.aria2sv.testing;

import io.aria2sv.bus.Addresses;
import io.aria2sv.rpc.Aria2Endpoint;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.supervisor.SupervisorVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * Deploys a {@link SupervisorVerticle} and records its events, for tests that drive it from the
 * JUnit thread (never an event loop, so waiting here is fine).
 */
public final class SupervisorHarness {
  private final Vertx vertx;
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private String deploymentId;

  public SupervisorHarness(Vertx vertx) {
    this.vertx = vertx;
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_SUPERVISOR, m -> events.add(m.body()));
  }

  /** Deploys and waits until aria2c is ready. */
  public SupervisorHarness deploy(JsonObject config) throws Exception {
    deploymentId = await(vertx.deployVerticle(new SupervisorVerticle(), SupervisorVerticle.options(config)));
    return this;
  }

  /** Deploys and returns the failure. */
  public Throwable deployFailure(JsonObject config) {
    try {
      deploy(config);
    } catch (Exception e) {
      return e.getCause() != null ? e.getCause() : e;
    }
    throw new AssertionError("deployment succeeded but a failure was expected");
  }

  public void undeploy() throws Exception {
    if (deploymentId != null) {
      await(vertx.undeploy(deploymentId));
      deploymentId = null;
    }
  }

  public JsonObject request(String address) throws Exception {
    return request(address, Duration.ofSeconds(20));
  }

  public JsonObject request(String address, Duration timeout) throws Exception {
    return await(
        vertx.eventBus()
            .<JsonObject>request(address, new JsonObject(), new DeliveryOptions().setSendTimeout(timeout.toMillis()))
            .map(m -> m.body()));
  }

  public Future<JsonObject> requestAsync(String address) {
    return vertx.eventBus()
        .<JsonObject>request(address, new JsonObject(), new DeliveryOptions().setSendTimeout(20_000))
        .map(m -> m.body());
  }

  public JsonObject status() throws Exception {
    return request(Addresses.SUPERVISOR_STATUS);
  }

  public long pid() throws Exception {
    return status().getLong("pid");
  }

  /** An RPC client on the current endpoint, secret included (tests only). */
  public Aria2Rpc rpc() throws Exception {
    return rpc(vertx);
  }

  /** An RPC client on the endpoint of the supervisor deployed on {@code vertx}, secret included. */
  public static Aria2Rpc rpc(Vertx vertx) throws Exception {
    return new Aria2Rpc(WebClient.create(vertx), Aria2Endpoint.fromJson(ask(vertx, Addresses.SUPERVISOR_ENDPOINT)));
  }

  public List<JsonObject> events() {
    return events;
  }

  public List<JsonObject> events(String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  /** Waits until at least {@code count} events of {@code type} were published. */
  public List<JsonObject> awaitEvents(String type, int count, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> events(type).size() >= count);
    return events(type);
  }

  /** Waits until the reported state is {@code state}. */
  public JsonObject awaitState(String state, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(10))
        .ignoreExceptions()
        .until(() -> state.equals(status().getString("state")));
    try {
      return status();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The pid of the aria2c that the supervisor deployed on {@code vertx} runs now. */
  public static long aria2Pid(Vertx vertx) throws Exception {
    return ask(vertx, Addresses.SUPERVISOR_STATUS).getLong("pid");
  }

  private static JsonObject ask(Vertx vertx, String address) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(address, new JsonObject())).body();
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
