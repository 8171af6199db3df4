package io.aria2sv.supervisor;

import io.aria2sv.config.AppConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Decides whether and when to restart after a crash. Restart intensity is OTP style: at most {@code
 * maxRestarts} within a sliding {@code window}, else give up. Delays grow exponentially from {@code
 * initialDelay} to {@code maxDelay} with +/- {@code jitter}; the first restart after a stable run
 * (see {@link #markStable()}) is immediate.
 *
 * <p>Not thread safe: the supervisor uses it from its event loop only.
 */
public final class RestartPolicy {
  private AppConfig.Restart config;
  private final RandomGenerator random;
  private final Deque<Long> restartTimes = new ArrayDeque<>();
  private int consecutive;

  public RestartPolicy(AppConfig.Restart config, RandomGenerator random) {
    this.config = config;
    this.random = random;
  }

  /**
   * Records a crash at {@code nowMillis} and returns the delay before the next start, or empty when
   * the budget is spent.
   */
  public Optional<Duration> nextDelay(long nowMillis) {
    prune(nowMillis);
    if (restartTimes.size() >= config.maxRestarts()) {
      return Optional.empty();
    }
    restartTimes.addLast(nowMillis);
    Duration delay = delayFor(consecutive);
    consecutive++;
    return Optional.of(delay);
  }

  /** The delay for the n-th restart in a row (0-based), jitter included. */
  Duration delayFor(int attempt) {
    if (attempt == 0) {
      return Duration.ZERO;
    }
    double base = config.initialDelay().toMillis() * Math.pow(2, Math.min(attempt - 1, 30));
    double capped = Math.min(base, config.maxDelay().toMillis());
    double factor = 1.0 + config.jitter() * (2 * random.nextDouble() - 1);
    long ms = Math.round(Math.min(capped * factor, config.maxDelay().toMillis()));
    return Duration.ofMillis(Math.max(0, ms));
  }

  /** New limits from a configuration change; the history of restarts is kept. */
  public void reconfigure(AppConfig.Restart next) {
    this.config = next;
  }

  /** aria2c has run healthily for {@code resetAfter}: delays and budget start afresh. */
  public void markStable() {
    consecutive = 0;
    restartTimes.clear();
  }

  /** An explicit start by an operator: forget the history, including a spent budget. */
  public void reset() {
    markStable();
  }

  /** Restarts counted in the window ending at {@code nowMillis}. */
  public int restartsInWindow(long nowMillis) {
    prune(nowMillis);
    return restartTimes.size();
  }

  private void prune(long nowMillis) {
    long windowStart = nowMillis - config.window().toMillis();
    while (!restartTimes.isEmpty() && restartTimes.peekFirst() <= windowStart) {
      restartTimes.removeFirst();
    }
  }
}
