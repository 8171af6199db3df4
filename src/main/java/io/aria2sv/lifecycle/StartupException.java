package io.aria2sv.lifecycle;

/**
 * A start-up failure that maps to a documented process exit code (see {@link ExitCodes}). The
 * message is a single line meant for the operator, with a hint where one helps, so it is logged
 * without a stack trace.
 */
public class StartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public StartupException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  /** The process exit code this failure should produce. */
  public int exitCode() {
    return exitCode;
  }
}
