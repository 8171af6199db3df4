package io.aria2sv.http;

import io.aria2sv.bus.ErrorCode;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: {@code {"error":{"code","message"}}} with a
 * status from {@link ErrorCode} for bus failures ({@code NO_HANDLERS} 503, {@code TIMEOUT} 504).
 * Never a stack trace.
 */
public final class ErrorResponses {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {}

  /** Ends the response with {@code status}, a code name and a message. */
  public static void send(RoutingContext ctx, int status, String code, String message) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(
            new JsonObject()
                .put("error", new JsonObject().put("code", code).put("message", message))
                .encode());
  }

  /** Ends the response with {@code code}'s status and name and {@code message}. */
  public static void send(RoutingContext ctx, ErrorCode code, String message) {
    send(ctx, code.httpStatus(), code.name(), message);
  }

  /** Ends the response for a failed bus request. */
  public static void fromBus(RoutingContext ctx, Throwable err) {
    if (err instanceof ReplyException re) {
      switch (re.failureType()) {
        case NO_HANDLERS -> send(ctx, 503, "UNAVAILABLE", "the service is not running");
        case TIMEOUT -> send(ctx, 504, "TIMEOUT", "no answer in time");
        default -> {
          ErrorCode code = ErrorCode.of(re.failureCode());
          send(ctx, code.httpStatus(), code.name(), String.valueOf(re.getMessage()));
        }
      }
      return;
    }
    LOG.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), err);
    send(ctx, 500, ErrorCode.INTERNAL.name(), "internal error");
  }

  /** The code name for an HTTP status produced by the router itself (404, 405, 413, 415, …). */
  static String codeFor(int status) {
    return switch (status) {
      case 400 -> ErrorCode.BAD_REQUEST.name();
      case 401 -> ErrorCode.UNAUTHORIZED.name();
      case 404 -> ErrorCode.NOT_FOUND.name();
      case 405 -> "METHOD_NOT_ALLOWED";
      case 413 -> "PAYLOAD_TOO_LARGE";
      case 415 -> "UNSUPPORTED_MEDIA_TYPE";
      default -> status >= 500 ? ErrorCode.INTERNAL.name() : ErrorCode.BAD_REQUEST.name();
    };
  }
}
