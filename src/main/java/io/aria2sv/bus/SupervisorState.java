package io.aria2sv.bus;

/** The life cycle of the supervised aria2c, as seen by the supervisor. */
public enum SupervisorState {
  /** No aria2c, none wanted. */
  STOPPED,
  /** aria2c spawned, not yet answering with our secret. */
  STARTING,
  /** aria2c answers RPC. */
  RUNNING,
  /** aria2c died or was replaced; a new one starts after the backoff delay. */
  RESTARTING,
  /** A requested, graceful stop is under way. */
  STOPPING,
  /** The restart budget is spent; only an explicit start leaves this state. */
  FAILED
}
