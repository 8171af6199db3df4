package io.aria2sv.rpc;

import io.aria2sv.metrics.Metrics;
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
 * because aria2 answers errors with 400, 404 or 500 and a JSON body. Failures are
 * {@link Aria2RpcException}s.
 *
 * <p>This class does not retry: retry policy sits above it, where the caller knows whether a call
 * is safe to repeat.
 */
public final class Aria2Rpc {
  private static final AtomicLong IDS = new AtomicLong();

  private final WebClient client;
  private final Aria2Endpoint endpoint;

  public Aria2Rpc(WebClient client, Aria2Endpoint endpoint) {
    this.client = client;
    this.endpoint = endpoint;
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
    JsonObject request =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", Long.toString(IDS.incrementAndGet()))
            .put("method", method)
            .put("params", p);
    return send(method, request, timeout);
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
        .onComplete(ar -> {
          Aria2RpcException e = ar.cause() instanceof Aria2RpcException x ? x : null;
          Metrics.rpcCall(method, System.nanoTime() - t0, e == null ? null : e.kind().name(), e == null ? 0 : e.aria2Code());
        });
  }

  /** {@link #call} for a result that is a JSON object. */
  public Future<JsonObject> callObject(String method, Duration timeout, Object... params) {
    return call(method, timeout, params).map(r -> (JsonObject) r);
  }

  /**
   * Sends several calls in one {@code system.multicall}. Each element of the result is either the
   * call's result or a {@link Aria2RpcException} for the call that failed.
   *
   * @param calls each {@code {methodName, params}}; the token is added here
   */
  public Future<List<Object>> multicall(List<JsonObject> calls, Duration timeout) {
    JsonArray withToken = new JsonArray();
    for (JsonObject c : calls) {
      JsonArray params = new JsonArray().add(endpoint.token());
      JsonArray given = c.getJsonArray("params");
      if (given != null) {
        given.forEach(params::add);
      }
      withToken.add(new JsonObject().put("methodName", c.getString("methodName")).put("params", params));
    }
    // system.multicall itself takes no token: each inner call carries its own.
    JsonObject request =
        new JsonObject()
            .put("jsonrpc", "2.0")
            .put("id", Long.toString(IDS.incrementAndGet()))
            .put("method", "system.multicall")
            .put("params", new JsonArray().add(withToken));
    return send("system.multicall", request, timeout)
        .map(
            result -> {
              JsonArray arr = (JsonArray) result;
              List<Object> out = new java.util.ArrayList<>(arr.size());
              for (int i = 0; i < arr.size(); i++) {
                Object item = arr.getValue(i);
                String m = calls.get(i).getString("methodName");
                if (item instanceof JsonArray single && single.size() == 1) {
                  out.add(single.getValue(0));
                } else if (item instanceof JsonObject err && err.containsKey("code")) {
                  out.add(Aria2RpcException.aria2(m, err.getInteger("code", -1), err.getString("message", "")));
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
          Aria2RpcException.transport(method, "HTTP " + response.statusCode() + " without a JSON-RPC body", null));
    }
    JsonObject error = body.getJsonObject("error");
    if (error != null) {
      return Future.failedFuture(
          Aria2RpcException.aria2(method, error.getInteger("code", -1), error.getString("message", "")));
    }
    if (!body.containsKey("result")) {
      return Future.failedFuture(
          Aria2RpcException.transport(method, "HTTP " + response.statusCode() + " answer without result", null));
    }
    return Future.succeededFuture(body.getValue("result"));
  }
}
