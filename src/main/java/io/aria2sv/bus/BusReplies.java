package io.aria2sv.bus;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * The one way consumers answer: a future's value becomes the reply, a failure becomes
 * {@code message.fail(code, text)} with a code of {@link ErrorCode}. Consumers never throw.
 */
public final class BusReplies {
  private BusReplies() {}

  /** A failure carrying {@code code}, to fail a future with. */
  public static ReplyException failure(ErrorCode code, String message) {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code.code(), message);
  }

  /** Replies with the result of {@code result}, or fails the message with its code. */
  public static void reply(Message<?> message, Future<JsonObject> result) {
    result.onComplete(
        ar -> {
          if (ar.succeeded()) {
            message.reply(ar.result());
          } else if (ar.cause() instanceof ReplyException re
              && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
            message.fail(re.failureCode(), re.getMessage());
          } else {
            message.fail(ErrorCode.INTERNAL.code(), String.valueOf(ar.cause().getMessage()));
          }
        });
  }
}
