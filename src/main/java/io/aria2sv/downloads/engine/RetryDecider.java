package io.aria2sv.downloads.engine;

import io.aria2sv.config.AppConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides whether a failed download is re-added, from aria2's error code: the codes in {@code
 * downloads.retryableErrors} (by default 1 unknown, 2 timeout, 5 too slow, 6 network, 19 DNS, 22
 * bad HTTP response, 29 server busy) are re-added up to {@code downloads.maxRetries} times, after
 * {@code retryDelay} doubling each time; every other code (3 not found, 9 disk full, 13 file
 * exists, 24 authorization, 28 bad option, …) fails at once ({@link DownloadManager} starts a
 * download over instead when its own partial file is in the way: 13 and 8).
 */
final class RetryDecider {
  private static final Duration MAX_DELAY = Duration.ofMinutes(5);

  private final AppConfig.Downloads config;

  RetryDecider(AppConfig.Downloads config) {
    this.config = config;
  }

  boolean isTransient(int errorCode) {
    return config.retryableErrors().contains(errorCode);
  }

  /** The delay before the next automatic re-add, or empty when the download fails for good. */
  Optional<Duration> reAddDelay(int errorCode, int retriesSoFar) {
    return isTransient(errorCode) ? nextDelay(retriesSoFar) : Optional.empty();
  }

  /** The delay before the next automatic re-add whatever the error, or empty when none is left. */
  Optional<Duration> nextDelay(int retriesSoFar) {
    if (!config.autoRetry() || retriesSoFar >= config.maxRetries()) {
      return Optional.empty();
    }
    long ms = config.retryDelay().toMillis() << Math.min(retriesSoFar, 20);
    return Optional.of(Duration.ofMillis(Math.min(ms, MAX_DELAY.toMillis())));
  }

  /** Whether more automatic re-adds remain for a download that failed with {@code errorCode}. */
  boolean canRetry(Integer errorCode, int retriesSoFar) {
    return errorCode != null && reAddDelay(errorCode, retriesSoFar).isPresent();
  }

  int maxRetries() {
    return config.maxRetries();
  }
}
