package io.aria2sv.bus;

/**
 * A failure of domain code that already knows what it means to a caller: it carries the {@link
 * ErrorCode} that the bus failure (and so the HTTP status) will have, and a message meant for the
 * caller. Domain code throws or fails futures with it; the verticles turn it into a bus failure.
 */
public class ServiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient ErrorCode code;

  /** A failure with {@code code} and a message that says what is wrong. */
  public ServiceException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** A failure with {@code code} caused by {@code cause}, for subclasses that keep it. */
  protected ServiceException(ErrorCode code, String message, Throwable cause) {
    super(message, cause, false, false);
    this.code = code;
  }

  /** What the caller is told: the message, unless a subclass words it for callers. */
  public String callerMessage() {
    return getMessage();
  }

  /** The code of the bus failure this becomes. */
  public ErrorCode code() {
    return code;
  }
}
