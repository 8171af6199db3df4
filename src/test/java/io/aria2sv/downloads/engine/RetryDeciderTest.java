package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.config.AppConfig;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RetryDeciderTest {
  private static RetryDecider decider(boolean autoRetry, int maxRetries) {
    return new RetryDecider(
        new AppConfig.Downloads(
            autoRetry,
            maxRetries,
            Duration.ofSeconds(2),
            Duration.ofSeconds(1),
            Set.of(1, 2, 5, 6, 19, 22, 29),
            Duration.ZERO,
            1.0,
            Duration.ofHours(1),
            -1,
            Duration.ofMinutes(1),
            10_000));
  }

  @Test
  void transientErrorsAreReAddedWithADoublingDelay() {
    RetryDecider d = decider(true, 5);
    for (int code : List.of(1, 2, 5, 6, 19, 22, 29)) {
      assertThat(d.reAddDelay(code, 0)).as("code " + code).contains(Duration.ofSeconds(2));
    }
    assertThat(d.reAddDelay(6, 1)).contains(Duration.ofSeconds(4));
    assertThat(d.reAddDelay(6, 2)).contains(Duration.ofSeconds(8));
  }

  @Test
  void permanentErrorsFailAtOnce() {
    RetryDecider d = decider(true, 5);
    for (int code : List.of(3, 9, 13, 24, 28)) {
      assertThat(d.reAddDelay(code, 0)).as("code " + code).isEmpty();
    }
  }

  @Test
  void reAddsStopAtMaxRetriesAndWhenAutoRetryIsOff() {
    assertThat(decider(true, 2).reAddDelay(6, 2)).isEmpty();
    assertThat(decider(false, 5).reAddDelay(6, 0)).isEmpty();
    assertThat(decider(true, 2).canRetry(6, 1)).isTrue();
    assertThat(decider(true, 2).canRetry(null, 0)).isFalse();
  }

  @Test
  void multicallChunksStayUnderTheSizeAndCountLimits() {
    List<Integer> items = IntStream.range(0, 2000).boxed().toList();
    List<List<Integer>> bySize = BatchChunks.split(items, i -> 1024);
    assertThat(bySize)
        .allSatisfy(c -> assertThat(c.size() * 1024).isLessThanOrEqualTo(BatchChunks.MAX_BYTES));
    assertThat(bySize.stream().mapToInt(List::size).sum()).isEqualTo(2000);
    List<List<Integer>> byCount = BatchChunks.split(items, i -> 10);
    assertThat(byCount)
        .allSatisfy(c -> assertThat(c).hasSizeLessThanOrEqualTo(BatchChunks.MAX_CALLS));
    assertThat(BatchChunks.split(List.of(1), i -> 10_000_000)).containsExactly(List.of(1));
  }
}
