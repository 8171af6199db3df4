package io.aria2sv.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.aria2sv.testing.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** When aria2's session file is at risk, on a real file system that fills up. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SessionGuardTest {
  @TempDir Path root;

  @Test
  void aSessionWithRoomToSpareIsSafe() throws Exception {
    Path session = root.resolve("aria2.session");
    Files.writeString(session, "http://127.0.0.1:1/x\n gid=0123456789abcdef\n");
    assertThat(SessionGuard.problemOf(session)).isNull();
  }

  @Test
  void aFullFileSystemPutsTheSessionAtRiskAndFreeSpaceMakesItSafeAgain() throws Exception {
    String why = Tmpfs.whyNot();
    assumeTrue(why == null, () -> "skipped: " + why);
    Path data = root.resolve("data");
    try (Tmpfs fs = Tmpfs.mount(data, 2048)) {
      Path session = data.resolve("aria2.session");
      Files.writeString(session, "");
      assertThat(SessionGuard.problemOf(session)).isNull();

      fs.fill();
      assertThat(SessionGuard.problemOf(session))
          .contains(data.toString())
          .contains("0 bytes free")
          .contains("aria2.session");

      fs.free();
      assertThat(SessionGuard.problemOf(session)).isNull();
    }
  }
}
