package io.aria2sv.lifecycle;

/** The supervisor's process exit codes (sysexits.h where one fits). */
public final class ExitCodes {
  /** Clean stop. */
  public static final int OK = 0;

  /** Anything else. */
  public static final int FAILURE = 1;

  /** Bad command line. */
  public static final int USAGE = 64;

  /** aria2c not found or unusable. */
  public static final int UNAVAILABLE = 69;

  /** The data directory is locked by another supervisor. */
  public static final int LOCKED = 73;

  /** Invalid configuration; the message names the key. */
  public static final int CONFIG = 78;

  private ExitCodes() {}
}
