package io.aria2sv.bus;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from any failure to a bus failure with a code of {@link ErrorCode}: what every
 * consumer fails its message with. Domain failures say their own code ({@link ServiceException});
 * aria2's say theirs by kind; anything else is a bug, logged here once with its stack trace and
 * answered as {@code INTERNAL} without one.
 */
public final class Failures {
  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

  private Failures() {}

  /** A bus failure carrying {@code code}. */
  public static ReplyException of(ErrorCode code, String message) {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code.code(), message);
  }

  /** The bus failure for {@code err}. */
  public static ReplyException toBus(Throwable err) {
    if (err instanceof ReplyException re) {
      return re;
    }
    if (err instanceof ServiceException e) {
      return of(e.code(), e.callerMessage());
    }
    LOG.error("unexpected failure", err);
    return of(ErrorCode.INTERNAL, "internal error");
  }
}
