package io.aria2sv.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.Chaos;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short chaos run of the default suite, through a window of five with memory holding only 10 of
 * the queue (the rest cold in the registry); the full one is ChaosBench under -Pbench.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChaosTest {
  @TempDir Path root;

  @Test
  void twentyDownloadsHalfOfThemColdSurviveAria2KillsFreezesAndAJvmKillInOrder(Vertx vertx)
      throws Exception {
    Chaos.Result r =
        new Chaos(
                vertx,
                root,
                new Chaos.Plan(20, 256 * 1024, 1024 * 1024, 192 * 1024, 7, 1500, 2, true, 3, 2, 10))
            .run();
    assertThat(r.complete()).isEqualTo(20);
    assertThat(r.aria2Kills()).isGreaterThanOrEqualTo(4);
    assertThat(r.stops()).isEqualTo(2);
    assertThat(r.jvmKills()).isEqualTo(1);
  }
}
