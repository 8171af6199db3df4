package io.aria2sv.downloads.request;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;

/**
 * A request that cannot be accepted (400); the message names the field and what is wrong with it.
 */
public final class ValidationException extends ServiceException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String problem;

  public ValidationException(String field, String problem) {
    super(ErrorCode.BAD_REQUEST, field + ": " + problem);
    this.field = field;
    this.problem = problem;
  }

  /** The field named, e.g. {@code items[2].dir}. */
  public String field() {
    return field;
  }

  /** What is wrong with it. */
  public String problem() {
    return problem;
  }
}
