package io.aria2sv.auth;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed authentications by remote address: after {@code limit} failures within {@code window} the
 * address is refused for a {@code window}, and the burst is logged once. Bounded: the addresses
 * seen longest ago are forgotten first. Used on one event loop only.
 */
final class AuthThrottle {
  private static final Logger LOG = LoggerFactory.getLogger(AuthThrottle.class);
  private static final int MAX_ADDRESSES = 10_000;

  private static final class Record {
    long windowStart;
    int failures;
    long refusedUntil;
  }

  private final int limit;
  private final long windowMs;
  private final LongSupplier clock;
  private final Map<String, Record> byAddress =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Record> eldest) {
          return size() > MAX_ADDRESSES;
        }
      };

  AuthThrottle(int limit, Duration window, LongSupplier clock) {
    this.limit = limit;
    this.windowMs = window.toMillis();
    this.clock = clock;
  }

  /** How long {@code address} is still refused, in milliseconds; 0 when it is not. */
  long refusedFor(String address) {
    Record r = byAddress.get(address);
    if (r == null) {
      return 0;
    }
    long left = r.refusedUntil - clock.getAsLong();
    return Math.max(0, left);
  }

  /** Counts a failed authentication of {@code address}. */
  void failed(String address) {
    long now = clock.getAsLong();
    Record r = byAddress.computeIfAbsent(address, a -> new Record());
    if (now - r.windowStart >= windowMs || r.refusedUntil != 0 && now >= r.refusedUntil) {
      r.windowStart = now;
      r.failures = 0;
      r.refusedUntil = 0;
    }
    r.failures++;
    if (r.failures == limit) {
      r.refusedUntil = now + windowMs;
      LOG.warn(
          "{} failed authentications from {} within {} ms: refusing it (429) for {} ms",
          limit,
          address,
          windowMs,
          windowMs);
    }
  }
}
