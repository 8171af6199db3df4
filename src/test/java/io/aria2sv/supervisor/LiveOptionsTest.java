package io.aria2sv.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a live change of aria2.options sends to the running aria2c, and what it can only name. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LiveOptionsTest {
  @Test
  void newAndChangedOptionsAreSentAndRemovedOnesNamed() {
    LiveOptions d =
        LiveOptions.diff(
            Map.of("max-overall-download-limit", "1M", "split", "5", "max-tries", "3"),
            Map.of("max-overall-download-limit", "2M", "split", "5", "user-agent", "x"));

    assertThat(d.changed().getMap())
        .containsOnly(Map.entry("max-overall-download-limit", "2M"), Map.entry("user-agent", "x"));
    assertThat(d.removed()).containsExactly("max-tries");
  }

  @Test
  void theSameOptionsChangeNothing() {
    LiveOptions d = LiveOptions.diff(Map.of("split", "5"), Map.of("split", "5"));
    assertThat(d.changed().isEmpty()).isTrue();
    assertThat(d.removed()).isEmpty();
  }
}
