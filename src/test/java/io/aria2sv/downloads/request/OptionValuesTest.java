package io.aria2sv.downloads.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A per-download option value is refused with a message that says what aria2 wants, and exactly
 * when aria2c itself would refuse it: each sample is also given to a real aria2c.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OptionValuesTest {
  @TempDir Path dir;

  /**
   * {option, value, whether we take it}; a fourth element marks a value aria2c takes but that we
   * refuse on purpose, and says why.
   */
  private static final String[][] SAMPLES = {
    {"max-download-limit", "500K", "yes"},
    {"max-download-limit", "2M", "yes"},
    {"max-download-limit", "0", "yes"},
    {"max-download-limit", "fast", "no"},
    {"max-download-limit", "-1", "no"},
    {"max-download-limit", "1G", "no"},
    {"lowest-speed-limit", "10k", "yes"},
    {"split", "4", "yes"},
    {"split", "0", "no"},
    {"max-connection-per-server", "16", "yes"},
    {"max-connection-per-server", "17", "no"},
    {"max-connection-per-server", "four", "no"},
    {"timeout", "600", "yes"},
    {"timeout", "601", "no"},
    {"retry-wait", "0", "yes"},
    {"max-tries", "0", "yes"},
    {"min-split-size", "1M", "yes"},
    {"min-split-size", "1024M", "yes"},
    {"min-split-size", "512K", "no"},
    {"min-split-size", "2048M", "no"},
    {"allow-overwrite", "true", "yes"},
    {"allow-overwrite", "yes", "no"},
    {"file-allocation", "falloc", "yes"},
    {"file-allocation", "fast", "no"},
    {"uri-selector", "feedback", "yes"},
    {"uri-selector", "random", "no"},
    {"seed-ratio", "1.5", "yes"},
    {"seed-ratio", "a lot", "no", "aria2c reads text as a ratio of 0 and seeds not at all"},
    {"seed-time", "90", "yes"},
    {"select-file", "1,3-5", "yes"},
    {"select-file", "first", "no"},
    {"checksum", "sha-256=" + "ab".repeat(32), "yes"},
    {"checksum", "sha256:abc", "no"},
    {"bt-prioritize-piece", "head=1M,tail", "yes"},
    {"bt-prioritize-piece", "middle", "no"},
    {"user-agent", "anything/1.0", "yes"},
  };

  @Test
  void aBadValueSaysWhatAria2Wants() {
    assertThatThrownBy(
            () -> OptionValues.check("max-download-limit", "fast", "options.max-download-limit"))
        .isInstanceOf(ValidationException.class)
        .hasMessage(
            "options.max-download-limit: must be a speed in bytes per second: a whole number with"
                + " an optional K or M (e.g. 500K or 2M; 0 for no limit)");
    assertThatThrownBy(
            () ->
                OptionValues.check(
                    "max-connection-per-server",
                    "17",
                    "items[2].options.max-connection-per-server"))
        .hasMessage(
            "items[2].options.max-connection-per-server: must be a whole number from 1 to 16");
    assertThatThrownBy(() -> OptionValues.check("file-allocation", "fast", "o"))
        .hasMessage("o: must be one of falloc, none, prealloc, trunc");
  }

  @Test
  void ourVerdictOnEachSampleIsTheOneOfARealAria2c() throws Exception {
    List<String> disagreements = new ArrayList<>();
    for (String[] s : SAMPLES) {
      boolean ours = accepted(s[0], s[1]);
      boolean aria2s = aria2cTakes(s[0], s[1]);
      assertThat(ours).as("our verdict on %s=%s", s[0], s[1]).isEqualTo(s[2].equals("yes"));
      if (s.length > 3) {
        assertThat(aria2s).as("aria2c takes %s=%s (%s)", s[0], s[1], s[3]).isTrue();
      } else if (ours != aria2s) {
        disagreements.add(
            s[0] + "=" + s[1] + " (aria2c " + (aria2s ? "takes" : "refuses") + " it)");
      }
    }
    assertThat(disagreements).as("where we and aria2c disagree").isEmpty();
  }

  private static boolean accepted(String name, String value) {
    try {
      OptionValues.check(name, value, "options." + name);
      return true;
    } catch (ValidationException e) {
      return false;
    }
  }

  /**
   * Whether aria2c takes the value: given no URI, it checks its options and exits, either on the
   * option or on the missing URI.
   */
  private boolean aria2cTakes(String name, String value) throws IOException, InterruptedException {
    Path out = dir.resolve("aria2c.out");
    Process p =
        new ProcessBuilder("aria2c", "--no-conf", "--dir=" + dir, "--" + name + "=" + value)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("aria2c did not exit on " + name + "=" + value);
    }
    String said = java.nio.file.Files.readString(out, StandardCharsets.UTF_8);
    assertThat(said).as("aria2c's answer on %s=%s", name, value).isNotBlank();
    return !said.contains("problem while processing the option");
  }
}
