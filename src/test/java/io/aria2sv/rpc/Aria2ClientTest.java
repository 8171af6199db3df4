package io.aria2sv.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.config.AppConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Retry and error mapping of {@link Aria2Client} against a scripted fake JSON-RPC server. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class Aria2ClientTest {
  private static final AppConfig.Rpc RPC =
      new AppConfig.Rpc(
          Duration.ofMillis(300),
          new AppConfig.Retry(3, Duration.ofMillis(20), Duration.ofMillis(80), 0.0));

  private final Deque<Consumer<HttpServerRequest>> script = new ArrayDeque<>();
  private final AtomicInteger requests = new AtomicInteger();
  private HttpServer server;

  @BeforeEach
  void fakeAria2(Vertx vertx) throws Exception {
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  requests.incrementAndGet();
                  Consumer<HttpServerRequest> next = script.poll();
                  (next == null ? ok("1.36.0") : next).accept(req);
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
  }

  private static Consumer<HttpServerRequest> ok(String version) {
    return req ->
        req.body()
            .onSuccess(
                b ->
                    req.response()
                        .putHeader("Content-Type", "application/json")
                        .end(
                            new JsonObject()
                                .put("jsonrpc", "2.0")
                                .put("id", b.toJsonObject().getString("id"))
                                .put("result", new JsonObject().put("version", version))
                                .encode()));
  }

  private static Consumer<HttpServerRequest> aria2Error(int status, int code, String message) {
    return req ->
        req.response()
            .setStatusCode(status)
            .end(
                new JsonObject()
                    .put("jsonrpc", "2.0")
                    .put("id", "x")
                    .put("error", new JsonObject().put("code", code).put("message", message))
                    .encode());
  }

  private static Consumer<HttpServerRequest> closeConnection() {
    return req -> req.connection().close();
  }

  private static Consumer<HttpServerRequest> neverAnswer() {
    return req -> {};
  }

  private final io.aria2sv.metrics.Metrics metrics = io.aria2sv.metrics.Metrics.standalone();

  /**
   * A client on its own event-loop context: running against the fake server, or absent for {@code
   * why}.
   */
  private Aria2Client client(Vertx vertx, Context ctx, Aria2Client.Absence why) throws Exception {
    Aria2Client[] holder = new Aria2Client[1];
    Future<Void> started =
        Future.future(
            p ->
                ctx.runOnContext(
                    v -> {
                      holder[0] = new Aria2Client(ctx, WebClient.create(vertx), RPC, metrics);
                      if (why == null) {
                        holder[0].running(
                            new Aria2Endpoint("127.0.0.1", server.actualPort(), "s3cret"), "abc");
                      } else {
                        holder[0].unavailable(why);
                      }
                      p.complete();
                    }));
    started.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    return holder[0];
  }

  private static <T> void onContext(
      Context ctx,
      java.util.function.Supplier<Future<T>> call,
      Consumer<io.vertx.core.AsyncResult<T>> then) {
    ctx.runOnContext(v -> call.get().onComplete(then::accept));
  }

  private double retries() {
    var counter = metrics.registry().find("aria2sv.rpc.retries").counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void transportFailuresAreRetriedAndTheResultArrivesOnTheCallersEventLoop(
      Vertx vertx, VertxTestContext test) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Aria2Client client = client(vertx, ctx, null);
    script.add(closeConnection());
    script.add(closeConnection());
    double retriesBefore = retries();

    onContext(
        ctx,
        () -> client.callObject(Aria2Call.getVersion()),
        ar ->
            test.verify(
                () -> {
                  assertThat(ar.succeeded()).as(String.valueOf(ar.cause())).isTrue();
                  assertThat(ar.result().getString("version")).isEqualTo("1.36.0");
                  assertThat(requests.get()).isEqualTo(3);
                  assertThat(retries() - retriesBefore)
                      .as("each re-attempt counted once")
                      .isEqualTo(2.0);
                  // After Mutiny's backoff (its own worker pool) the continuation is back on our
                  // context.
                  assertThat(Vertx.currentContext()).isSameAs(ctx);
                  assertThat(Context.isOnEventLoopThread()).isTrue();
                  test.completeNow();
                }));
  }

  @Test
  void timeoutsAreRetriedThenReportedAsTimeouts(Vertx vertx, VertxTestContext test)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Aria2Client client = client(vertx, ctx, null);
    for (int i = 0; i < 4; i++) {
      script.add(neverAnswer());
    }
    onContext(
        ctx,
        () -> client.call(Aria2Call.getVersion()),
        ar ->
            test.verify(
                () -> {
                  assertThat(ar.failed()).isTrue();
                  assertThat(ar.cause()).isInstanceOf(Aria2RpcException.class);
                  assertThat(((Aria2RpcException) ar.cause()).kind())
                      .isEqualTo(Aria2RpcException.Kind.TIMEOUT);
                  assertThat(requests.get()).isEqualTo(4); // the call and three retries
                  assertThat(Vertx.currentContext()).isSameAs(ctx);
                  test.completeNow();
                }));
  }

  @Test
  void aria2sOwnErrorsAreParsedFromAnyStatusAndNotRetried(Vertx vertx, VertxTestContext test)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Aria2Client client = client(vertx, ctx, null);
    script.add(aria2Error(400, 1, "GID 00000000000000ff is not found"));

    onContext(
        ctx,
        () -> client.call(Aria2Call.tellStatus("00000000000000ff", java.util.List.of("gid"))),
        ar ->
            test.verify(
                () -> {
                  Aria2RpcException e = (Aria2RpcException) ar.cause();
                  assertThat(e.kind()).isEqualTo(Aria2RpcException.Kind.ARIA2);
                  assertThat(e.aria2Code()).isEqualTo(1);
                  assertThat(e.getMessage()).contains("is not found");
                  assertThat(requests.get()).isEqualTo(1);
                  test.completeNow();
                }));
  }

  @Test
  void aBodyThatIsNotJsonRpcIsATransportFailure(Vertx vertx, VertxTestContext test)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Aria2Client client = client(vertx, ctx, null);
    for (int i = 0; i < 4; i++) {
      script.add(req -> req.response().setStatusCode(502).end("<html>bad gateway</html>"));
    }
    onContext(
        ctx,
        () -> client.call(Aria2Call.getVersion()),
        ar ->
            test.verify(
                () -> {
                  assertThat(((Aria2RpcException) ar.cause()).kind())
                      .isEqualTo(Aria2RpcException.Kind.TRANSPORT);
                  assertThat(ar.cause().getMessage()).contains("HTTP 502");
                  test.completeNow();
                }));
  }

  @Test
  void requestsFailFastWhileTheSupervisorIsStopped(Vertx vertx, VertxTestContext test)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Aria2Client client = client(vertx, ctx, Aria2Client.Absence.STOPPED);
    onContext(
        ctx,
        () -> client.call(Aria2Call.getVersion()),
        ar ->
            test.verify(
                () -> {
                  // a call that waited for aria2c would end in TIMEOUT after rpc.timeout
                  assertThat(((Aria2RpcException) ar.cause()).kind())
                      .isEqualTo(Aria2RpcException.Kind.NOT_RUNNING);
                  assertThat(requests.get()).isZero();
                  test.completeNow();
                }));
  }

  @Test
  void requestsWaitWhileAria2cIsComingAndGoToTheNewEndpoint(Vertx vertx, VertxTestContext test)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Aria2Client client = client(vertx, ctx, Aria2Client.Absence.COMING);
    onContext(
        ctx,
        () -> client.callObject(Aria2Call.getVersion()),
        ar ->
            test.verify(
                () -> {
                  assertThat(ar.succeeded()).as(String.valueOf(ar.cause())).isTrue();
                  assertThat(client.sessionId()).isEqualTo("new-session");
                  test.completeNow();
                }));
    vertx.setTimer(
        100,
        id ->
            ctx.runOnContext(
                v ->
                    client.running(
                        new Aria2Endpoint("127.0.0.1", server.actualPort(), "s3cret"),
                        "new-session")));
  }

  @Test
  void aSupervisorThatGivesUpFailsWaitingRequests(Vertx vertx, VertxTestContext test)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Aria2Client client = client(vertx, ctx, Aria2Client.Absence.COMING);
    onContext(
        ctx,
        () -> client.call(Aria2Call.getVersion()),
        ar ->
            test.verify(
                () -> {
                  assertThat(((Aria2RpcException) ar.cause()).kind())
                      .isEqualTo(Aria2RpcException.Kind.GAVE_UP);
                  test.completeNow();
                }));
    vertx.setTimer(
        50, id -> ctx.runOnContext(v -> client.unavailable(Aria2Client.Absence.GAVE_UP)));
  }
}
