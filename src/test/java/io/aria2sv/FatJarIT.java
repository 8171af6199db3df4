package io.aria2sv;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar as a newcomer runs it: {@code java -jar} from any directory with the embedded
 * defaults, and from a checkout, where the shipped {@code conf/config.yaml} (all comments) is read.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FatJarIT {
  @TempDir Path cwd;

  @Test
  void startsFromAnyDirectoryWithEmbeddedDefaultsAndStopsCleanlyOnSigterm() throws Exception {
    startAndStop();
  }

  @Test
  void startsInACheckoutWithTheShippedConfigFileAndTheBuildsArchive() throws Exception {
    // The README's run command, from a checkout; -Xshare:on fails the start if the archive the
    // build made cannot be mapped.
    Files.createDirectories(cwd.resolve("conf"));
    Files.copy(Path.of("conf/config.yaml"), cwd.resolve("conf/config.yaml"));
    Path archive = Path.of(System.getProperty("fatJar")).resolveSibling("aria2-supervisor.jsa");
    assertThat(archive).isNotEmptyFile();
    startAndStop("-Xshare:on", "-XX:SharedArchiveFile=" + archive.toAbsolutePath());
  }

  private void startAndStop(String... jvmFlags) throws Exception {
    Path jar = Path.of(System.getProperty("fatJar"));
    assertThat(jar).exists();

    try (ChildJvm jvm = ChildJvm.jar(jar, java.util.List.of(jvmFlags), cwd, Map.of("ARIA2SV_HTTP_PORT", "0"))) {
      jvm.awaitOutput("aria2-supervisor running", Duration.ofSeconds(30));
      assertThat(jvm.output()).contains("profile default").contains("aria2c 1.36.0 ready");
      assertThat(cwd.resolve("data/aria2.conf")).exists();
      assertThat(cwd.resolve("downloads")).isDirectory();
      long aria2 = Long.parseLong(Files.readString(cwd.resolve("data/aria2.pid")).trim());

      Signals.send(jvm.pid(), "TERM");

      assertThat(jvm.awaitExit(Duration.ofSeconds(30))).as(jvm.output()).isZero();
      assertThat(Signals.alive(aria2)).isFalse();
    }
  }
}
