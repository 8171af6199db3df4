package io.aria2sv.jsonrpc;

import io.aria2sv.auth.Access;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * aria2's JSON-RPC transports on {@code /jsonrpc}: POST (one call or a batch), GET with {@code
 * method}, {@code id}, base64 {@code params} and {@code jsoncallback}, and WebSocket text frames,
 * which also carry the notifications. The token is one of the supervisor's ({@code http.token} or a
 * named {@code http.tokens} entry), checked on every call, each one inside {@code system.multicall}
 * too; a {@code read} token may call only the methods that change nothing. Errors are aria2's
 * answers (code 1 and its messages; {@code Unauthorized}); HTTP 400 for an error answer, as aria2,
 * and 400 (not aria2's 500) for a parse error: bad input is never a 5xx here; 413 for a body over
 * {@code http.maxBodySize}.
 */
public final class JsonRpcRoutes {
  static final String PATH = "/jsonrpc";
  static final String CONTENT_TYPE = "application/json-rpc";

  /** Deeper than any client nests; a hostile body is refused before it is walked. */
  private static final int MAX_DEPTH = 32;

  /** The methods a {@code read} token may call: they change nothing. */
  static final Set<String> READ_METHODS =
      Set.of(
          "aria2.tellStatus",
          "aria2.getUris",
          "aria2.getFiles",
          "aria2.getPeers",
          "aria2.getServers",
          "aria2.tellActive",
          "aria2.tellWaiting",
          "aria2.tellStopped",
          "aria2.getOption",
          "aria2.getGlobalOption",
          "aria2.getGlobalStat",
          "aria2.getVersion",
          "aria2.getSessionInfo");

  private final Aria2Methods methods;
  private final Access access;
  private final Notifier notifier;

  JsonRpcRoutes(Aria2Methods methods, Access access, Notifier notifier) {
    this.methods = methods;
    this.access = access;
    this.notifier = notifier;
  }

  void mount(Router router, long maxBodySize) {
    router
        .post(PATH)
        .handler(io.vertx.ext.web.handler.BodyHandler.create(false).setBodyLimit(maxBodySize));
    router.post(PATH).handler(this::post);
    router
        .route(PATH)
        .failureHandler(
            ctx ->
                send(
                    ctx,
                    ctx.statusCode() == 413 ? 413 : 400,
                    error(
                            null,
                            RpcError.aria2(
                                ctx.statusCode() == 413
                                    ? "Request body is larger than " + maxBodySize + " bytes"
                                    : "Invalid Request."))
                        .encode()));
    router
        .get(PATH)
        .handler(
            ctx -> {
              if ("websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
                ctx.request().toWebSocket().onSuccess(this::socket).onFailure(err -> ctx.fail(400));
              } else {
                get(ctx);
              }
            });
  }

  private void post(RoutingContext ctx) {
    String address = remote(ctx);
    if (refused(ctx, address)) {
      return;
    }
    Buffer raw = ctx.body().buffer();
    Object parsed;
    try {
      parsed = raw == null ? null : Json.decodeValue(raw);
    } catch (DecodeException e) {
      parsed = null;
    }
    if (!(parsed instanceof JsonObject) && !(parsed instanceof JsonArray)) {
      send(ctx, 400, error(null, new RpcError(RpcError.PARSE, "Parse error.")).encode());
      return;
    }
    if (tooDeep(parsed, 0)) {
      send(
          ctx,
          400,
          error(null, new RpcError(RpcError.INVALID_REQUEST, "Invalid Request.")).encode());
      return;
    }
    handle(parsed, address).onSuccess(reply -> send(ctx, status(reply), reply.toString()));
  }

  /** Answers 429 for an address refused after too many failed authentications. */
  private boolean refused(RoutingContext ctx, String address) {
    Access.Refused r = access.refused(address);
    if (r == null) {
      return false;
    }
    ctx.response().putHeader("Retry-After", String.valueOf(r.retryAfterSeconds()));
    send(ctx, 429, error(null, tooMany(r.retryAfterSeconds())).encode());
    return true;
  }

  private static RpcError tooMany(long seconds) {
    return RpcError.aria2(
        "Too many failed authentications from this address; try again in " + seconds + " s");
  }

  private static String remote(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null
        ? "unknown"
        : ctx.request().remoteAddress().hostAddress();
  }

  private void get(RoutingContext ctx) {
    String address = remote(ctx);
    if (refused(ctx, address)) {
      return;
    }
    String method = ctx.request().getParam("method");
    String id = ctx.request().getParam("id");
    String params = ctx.request().getParam("params");
    String callback = ctx.request().getParam("jsoncallback");
    JsonObject request = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method);
    if (params != null) {
      try {
        Object p = Json.decodeValue(Buffer.buffer(Base64.getDecoder().decode(params)));
        request.put("params", p);
      } catch (IllegalArgumentException | DecodeException e) {
        send(ctx, 400, error(id, new RpcError(RpcError.PARSE, "Parse error.")).encode());
        return;
      }
    }
    handle(method == null ? new JsonObject().put("id", id) : request, address)
        .onSuccess(
            reply -> {
              if (callback != null && callback.matches("[A-Za-z_$][A-Za-z0-9_$.]{0,63}")) {
                ctx.response()
                    .setStatusCode(200)
                    .putHeader("Content-Type", "text/javascript")
                    .end(callback + "(" + reply + ")");
              } else {
                send(ctx, status(reply), reply.toString());
              }
            });
  }

  private void socket(ServerWebSocket ws) {
    String address = ws.remoteAddress() == null ? "unknown" : ws.remoteAddress().hostAddress();
    Consumer<JsonObject> push =
        n -> {
          if (!ws.isClosed()) {
            ws.writeTextMessage(n.encode());
          }
        };
    notifier.add(push);
    ws.closeHandler(v -> notifier.remove(push));
    ws.textMessageHandler(
        text -> {
          Object parsed;
          try {
            parsed = Json.decodeValue(text);
          } catch (DecodeException e) {
            parsed = null;
          }
          if (!(parsed instanceof JsonObject) && !(parsed instanceof JsonArray)
              || tooDeep(parsed, 0)) {
            ws.writeTextMessage(error(null, new RpcError(RpcError.PARSE, "Parse error.")).encode());
            return;
          }
          Access.Refused r = access.refused(address);
          if (r != null) {
            ws.writeTextMessage(error(null, tooMany(r.retryAfterSeconds())).encode());
            return;
          }
          handle(parsed, address)
              .onSuccess(
                  reply -> {
                    if (!ws.isClosed()) {
                      ws.writeTextMessage(reply.toString());
                    }
                  });
        });
  }

  /** One request or a batch; never fails: errors are answers. */
  private Future<Object> handle(Object parsed, String address) {
    if (parsed instanceof JsonArray batch) {
      List<Future<JsonObject>> each = new ArrayList<>();
      for (Object o : batch) {
        each.add(
            o instanceof JsonObject r
                ? one(r, address)
                : Future.succeededFuture(
                    error(null, new RpcError(RpcError.INVALID_REQUEST, "Invalid Request."))));
      }
      return Future.join(each)
          .map(
              v -> {
                JsonArray out = new JsonArray();
                each.forEach(f -> out.add(f.result()));
                return (Object) out;
              });
    }
    return one((JsonObject) parsed, address).map(r -> (Object) r);
  }

  private Future<JsonObject> one(JsonObject request, String address) {
    Object id = request.getValue("id");
    if (!(request.getValue("method") instanceof String method)) {
      return Future.succeededFuture(
          error(id, new RpcError(RpcError.INVALID_REQUEST, "Invalid Request.")));
    }
    Object rawParams = request.getValue("params");
    if (rawParams != null && !(rawParams instanceof JsonArray)) {
      return Future.succeededFuture(
          error(id, new RpcError(RpcError.INVALID_REQUEST, "Invalid Request.")));
    }
    JsonArray params = rawParams == null ? new JsonArray() : (JsonArray) rawParams;
    return invoke(method, params, address, null)
        .map(result -> new JsonObject().put("id", id).put("jsonrpc", "2.0").put("result", result))
        .otherwise(
            err ->
                error(
                    id,
                    err instanceof RpcError e
                        ? e
                        : RpcError.aria2(String.valueOf(err.getMessage()))));
  }

  /**
   * One method: the token checked (every method but system.listMethods and listNotifications), a
   * read token kept to {@link #READ_METHODS}, multicall unrolled (each call checked on its own). An
   * acting call logs one line naming the token; inside a multicall it is noted in {@code acted}
   * (method to token name) and the multicall logs one line for all of them.
   */
  private Future<Object> invoke(
      String method, JsonArray params, String address, Map<String, String> acted) {
    if (method.equals("system.listMethods") || method.equals("system.listNotifications")) {
      return methods.call(method, new JsonArray());
    }
    if (method.equals("system.multicall")) {
      if (params.isEmpty() || !(params.getValue(0) instanceof JsonArray calls)) {
        return Future.failedFuture(RpcError.wrongType(0));
      }
      List<Future<Object>> each = new ArrayList<>();
      Map<String, String> inner = new TreeMap<>();
      for (Object c : calls) {
        if (!(c instanceof JsonObject call)
            || !(call.getValue("methodName") instanceof String name)
            || call.getValue("params") != null && !(call.getValue("params") instanceof JsonArray)) {
          each.add(Future.failedFuture(RpcError.aria2("Invalid method call.")));
        } else if (name.equals("system.multicall")) {
          each.add(Future.failedFuture(RpcError.aria2("Recursive system.multicall forbidden.")));
        } else {
          JsonArray p = call.getJsonArray("params", new JsonArray());
          each.add(invoke(name, p, address, inner).map(r -> (Object) new JsonArray().add(r)));
        }
      }
      new TreeSet<>(inner.values())
          .forEach(
              token -> {
                List<String> names =
                    inner.entrySet().stream()
                        .filter(e -> e.getValue().equals(token))
                        .map(Map.Entry::getKey)
                        .toList();
                access.acted(new Access.Granted(token, true), address, "system.multicall " + names);
              });
      return Future.join(each)
          .transform(
              v -> {
                JsonArray out = new JsonArray();
                for (Future<Object> f : each) {
                  out.add(f.succeeded() ? f.result() : fault(f.cause()));
                }
                return Future.succeededFuture(out);
              });
    }
    JsonArray rest = params.copy();
    boolean hasToken =
        !rest.isEmpty() && rest.getValue(0) instanceof String s && s.startsWith("token:");
    Access.Outcome outcome =
        access.check(address, hasToken ? rest.getString(0).substring("token:".length()) : null);
    if (outcome instanceof Access.Refused r) {
      return Future.failedFuture(tooMany(r.retryAfterSeconds()));
    }
    if (!(outcome instanceof Access.Granted who)
        || !who.control() && !READ_METHODS.contains(method)) {
      return Future.failedFuture(RpcError.aria2("Unauthorized"));
    }
    if (!READ_METHODS.contains(method)) {
      if (acted == null) {
        access.acted(who, address, method);
      } else {
        acted.put(method, who.name());
      }
    }
    if (hasToken) {
      rest.remove(0);
    }
    return methods.call(method, rest);
  }

  private static JsonObject fault(Throwable err) {
    RpcError e = err instanceof RpcError r ? r : RpcError.aria2(String.valueOf(err.getMessage()));
    return new JsonObject().put("code", e.code).put("message", e.getMessage());
  }

  private static JsonObject error(Object id, RpcError e) {
    return new JsonObject().put("id", id).put("jsonrpc", "2.0").put("error", fault(e));
  }

  /** aria2's HTTP status for a reply: 200, or 400 for a single error answer (a batch is 200). */
  private static int status(Object reply) {
    return reply instanceof JsonObject r && r.getJsonObject("error") != null ? 400 : 200;
  }

  private static boolean tooDeep(Object v, int depth) {
    if (depth > MAX_DEPTH) {
      return true;
    }
    if (v instanceof JsonObject o) {
      for (String k : o.fieldNames()) {
        if (tooDeep(o.getValue(k), depth + 1)) {
          return true;
        }
      }
    } else if (v instanceof JsonArray a) {
      for (Object x : a) {
        if (tooDeep(x, depth + 1)) {
          return true;
        }
      }
    }
    return false;
  }

  private static void send(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).end(body);
  }
}
