package io.aria2sv.downloads.request;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;

/**
 * A request that cannot be accepted (400); the message names the field and what is wrong with it.
 */
public final class ValidationException extends ServiceException {
  private static final long serialVersionUID = 1L;

  public ValidationException(String field, String problem) {
    super(ErrorCode.BAD_REQUEST, field + ": " + problem);
  }
}
