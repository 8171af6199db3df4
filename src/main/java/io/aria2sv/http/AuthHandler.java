package io.aria2sv.http;

import io.aria2sv.auth.Access;
import io.aria2sv.bus.ErrorCode;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * The token check of the REST API, SSE, {@code /health/*} and {@code /metrics}: {@code
 * Authorization: Bearer <token>} (EventSource: {@code ?token=}). No token 401; a wrong one 401 and
 * counted against the address; too many wrong ones 429 with {@code Retry-After}; a read token on a
 * request that acts (anything but GET and HEAD) 403. Each request that acts logs one line naming
 * the token.
 */
final class AuthHandler {
  private final Access access;

  AuthHandler(Access access) {
    this.access = access;
  }

  /** Lets the request through, or answers it. */
  void handle(RoutingContext ctx) {
    String address = remote(ctx);
    Access.Outcome outcome = access.check(address, presented(ctx));
    if (outcome instanceof Access.Granted who) {
      HttpMethod method = ctx.request().method();
      boolean acts = method != HttpMethod.GET && method != HttpMethod.HEAD;
      if (acts && !who.control()) {
        ErrorResponses.send(
            ctx,
            ErrorCode.FORBIDDEN,
            "token '"
                + who.name()
                + "' has scope read: it may not "
                + method
                + " "
                + ctx.request().path());
        return;
      }
      if (acts) {
        ctx.addEndHandler(
            v ->
                access.acted(
                    who,
                    address,
                    method + " " + ctx.request().path() + " -> " + ctx.response().getStatusCode()));
      }
      ctx.next();
    } else if (outcome instanceof Access.Refused refused) {
      ctx.response().putHeader("Retry-After", String.valueOf(refused.retryAfterSeconds()));
      ErrorResponses.send(
          ctx,
          ErrorCode.TOO_MANY_REQUESTS,
          "too many failed authentications from "
              + address
              + "; try again in "
              + refused.retryAfterSeconds()
              + " s");
    } else {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"aria2-supervisor\"");
      ErrorResponses.send(
          ctx,
          ErrorCode.UNAUTHORIZED,
          outcome instanceof Access.Missing
              ? "a bearer token is required"
              : "the token is not valid");
    }
  }

  static String remote(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null
        ? "unknown"
        : ctx.request().remoteAddress().hostAddress();
  }

  /** Bearer token, or {@code ?token=} for EventSource, which cannot send headers. */
  private static String presented(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    return ctx.queryParam("token").isEmpty() ? null : ctx.queryParam("token").get(0);
  }
}
