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
        new Chaos(
                vertx,
                root,
                new Chaos.Plan(100, 1 << 20, 8 << 20, 2 << 20, 17, 3000, 2, true, 0, -1, 0))
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

  @Test
  void aThousandDownloadsThroughAWindowOfFiveSurviveTenKillsAndAJvmKillInOrder(Vertx vertx)
      throws Exception {
    // aria2c runs 3 and holds 2 more waiting: the other 995 wait in the registry
    Chaos.Result r =
        new Chaos(
                vertx,
                root,
                new Chaos.Plan(1_000, 16 << 10, 64 << 10, 256 << 10, 10, 3000, 0, true, 3, 2, 100))
            .run();
    BenchReport.add(
        "chaos: 1,000 downloads through a window of 5, complete once, in order",
        "downloads",
        BenchReport.Stats.of(List.of((double) r.complete())),
        "all " + r.total() + " requested",
        null,
        (double) r.complete() / r.total(),
        "1000 of 1000, each started within 5 of its place, no aria2c left",
        r.complete() == r.total(),
        r.aria2Kills()
            + " SIGKILLs of aria2c, "
            + r.jvmKills()
            + " JVM SIGKILL, "
            + r.seconds()
            + " s in all; max-concurrent-downloads 3, windowMargin 2; 100 of the queue in memory, the"
            + " rest cold in the registry");
    assertThat(r.complete()).isEqualTo(1_000);
  }
}
