package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.Chaos;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 downloads of 1 to 8 MiB of random content from a throttled local server while aria2c is
 * killed with SIGKILL every 3 s (15 times) and stopped with SIGSTOP twice, and the JVM itself is
 * killed with SIGKILL once and started again.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ChaosBench {
  @TempDir Path root;

  @Test
  void aHundredDownloadsSurviveFifteenKillsTwoFreezesAndAJvmKill(Vertx vertx) throws Exception {
    Chaos.Result r =
        new Chaos(vertx, root, new Chaos.Plan(100, 1 << 20, 8 << 20, 2 << 20, 17, 3000, 2, true))
            .run();
    BenchReport.add(
        "chaos: downloads complete with the right SHA-256",
        "downloads",
        BenchReport.Stats.of(List.of((double) r.complete())),
        "all " + r.total() + " requested",
        null,
        (double) r.complete() / r.total(),
        "100 of 100, no .1 copies, no aria2c left",
        r.complete() == r.total(),
        r.aria2Kills()
            + " SIGKILLs, "
            + r.stops()
            + " SIGSTOPs, "
            + r.jvmKills()
            + " JVM SIGKILL, "
            + r.restartsSeen()
            + " restarts after the JVM restart, "
            + r.seconds()
            + " s in all, "
            + r.notes().get("rangeRequests")
            + " Range requests");
    assertThat(r.complete()).isEqualTo(100);
  }
}
