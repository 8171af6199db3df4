package io.aria2sv.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.config.AppConfig;
import io.aria2sv.config.HttpAccess;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tokens by scope and the throttle on wrong ones, on a clock the test moves. */
@Timeout(10)
class AccessTest {
  private final AtomicLong now = new AtomicLong(1_000_000);

  private static byte[] sha256(String s) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
  }

  private Access access() throws Exception {
    AppConfig.Http http =
        new AppConfig.Http(
            "127.0.0.1",
            0,
            "legacy",
            false,
            1024,
            List.of(),
            Duration.ofSeconds(15),
            Duration.ofSeconds(60),
            List.of(new HttpAccess.Token("viewer", false, sha256("look"))),
            new HttpAccess.AuthFailures(3, Duration.ofSeconds(10)),
            new HttpAccess.Tls(null, null, Duration.ofSeconds(10)));
    return new Access(http, now::get);
  }

  @Test
  void eachTokenIsKnownByItsScopeAndNoTokenIsNotAFailure() throws Exception {
    Access a = access();
    assertThat(a.check("10.0.0.1", "look")).isEqualTo(new Access.Granted("viewer", false));
    assertThat(a.check("10.0.0.1", "legacy")).isEqualTo(new Access.Granted("http.token", true));
    for (int i = 0; i < 10; i++) {
      assertThat(a.check("10.0.0.1", null)).isInstanceOf(Access.Missing.class);
    }
    assertThat(a.check("10.0.0.1", "look")).isInstanceOf(Access.Granted.class);
  }

  @Test
  void theLimitOfWrongTokensRefusesTheAddressForAWindowAndOnlyThatAddress() throws Exception {
    Access a = access();
    assertThat(a.check("10.0.0.1", "guess1")).isInstanceOf(Access.Invalid.class);
    assertThat(a.check("10.0.0.1", "guess2")).isInstanceOf(Access.Invalid.class);
    assertThat(a.check("10.0.0.1", "guess3")).isInstanceOf(Access.Invalid.class);
    Access.Outcome refused = a.check("10.0.0.1", "look");
    assertThat(refused).isInstanceOf(Access.Refused.class);
    assertThat(((Access.Refused) refused).retryAfterSeconds()).isEqualTo(10);
    assertThat(a.check("10.0.0.2", "look"))
        .as("another address")
        .isInstanceOf(Access.Granted.class);

    now.addAndGet(9_999);
    assertThat(a.check("10.0.0.1", "look")).isInstanceOf(Access.Refused.class);
    now.addAndGet(1);
    assertThat(a.check("10.0.0.1", "look")).isInstanceOf(Access.Granted.class);
    // a fresh window: two more wrong ones are not yet a refusal
    a.check("10.0.0.1", "guess4");
    a.check("10.0.0.1", "guess5");
    assertThat(a.check("10.0.0.1", "look")).isInstanceOf(Access.Granted.class);
  }

  @Test
  void wrongTokensSpreadOverMoreThanAWindowAreNeverRefused() throws Exception {
    Access a = access();
    for (int i = 0; i < 6; i++) {
      a.check("10.0.0.1", "guess" + i);
      now.addAndGet(6_000); // two per 10 s window at most
      assertThat(a.check("10.0.0.1", "look")).isInstanceOf(Access.Granted.class);
    }
  }
}
