package io.aria2sv.auth;

import io.aria2sv.config.AppConfig;
import io.aria2sv.config.HttpAccess;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is asking: the tokens of the HTTP API ({@code http.token}, scope control, and the named
 * {@code http.tokens}, known by their SHA-256), checked in constant time against every one, and the
 * throttle on failed attempts by address. Shared by the REST routes and {@code /jsonrpc}; used on
 * the HTTP verticle's event loop only.
 */
public final class Access {
  private static final Logger LOG = LoggerFactory.getLogger(Access.class);

  /** What a presented token (or its absence) amounts to. */
  public sealed interface Outcome {}

  /** A known token. */
  public record Granted(String name, boolean control) implements Outcome {}

  /** No token was presented. */
  public record Missing() implements Outcome {}

  /** A token was presented and matches none. */
  public record Invalid() implements Outcome {}

  /** The address failed too often; refused for {@code retryAfterMs} more. */
  public record Refused(long retryAfterMs) implements Outcome {
    /** Seconds for a {@code Retry-After} header, at least one. */
    public long retryAfterSeconds() {
      return Math.max(1, (retryAfterMs + 999) / 1000);
    }
  }

  private record Known(String name, boolean control, byte[] sha256) {}

  private static final Granted OPEN = new Granted("", true);

  private final List<Known> known = new ArrayList<>();
  private final AuthThrottle throttle;

  /** The tokens and limits of {@code http}. */
  public Access(AppConfig.Http http) {
    this(http, System::currentTimeMillis);
  }

  Access(AppConfig.Http http, LongSupplier clock) {
    if (!http.token().isEmpty()) {
      known.add(new Known("http.token", true, sha256(http.token())));
    }
    for (HttpAccess.Token t : http.tokens()) {
      known.add(new Known(t.name(), t.control(), t.sha256()));
    }
    throttle = new AuthThrottle(http.authFailures().limit(), http.authFailures().window(), clock);
  }

  /** Whether any token is configured; without one every request is granted, as control. */
  public boolean enabled() {
    return !known.isEmpty();
  }

  /** Whether {@code address} is refused now: its refusal, else null. */
  public Refused refused(String address) {
    long ms = known.isEmpty() ? 0 : throttle.refusedFor(address);
    return ms > 0 ? new Refused(ms) : null;
  }

  /**
   * What {@code given} (null when none was presented) from {@code address} may do. Every known hash
   * is compared, in constant time, whichever matches; a wrong token counts against the address.
   */
  public Outcome check(String address, String given) {
    if (known.isEmpty()) {
      return OPEN;
    }
    Refused refused = refused(address);
    if (refused != null) {
      return refused;
    }
    if (given == null) {
      return new Missing();
    }
    byte[] hash = sha256(given);
    Known match = null;
    for (Known k : known) {
      if (MessageDigest.isEqual(hash, k.sha256()) && match == null) {
        match = k;
      }
    }
    if (match == null) {
      throttle.failed(address);
      return new Invalid();
    }
    return new Granted(match.name(), match.control());
  }

  /** One log line for a request that acts, naming the token (never the token itself). */
  public void acted(Granted who, String address, String what) {
    if (enabled()) {
      LOG.info("token '{}' from {}: {}", who.name(), address, what);
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
