package io.aria2sv.downloads;

/** A request that cannot be accepted; the message names the field and what is wrong with it. */
public final class ValidationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ValidationException(String field, String problem) {
    super(field + ": " + problem, null, false, false);
  }
}
