package io.aria2sv.rpc;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A JSON-RPC 2.0 client for one aria2c endpoint over Vert.x {@link WebClient}. Every call has a
 * time limit; the secret token is added to every call; the body is parsed whatever the HTTP status,
 * because aria2 answers errors with 400, 404 or 500 and a JSON body. Failures are {@link
 * Aria2RpcException}s.
 *
 * <p>This class does not retry: retry policy sits above it, where the caller knows whether a call
 * is safe to repeat.
 */
public final class Aria2Rpc {
  private static final AtomicLong IDS = new AtomicLong();

  private final WebClient client;
  private final Aria2Endpoint endpoint;
  private final RpcObserver observer;

  /** A client that reports nothing. */
  public Aria2Rpc(WebClient client, Aria2Endpoint endpoint) {
    this(client, endpoint, RpcObserver.NONE);
  }

  /** A client that tells {@code observer} about every call. */
  public Aria2Rpc(WebClient client, Aria2Endpoint endpoint, RpcObserver observer) {
    this.client = client;
    this.endpoint = endpoint;
    this.observer = observer;
  }

  public Aria2Endpoint endpoint() {
    return endpoint;
  }

  /**
   * Calls {@code method} with the token and {@code params}.
   *
   * @return the {@code result} member of the answer
   */
  public Future<Object> call(String method, Duration timeout, Object... params) {
    JsonArray p = new JsonArray().add(endpoint.token());
    for (Object o : params) {
      p.add(o);
    }
    return send(method, request(method, p), timeout);
  }

  /**
   * Sends {@code call} with the token; the future holds the {@code result} member of the answer.
   */
  public Future<Object> call(Aria2Call call, Duration timeout) {
    JsonArray p = new JsonArray().add(endpoint.token());
    call.params().forEach(p::add);
    return send(call.method(), request(call.method(), p), timeout);
  }

  private static JsonObject request(String method, JsonArray params) {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", Long.toString(IDS.incrementAndGet()))
        .put("method", method)
        .put("params", params);
  }

  private Future<Object> send(String method, JsonObject request, Duration timeout) {
    long ms = Math.max(1, timeout.toMillis());
    long t0 = System.nanoTime();
    return client
        .post(endpoint.port(), endpoint.host(), "/jsonrpc")
        .timeout(ms)
        .sendJsonObject(request)
        .recover(err -> Future.failedFuture(mapTransport(method, ms, err)))
        .compose(response -> parse(method, response))
        .onComplete(
            ar ->
                observer.called(
                    method,
                    System.nanoTime() - t0,
                    ar.succeeded()
                        ? null
                        : ar.cause() instanceof Aria2RpcException x
                            ? x
                            : Aria2RpcException.transport(method, "failed", ar.cause())));
  }

  /** {@link #call(Aria2Call, Duration)} for a result that is a JSON object. */
  public Future<JsonObject> callObject(Aria2Call call, Duration timeout) {
    return call(call, timeout).map(r -> (JsonObject) r);
  }

  /** {@link #call} for a result that is a JSON object. */
  public Future<JsonObject> callObject(String method, Duration timeout, Object... params) {
    return call(method, timeout, params).map(r -> (JsonObject) r);
  }

  /**
   * Sends several calls in one {@code system.multicall}. Each element of the result is either the
   * call's result or a {@link Aria2RpcException} for the call that failed.
   *
   * @param calls the token is added to each here
   */
  public Future<List<Object>> multicall(List<Aria2Call> calls, Duration timeout) {
    JsonArray withToken = new JsonArray();
    for (Aria2Call c : calls) {
      withToken.add(c.toMulticallEntry(endpoint.token()));
    }
    // system.multicall itself takes no token: each inner call carries its own.
    return send(
            "system.multicall",
            request("system.multicall", new JsonArray().add(withToken)),
            timeout)
        .map(
            result -> {
              JsonArray arr = (JsonArray) result;
              List<Object> out = new java.util.ArrayList<>(arr.size());
              for (int i = 0; i < arr.size(); i++) {
                Object item = arr.getValue(i);
                String m = calls.get(i).method();
                if (item instanceof JsonArray single && single.size() == 1) {
                  out.add(single.getValue(0));
                } else if (item instanceof JsonObject err && err.containsKey("code")) {
                  out.add(
                      Aria2RpcException.aria2(
                          m, err.getInteger("code", -1), err.getString("message", "")));
                } else {
                  out.add(item);
                }
              }
              return out;
            });
  }

  private static Throwable mapTransport(String method, long ms, Throwable err) {
    if (err instanceof TimeoutException) {
      return Aria2RpcException.timeout(method, ms);
    }
    return Aria2RpcException.transport(method, String.valueOf(err.getMessage()), err);
  }

  private static Future<Object> parse(String method, HttpResponse<Buffer> response) {
    JsonObject body;
    try {
      Buffer b = response.body();
      body = b == null ? null : b.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    if (body == null) {
      return Future.failedFuture(
          Aria2RpcException.transport(
              method, "HTTP " + response.statusCode() + " without a JSON-RPC body", null));
    }
    JsonObject error = body.getJsonObject("error");
    if (error != null) {
      return Future.failedFuture(
          Aria2RpcException.aria2(
              method, error.getInteger("code", -1), error.getString("message", "")));
    }
    if (!body.containsKey("result")) {
      return Future.failedFuture(
          Aria2RpcException.transport(
              method, "HTTP " + response.statusCode() + " answer without result", null));
    }
    return Future.succeededFuture(body.getValue("result"));
  }
}
