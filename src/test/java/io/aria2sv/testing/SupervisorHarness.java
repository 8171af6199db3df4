package io.aria2sv.testing;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.bus.Addresses;
import io.aria2sv.rpc.Aria2Endpoint;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.supervisor.SupervisorVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The one test harness: deploys a {@link SupervisorVerticle} alone or the whole supervisor, records
 * every published event, and drives them over the bus from the JUnit thread (never an event loop,
 * so waiting here is fine). {@link #await} is the one way tests wait for a future.
 */
public final class SupervisorHarness {
  private final Vertx vertx;
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final List<JsonObject> downloadEvents = new CopyOnWriteArrayList<>();
  private final List<JsonObject> progressEvents = new CopyOnWriteArrayList<>();
  private final List<JsonObject> batchEvents = new CopyOnWriteArrayList<>();
  private String deploymentId;
  private Aria2Supervisor stack;

  public SupervisorHarness(Vertx vertx) {
    this(vertx, true);
  }

  /**
   * A harness that collects every supervisor, download, progress and batch event for the test to
   * read, or none ({@code collect} false: a benchmark of a large queue measures the supervisor, not
   * a list of its events).
   */
  public SupervisorHarness(Vertx vertx, boolean collect) {
    this.vertx = vertx;
    if (!collect) {
      return;
    }
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_SUPERVISOR, m -> events.add(m.body()));
    vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.EVENTS_DOWNLOAD, m -> downloadEvents.add(m.body()));
    vertx
        .eventBus()
        .<JsonObject>consumer(Addresses.EVENTS_PROGRESS, m -> progressEvents.add(m.body()));
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_BATCH, m -> batchEvents.add(m.body()));
  }

  /** Deploys the whole supervisor (supervisor, downloads, HTTP) and waits until aria2c is ready. */
  public SupervisorHarness deployStack(JsonObject config) throws Exception {
    stack = await(Aria2Supervisor.deploy(vertx, config));
    return this;
  }

  /** Deploys the whole supervisor and returns the failure it must end in (nothing stays). */
  public Throwable deployStackFailure(JsonObject config) {
    return failureOf(() -> deployStack(config));
  }

  private interface Deployment {
    void run() throws Exception;
  }

  private static Throwable failureOf(Deployment deployment) {
    try {
      deployment.run();
    } catch (Exception e) {
      return e.getCause() != null ? e.getCause() : e;
    }
    throw new AssertionError("deployment succeeded but a failure was expected");
  }

  /** The HTTP port of the stack {@link #deployStack} deployed. */
  public int httpPort() {
    return stack.httpPort();
  }

  /** Deploys and waits until aria2c is ready. */
  public SupervisorHarness deploy(JsonObject config) throws Exception {
    deploymentId =
        await(vertx.deployVerticle(new SupervisorVerticle(), SupervisorVerticle.options(config)));
    return this;
  }

  /** Deploys and returns the failure. */
  public Throwable deployFailure(JsonObject config) {
    return failureOf(() -> deploy(config));
  }

  /** Undeploys what {@link #deploy} or {@link #deployStack} deployed. */
  public void undeploy() throws Exception {
    if (deploymentId != null) {
      await(vertx.undeploy(deploymentId));
      deploymentId = null;
    }
    if (stack != null) {
      await(stack.undeploy());
      stack = null;
    }
  }

  public Future<JsonObject> send(String address, JsonObject body) {
    return vertx
        .eventBus()
        .<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(30_000))
        .map(m -> m.body());
  }

  public JsonObject request(String address, JsonObject body) throws Exception {
    return await(send(address, body));
  }

  /** The failure of a request that must fail. */
  public ReplyException failure(String address, JsonObject body) throws Exception {
    try {
      await(send(address, body));
    } catch (ExecutionException e) {
      return (ReplyException) e.getCause();
    }
    throw new AssertionError("request to " + address + " succeeded: " + body);
  }

  /** One download, as the bus answers it. */
  public JsonObject get(String id) throws Exception {
    return request(Addresses.DOWNLOADS_GET, new JsonObject().put("id", id));
  }

  /**
   * Waits until download {@code id} has {@code status}; fails at once on an unexpected terminal
   * status.
   */
  public JsonObject awaitStatus(String id, String status, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              String now = get(id).getString("status");
              if (!now.equals(status) && List.of("complete", "failed", "removed").contains(now)) {
                throw new AssertionError(
                    "download "
                        + id
                        + " ended "
                        + now
                        + " instead of "
                        + status
                        + ": "
                        + get(id).encodePrettily());
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
    return downloadEvents.stream()
        .filter(e -> id.equals(e.getJsonObject("download").getString("id")))
        .toList();
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

  public JsonObject request(String address) throws Exception {
    return request(address, Duration.ofSeconds(20));
  }

  public JsonObject request(String address, Duration timeout) throws Exception {
    return await(
        vertx
            .eventBus()
            .<JsonObject>request(
                address, new JsonObject(), new DeliveryOptions().setSendTimeout(timeout.toMillis()))
            .map(m -> m.body()));
  }

  public Future<JsonObject> requestAsync(String address) {
    return vertx
        .eventBus()
        .<JsonObject>request(
            address, new JsonObject(), new DeliveryOptions().setSendTimeout(20_000))
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
    return new Aria2Rpc(
        WebClient.create(vertx), Aria2Endpoint.fromJson(ask(vertx, Addresses.SUPERVISOR_ENDPOINT)));
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

  /**
   * Runs {@code action} on {@code context} (code under test that is confined to it) and waits for
   * its future.
   */
  public static <T> T on(
      io.vertx.core.Context context, java.util.function.Supplier<Future<T>> action)
      throws Exception {
    java.util.concurrent.CompletableFuture<T> out = new java.util.concurrent.CompletableFuture<>();
    context.runOnContext(
        v ->
            action
                .get()
                .onComplete(
                    ar -> {
                      if (ar.succeeded()) {
                        out.complete(ar.result());
                      } else {
                        out.completeExceptionally(ar.cause());
                      }
                    }));
    return out.get(30, TimeUnit.SECONDS);
  }

  /** The GIDs aria2 at {@code rpc} runs, holds queued or keeps as results. */
  public static java.util.Set<String> aria2Gids(io.aria2sv.rpc.Aria2Rpc rpc) throws Exception {
    List<Object> lists =
        await(
            rpc.multicall(
                List.of(
                    io.aria2sv.rpc.Aria2Call.tellActive(List.of("gid")),
                    io.aria2sv.rpc.Aria2Call.tellWaiting(0, 1000, List.of("gid")),
                    io.aria2sv.rpc.Aria2Call.tellStopped(0, 1000, List.of("gid"))),
                java.time.Duration.ofSeconds(2)));
    java.util.Set<String> gids = new java.util.HashSet<>();
    for (Object l : lists) {
      ((io.vertx.core.json.JsonArray) l).forEach(o -> gids.add(((JsonObject) o).getString("gid")));
    }
    return gids;
  }

  /**
   * How many downloads aria2 at {@code rpc} holds unfinished, running or waiting (not the results
   * it keeps).
   */
  public static int aria2Held(io.aria2sv.rpc.Aria2Rpc rpc) throws Exception {
    List<Object> lists =
        await(
            rpc.multicall(
                List.of(
                    io.aria2sv.rpc.Aria2Call.tellActive(List.of("gid")),
                    io.aria2sv.rpc.Aria2Call.tellWaiting(0, 100_000, List.of("gid"))),
                java.time.Duration.ofSeconds(5)));
    return ((io.vertx.core.json.JsonArray) lists.get(0)).size()
        + ((io.vertx.core.json.JsonArray) lists.get(1)).size();
  }

  /** The reply of the supervisor's {@code /jsonrpc} on {@code port} to {@code method}. */
  public static JsonObject jsonRpc(
      io.vertx.ext.web.client.WebClient web, int port, String method, Object... params)
      throws Exception {
    io.vertx.core.json.JsonArray p = new io.vertx.core.json.JsonArray();
    for (Object o : params) {
      p.add(o);
    }
    JsonObject body =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", "t")
            .put("method", method)
            .put("params", p);
    return await(
            web.post(port, "127.0.0.1", "/jsonrpc")
                .timeout(20_000)
                .sendBuffer(io.vertx.core.buffer.Buffer.buffer(body.encode())))
        .bodyAsJsonObject();
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
