package io.aria2sv.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.config.AppConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RestartPolicyTest {
  private static AppConfig.Restart config(double jitter, int maxRestarts) {
    return new AppConfig.Restart(
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        jitter,
        maxRestarts,
        Duration.ofMinutes(10),
        Duration.ofMinutes(1));
  }

  @Test
  void firstRestartIsImmediateThenDelaysDoubleUpToTheCap() {
    RestartPolicy p = new RestartPolicy(config(0, 100), new SplittableRandom(1));
    long[] expected = {0, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (long ms : expected) {
      assertThat(p.nextDelay(0)).contains(Duration.ofMillis(ms));
    }
  }

  @Test
  void jitterStaysWithinItsFractionAndUnderTheCap() {
    RestartPolicy p = new RestartPolicy(config(0.5, 100), new SplittableRandom(7));
    for (int i = 0; i < 1000; i++) {
      long ms = p.delayFor(3).toMillis(); // nominal 4000
      assertThat(ms).isBetween(2000L, 6000L);
      assertThat(p.delayFor(20).toMillis()).isLessThanOrEqualTo(30_000);
    }
  }

  @Test
  void jitterActuallyVariesTheDelay() {
    RestartPolicy p = new RestartPolicy(config(0.2, 100), new SplittableRandom(3));
    assertThat(
            java.util.stream.IntStream.range(0, 50)
                .mapToLong(i -> p.delayFor(2).toMillis())
                .distinct()
                .count())
        .isGreaterThan(10);
  }

  @Test
  void givesUpWhenTheBudgetOfTheWindowIsSpent() {
    RestartPolicy p = new RestartPolicy(config(0, 3), new SplittableRandom(1));
    assertThat(p.nextDelay(0)).isPresent();
    assertThat(p.nextDelay(1000)).isPresent();
    assertThat(p.nextDelay(2000)).isPresent();
    assertThat(p.nextDelay(3000)).isEqualTo(Optional.empty());
    assertThat(p.restartsInWindow(3000)).isEqualTo(3);
  }

  @Test
  void restartsOlderThanTheWindowNoLongerCount() {
    RestartPolicy p = new RestartPolicy(config(0, 2), new SplittableRandom(1));
    p.nextDelay(0);
    p.nextDelay(1000);
    long afterWindow = Duration.ofMinutes(10).toMillis() + 1;
    assertThat(p.nextDelay(afterWindow)).isPresent();
    assertThat(p.restartsInWindow(afterWindow)).isEqualTo(2);
  }

  @Test
  void aStableRunResetsDelayAndBudget() {
    RestartPolicy p = new RestartPolicy(config(0, 2), new SplittableRandom(1));
    p.nextDelay(0);
    p.nextDelay(0);
    assertThat(p.nextDelay(0)).isEmpty();
    p.markStable();
    assertThat(p.nextDelay(0)).contains(Duration.ZERO);
    assertThat(p.nextDelay(0)).contains(Duration.ofSeconds(1));
  }

  @Test
  void zeroMaxRestartsNeverRestarts() {
    RestartPolicy p = new RestartPolicy(config(0, 0), new SplittableRandom(1));
    assertThat(p.nextDelay(0)).isEmpty();
  }
}
