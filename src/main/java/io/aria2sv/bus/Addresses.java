package io.aria2sv.bus;

/**
 * Every event-bus address of aria2-supervisor, with its kind and its JSON. Bodies are
 * {@code JsonObject}s. Failures are {@code message.fail(code, text)} with codes of
 * {@link ErrorCode}.
 *
 * <p>Request/reply addresses are {@code aria2.supervisor.<verb>} and {@code aria2.downloads.<verb>};
 * published events are {@code aria2.events.<area>}. Every event carries {@code type} and
 * {@code ts} (epoch milliseconds).
 */
public final class Addresses {
  private Addresses() {}

  /**
   * Request/reply. Request {@code {}}. Reply, the status: {@code {state, pid, rpcPort, startedAt,
   * uptimeMs, restarts, restartsInWindow, lastRestart:{at,reason}|null, rpcHealthy, version,
   * sessionId, dataDir}}. {@code state} is one of STOPPED, STARTING, RUNNING, RESTARTING, STOPPING,
   * FAILED. Never fails; never starts aria2c.
   */
  public static final String SUPERVISOR_STATUS = "aria2.supervisor.status";

  /**
   * Request/reply. Request {@code {}}. Reply {@code {status:{…as SUPERVISOR_STATUS…},
   * aria2:{version, enabledFeatures:[…]}, globalStat:{downloadSpeed, uploadSpeed, numActive,
   * numWaiting, numStopped, numStoppedTotal}|null, activeDownloads}}. Fails NOT_RUNNING when aria2c
   * is not running, TIMEOUT when it does not answer within {@code supervisor.healthTimeout}.
   */
  public static final String SUPERVISOR_DETAILS = "aria2.supervisor.details";

  /**
   * Request/reply. Request {@code {}}. Starts aria2c if it is not running (also leaves FAILED);
   * concurrent requests share one start. Reply: the status once RUNNING. Fails START_FAILED.
   */
  public static final String SUPERVISOR_START = "aria2.supervisor.start";

  /**
   * Request/reply. Request {@code {}}. Stops aria2c gracefully (save session, SIGINT, then SIGTERM,
   * then SIGKILL); concurrent requests share one stop. Reply: the status once STOPPED.
   */
  public static final String SUPERVISOR_STOP = "aria2.supervisor.stop";

  /**
   * Request/reply. Request {@code {}}. A graceful stop, then a start; not counted against the
   * restart budget. Concurrent requests share one restart. Reply: the status once RUNNING.
   */
  public static final String SUPERVISOR_RESTART = "aria2.supervisor.restart";

  /**
   * Request/reply, <b>local consumer only</b> (the secret never leaves the JVM). Request {@code {}}.
   * Reply {@code {host, port, secret, sessionId}}. Fails NOT_RUNNING or SUPERVISOR_FAILED.
   */
  public static final String SUPERVISOR_ENDPOINT = "aria2.supervisor.endpoint";

  /**
   * Published. Supervisor events, by {@code type}:
   *
   * <ul>
   *   <li>{@code state-changed} {@code {from, to}}
   *   <li>{@code started} {@code {pid, rpcPort, version, sessionId, startupMs}}
   *   <li>{@code exited} {@code {pid, exitCode, expected}}: the aria2c process ended
   *   <li>{@code restarted} {@code {count, reason, pid}}
   *   <li>{@code health-check-failed} {@code {reason, consecutive, threshold}}
   *   <li>{@code max-restarts-reached} {@code {maxRestarts, window, lastReason}}
   *   <li>{@code stopped} {@code {pid, exitCode, graceful}}
   * </ul>
   */
  public static final String EVENTS_SUPERVISOR = "aria2.events.supervisor";

  /**
   * Published with <b>local-only</b> delivery each time a new aria2c becomes ready:
   * {@code {host, port, secret, sessionId}}.
   */
  public static final String EVENTS_SUPERVISOR_ENDPOINT = "aria2.events.supervisor.endpoint";
}
