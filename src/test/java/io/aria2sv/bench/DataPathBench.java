package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.bus.Addresses;
import io.aria2sv.supervisor.Aria2ConfFile;
import io.aria2sv.supervisor.Aria2Process;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * A 512 MiB download from a loopback server through the supervisor, against plain aria2c run from
 * the command line with the same options, taking turns, in the same run. Goal: throughput ratio >=
 * 0.97. A third side, plain aria2c with the supervisor's malloc setting ({@link
 * Aria2Process#tuneMalloc}), shows what the supervisor adds to an aria2c run alike.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DataPathBench {
  private static final int SIZE = 512 << 20;

  /**
   * Single runs of either side spread widely on 2 cores (about 530 to 1,190 MiB/s), so a median of
   * 10 moved the ratio by several percent from run to run; 20 of each hold it steadier.
   */
  private static final int RUNS = 20;

  /** Where both write: tmpfs when there is one (see {@link #writeArea}). */
  @TempDir(factory = WriteArea.class)
  Path root;

  /**
   * A temporary directory on {@code /dev/shm} when it is writable, else the default one. On this
   * 2-core VM the disk's writeback and page-cache reclaim make a single 512 MiB write take anywhere
   * from 0.7 to 1.8 s, for either side; in memory both sides write alike, and what is left to
   * compare is what the supervisor adds.
   */
  static final class WriteArea implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context)
        throws Exception {
      Path shm = Path.of("/dev/shm");
      return Files.isDirectory(shm) && Files.isWritable(shm)
          ? Files.createTempDirectory(shm, "aria2sv-bench-")
          : Files.createTempDirectory("aria2sv-bench-");
    }
  }

  private static String writeArea(Path root) {
    return root.startsWith("/dev/shm")
        ? "both write to tmpfs (/dev/shm)"
        : "both write to " + root.getParent();
  }

  /**
   * One download: its throughput, and the milliseconds outside the server's transfer (start and
   * finish).
   */
  private record Run(double mibPerSecond, double outsideMillis) {}

  private static Run measured(FileServer files, long t0, long t1) {
    FileServer.Transfer t = files.transfer("big.bin");
    assertThat(t).as("the server saw the transfer").isNotNull();
    return new Run(SIZE / 1048576.0 / ((t1 - t0) / 1e9), (t1 - t0) / 1e6 - t.millis());
  }

  /**
   * Through the supervisor: from the add request until its "complete" event arrives on the bus (no
   * polling, which would compete for the CPU and add its interval to the time).
   */
  private static Run ours(Vertx vertx, FileServer files, Path downloads, String out, String sha)
      throws Exception {
    Map<String, CompletableFuture<Void>> completed = new ConcurrentHashMap<>();
    var consumer =
        vertx
            .eventBus()
            .<JsonObject>consumer(
                Addresses.EVENTS_DOWNLOAD,
                m -> {
                  if ("complete".equals(m.body().getString("type"))) {
                    completed
                        .computeIfAbsent(
                            m.body().getJsonObject("download").getString("id"),
                            k -> new CompletableFuture<>())
                        .complete(null);
                  }
                });
    try {
      files.forgetTransfer("big.bin");
      long t0 = System.nanoTime();
      String id =
          SupervisorHarness.await(
                  vertx
                      .eventBus()
                      .<JsonObject>request(
                          Addresses.DOWNLOADS_ADD,
                          new JsonObject()
                              .put("uris", new JsonArray().add(files.url("big.bin")))
                              .put("out", out)))
              .body()
              .getString("id");
      completed.computeIfAbsent(id, k -> new CompletableFuture<>()).get(5, TimeUnit.MINUTES);
      Run run = measured(files, t0, System.nanoTime());
      assertThat(BenchSupport.sha256(downloads.resolve(out))).isEqualTo(sha);
      Files.delete(downloads.resolve(out));
      return run;
    } finally {
      consumer.unregister();
    }
  }

  /**
   * Plain aria2c from the command line, with the options the supervisor gives it: those of its
   * {@code aria2.conf} (session saved every second, control file every second, quiet console), RPC
   * and the session input aside, and those of each add (directory, name, no renaming); with {@code
   * tunedMalloc} also the environment the supervisor gives aria2c.
   */
  private static Run plain(
      FileServer files, Path dir, String out, String sha, Path log, boolean tunedMalloc)
      throws Exception {
    Path data = Files.createDirectories(dir.resolveSibling("plain-data"));
    List<String> cmd = new ArrayList<>(List.of("aria2c"));
    Aria2ConfFile.ownedOptions(data, dir, 0, "unused")
        .forEach(
            (k, v) -> {
              // RPC aside; and no input-file: aria2c ignores command-line URIs when it has one.
              if (!k.equals("enable-rpc") && !k.startsWith("rpc-") && !k.equals("input-file")) {
                cmd.add("--" + k + "=" + v);
              }
            });
    cmd.addAll(List.of("--out=" + out, "--auto-file-renaming=false", files.url("big.bin")));
    files.forgetTransfer("big.bin");
    long t0 = System.nanoTime();
    ProcessBuilder builder =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    if (tunedMalloc) {
      Aria2Process.tuneMalloc(builder.environment());
    }
    Process p = builder.start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).isZero();
    Run run = measured(files, t0, System.nanoTime());
    assertThat(BenchSupport.sha256(dir.resolve(out))).isEqualTo(sha);
    Files.delete(dir.resolve(out));
    return run;
  }

  @Test
  void fiveHundredTwelveMibThroughTheSupervisorAgainstPlainAria2c(Vertx vertx) throws Exception {
    try (FileServer files = new FileServer(vertx).start()) {
      String sha = files.addRandomFile("big.bin", SIZE, 7);
      // The shipped supervisor settings (health probes, progress), not the tests' fast ones.
      Properties shipped = new Properties();
      shipped.setProperty("aria2sv.aria2.dataDir", root.resolve("data").toString());
      shipped.setProperty("aria2sv.aria2.downloadDir", root.resolve("downloads").toString());
      Aria2Supervisor stack =
          SupervisorHarness.await(
              Aria2Supervisor.deploy(vertx, TestConfig.load(vertx, root, shipped), false));
      Path downloads = root.resolve("downloads");
      Path plainDir = Files.createDirectories(root.resolve("plain"));
      Path log = root.resolve("plain.log");
      long aria2 = SupervisorHarness.aria2Pid(vertx);
      List<Run> ours = new ArrayList<>();
      List<Run> plain = new ArrayList<>();
      List<Run> tuned = new ArrayList<>();
      List<Double> oursFaults = new ArrayList<>();
      try {
        // Warm-up of both paths (the file server's JIT, the page cache), not recorded.
        ours(vertx, files, downloads, "warm.bin", sha);
        plain(files, plainDir, "warm.bin", sha, log, false);
        for (int i = 0; i < RUNS; i++) {
          // Take turns at going first, so no side always follows the same other.
          for (int k = 0; k < 3; k++) {
            switch ((i + k) % 3) {
              case 0 -> {
                long faults = BenchSupport.minorFaults(aria2);
                ours.add(ours(vertx, files, downloads, "ours-" + i + ".bin", sha));
                oursFaults.add((double) (BenchSupport.minorFaults(aria2) - faults));
              }
              case 1 -> plain.add(plain(files, plainDir, "plain-" + i + ".bin", sha, log, false));
              default -> tuned.add(plain(files, plainDir, "tuned-" + i + ".bin", sha, log, true));
            }
          }
        }
      } finally {
        SupervisorHarness.await(stack.undeploy());
      }
      BenchReport.Stats o = BenchReport.Stats.of(ours.stream().map(Run::mibPerSecond).toList());
      BenchReport.Stats a = BenchReport.Stats.of(plain.stream().map(Run::mibPerSecond).toList());
      BenchReport.Stats t = BenchReport.Stats.of(tuned.stream().map(Run::mibPerSecond).toList());
      double oursOutside =
          BenchReport.Stats.of(ours.stream().map(Run::outsideMillis).toList()).median();
      double plainOutside =
          BenchReport.Stats.of(plain.stream().map(Run::outsideMillis).toList()).median();
      BenchReport.add(
          "512 MiB download throughput",
          "MiB/s",
          o,
          "plain aria2c, same options (aria2.conf's and the add's)",
          a,
          o.median() / a.median(),
          "ratio >= 0.97",
          o.median() / a.median() >= 0.97,
          RUNS
              + " runs each after a warm-up, taking turns; "
              + writeArea(root)
              + ";"
              + " ours timed from the add request to its complete event, plain from spawn to exit;"
              + String.format(
                  " time outside the server's transfer (median): ours %.1f ms (add to first request, last byte to"
                      + " complete event), plain %.1f ms (spawn to first request, last byte to exit);",
                  oursOutside, plainOutside)
              + String.format(
                  " the supervisor runs aria2c with glibc's malloc trim threshold raised (%s), and its aria2c"
                      + " faulted in a median of %.0f pages per download; plain aria2c given that setting too: %.0f MiB/s (p95 %.0f),"
                      + " ours / that = %.2f",
                  "GLIBC_TUNABLES=" + Aria2Process.TRIM_THRESHOLD,
                  BenchReport.Stats.of(oursFaults).median(),
                  t.median(),
                  t.p95(),
                  o.median() / t.median()));
    }
  }
}
