package io.aria2sv.bus;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * The one way consumers answer: a future's value becomes the reply, a failure becomes {@code
 * message.fail(code, text)} with the code {@link Failures} maps it to. Consumers never throw.
 */
public final class BusReplies {
  private BusReplies() {}

  /** A failure carrying {@code code}, to fail a future with. */
  public static ReplyException failure(ErrorCode code, String message) {
    return Failures.of(code, message);
  }

  /**
   * Replies with the result of {@code result}, or fails the message with the code {@link
   * Failures#toBus} gives its failure. A bus failure of another request passes on as it came (a
   * timeout stays a timeout).
   */
  public static void reply(Message<?> message, Future<JsonObject> result) {
    result.onComplete(
        ar -> {
          if (ar.succeeded()) {
            message.reply(ar.result());
            return;
          }
          ReplyException re = Failures.toBus(ar.cause());
          int code =
              re.failureType() == ReplyFailure.RECIPIENT_FAILURE
                  ? re.failureCode()
                  : re.failureType() == ReplyFailure.TIMEOUT
                      ? ErrorCode.TIMEOUT.code()
                      : ErrorCode.NOT_RUNNING.code();
          message.fail(code, re.getMessage());
        });
  }

  /**
   * Runs {@code handler} on the body ({@code {}} when none) and replies; a throw is a failure too.
   */
  public static void answer(
      Message<JsonObject> message,
      java.util.function.Function<JsonObject, Future<JsonObject>> handler) {
    Future<JsonObject> result;
    try {
      result = handler.apply(message.body() == null ? new JsonObject() : message.body());
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    reply(message, result);
  }
}
