package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.bus.Addresses;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 512 MiB download from a loopback server through the supervisor, against plain aria2c run from
 * the command line with the same options, alternating, in the same run. Goal: throughput ratio >= 0.97.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DataPathBench {
  private static final int SIZE = 512 << 20;
  private static final int RUNS = 3;

  @TempDir Path root;

  @Test
  void fiveHundredTwelveMibThroughTheSupervisorAgainstPlainAria2c(Vertx vertx) throws Exception {
    try (FileServer files = new FileServer(vertx).start()) {
      String sha = files.addRandomFile("big.bin", SIZE, 7);
      Aria2Supervisor stack = SupervisorHarness.await(Aria2Supervisor.deploy(vertx, TestConfig.fast(vertx, root), false));
      List<Double> ours = new ArrayList<>();
      List<Double> plain = new ArrayList<>();
      try {
        for (int i = 0; i < RUNS; i++) {
          String out = "ours-" + i + ".bin";
          long t0 = System.nanoTime();
          String id = SupervisorHarness.await(vertx.eventBus().<JsonObject>request(Addresses.DOWNLOADS_ADD,
              new JsonObject().put("uris", new JsonArray().add(files.url("big.bin"))).put("out", out))).body().getString("id");
          Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(10)).until(() -> "complete".equals(
              SupervisorHarness.await(vertx.eventBus().<JsonObject>request(Addresses.DOWNLOADS_GET, new JsonObject().put("id", id))).body().getString("status")));
          ours.add(SIZE / 1048576.0 / ((System.nanoTime() - t0) / 1e9));
          assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads").resolve(out)))).isEqualTo(sha);
          Files.delete(root.resolve("downloads").resolve(out));

          Path plainDir = Files.createDirectories(root.resolve("plain"));
          long t1 = System.nanoTime();
          Process p = new ProcessBuilder("aria2c", "--dir=" + plainDir, "--out=plain-" + i + ".bin", "--auto-file-renaming=false",
              "--console-log-level=warn", "--summary-interval=0", "--show-console-readout=false", files.url("big.bin"))
              .redirectErrorStream(true).redirectOutput(root.resolve("plain.log").toFile()).start();
          assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
          assertThat(p.exitValue()).isZero();
          plain.add(SIZE / 1048576.0 / ((System.nanoTime() - t1) / 1e9));
          Files.delete(plainDir.resolve("plain-" + i + ".bin"));
        }
      } finally {
        SupervisorHarness.await(stack.undeploy());
      }
      BenchReport.Stats o = BenchReport.Stats.of(ours);
      BenchReport.Stats a = BenchReport.Stats.of(plain);
      BenchReport.add("512 MiB download throughput", "MiB/s", o, "plain aria2c, same options", a, o.median() / a.median(),
          "ratio >= 0.97", o.median() / a.median() >= 0.97, RUNS + " runs each, alternating; ours timed from the add request to status complete");
    }
  }
}
