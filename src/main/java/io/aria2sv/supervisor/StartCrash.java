package io.aria2sv.supervisor;

/** aria2c was killed by a signal before it was ready: a crash, not a refusal to start. */
final class StartCrash extends RuntimeException {
  private static final long serialVersionUID = 1L;

  StartCrash(String message) {
    super(message, null, false, false);
  }
}
