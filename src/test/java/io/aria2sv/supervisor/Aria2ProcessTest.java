package io.aria2sv.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class Aria2ProcessTest {
  private static Map<String, String> tuned(Map<String, String> env) {
    Map<String, String> copy = new HashMap<>(env);
    Aria2Process.tuneMalloc(copy);
    return copy;
  }

  @Test
  void aria2cGetsASixteenMebibyteMallocTrimThreshold() {
    assertThat(tuned(Map.of("PATH", "/usr/bin")))
        .containsEntry("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=16777216")
        .containsEntry("PATH", "/usr/bin");
    assertThat(tuned(Map.of("GLIBC_TUNABLES", "")))
        .containsEntry("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=16777216");
  }

  @Test
  void otherTunablesOfTheUserAreKept() {
    assertThat(tuned(Map.of("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")))
        .containsEntry(
            "GLIBC_TUNABLES", "glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=16777216");
  }

  @Test
  void aTrimThresholdTheUserSetWins() {
    Map<String, String> tunable = Map.of("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=131072");
    assertThat(tuned(tunable)).isEqualTo(tunable);
    Map<String, String> legacy = Map.of("MALLOC_TRIM_THRESHOLD_", "131072");
    assertThat(tuned(legacy)).isEqualTo(legacy);
  }
}
