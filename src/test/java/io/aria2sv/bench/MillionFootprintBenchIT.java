package io.aria2sv.bench;

import static org.awaitility.Awaitility.await;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor as an operator runs it (its own JVM, the flags the project ships) on a registry of
 * a million downloads, half queued and half ended, as a run of this version leaves them: the time
 * from the JVM's start to {@code /health/ready}, and the JVM's RSS there and after the reads a
 * front-end makes and a batch add of 5,000, against the same JVM on an empty registry. Not in the
 * default bench run: {@code mvn -B -Pbench verify -Dtest=MillionFootprintBench -DskipITs
 * -Dsurefire.groups=bench-million -Dsurefire.excludedGroups=} (about 2 minutes; {@code
 * -Dbench.footprint.size} for another size).
 */
@Tag("bench-million")
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class MillionFootprintBenchIT {
  private static final long STEP = 1L << 20;

  @TempDir Path root;

  @Test
  void aMillionDownloadsInTheRegistryStartWithinThreeSecondsAndHalfAGigabyte(Vertx vertx)
      throws Exception {
    int n = Integer.getInteger("bench.footprint.size", 1_000_000);
    Path jar =
        Path.of(System.getProperty("fatJar", "target/aria2-supervisor.jar")).toAbsolutePath();
    List<String> flags = new ArrayList<>(BenchSupport.SHIPPED_FLAGS);
    flags.add("-XX:SharedArchiveFile=" + BenchSupport.trainArchive(root, jar));
    // DHT, LPD and peer exchange off: nothing leaves 127.0.0.0/8
    TestConfig.LOOPBACK_ONLY.forEach((k, v) -> flags.add("-Daria2sv.aria2.options." + k + "=" + v));
    WebClient web = WebClient.create(vertx);
    double[] empty = run(web, jar, flags, root.resolve("empty"));
    Path full = root.resolve("full");
    fill(vertx, Files.createDirectories(full.resolve("data")), n);
    double[] million = run(web, jar, flags, full);
    String size = String.format(Locale.ROOT, "%,d", n);
    BenchReport.add(
        "fat jar start -> /health/ready, " + size + " in the registry",
        "ms",
        BenchReport.Stats.of(List.of(million[0])),
        "the goal: 3 s (ratio: ours / 3 s)",
        null,
        million[0] / 3000,
        "<= 3000 ms",
        million[0] <= 3000,
        String.format(
            Locale.ROOT,
            "shipped flags and class-data-sharing archive; half queued, half ended; an empty registry:"
                + " %.0f ms",
            empty[0]));
    BenchReport.add(
        "fat jar RSS with " + size + " in the registry",
        "MiB",
        BenchReport.Stats.of(List.of(million[2])),
        "the goal: 512 MiB (ratio: ours / 512)",
        null,
        million[2] / 512,
        "<= 512 MiB",
        million[2] <= 512,
        String.format(
            Locale.ROOT,
            "after the reads of a front-end (lists, tellWaiting, tellStopped) and a batch add of"
                + " 5,000; at ready %.0f MiB; an empty registry: %.0f at ready, %.0f after the"
                + " same (%.0f bytes of RSS per download)",
            million[1],
            empty[1],
            empty[2],
            (million[2] - empty[2]) * 1024 * 1024 / n));
  }

  /** {@code {ms to ready, RSS MiB at ready, RSS MiB after the reads and an add}}. */
  private static double[] run(WebClient web, Path jar, List<String> flags, Path dir)
      throws Exception {
    int port = BenchSupport.freePort();
    Map<String, String> env = ChildJvm.envFor(dir);
    env.put("ARIA2SV_HTTP_PORT", Integer.toString(port));
    long t0 = System.nanoTime();
    try (ChildJvm jvm = ChildJvm.jar(jar, flags, dir, env)) {
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(5))
          .ignoreExceptions()
          .until(() -> status(web, port, "/health/ready") == 200);
      double readyMs = (System.nanoTime() - t0) / 1e6;
      double atReady = BenchSupport.rssKib(jvm.pid()) / 1024.0;
      for (String q :
          List.of(
              "?limit=50",
              "?order=newest&limit=50",
              "?status=waiting&limit=50",
              "?status=complete&order=newest&limit=50")) {
        SupervisorHarness.await(web.get(port, "127.0.0.1", "/api/v1/downloads" + q).send());
      }
      for (int i = 0; i < 5; i++) {
        SupervisorHarness.jsonRpc(
            web, port, "aria2.tellWaiting", 0, 1000, new JsonArray().add("gid").add("status"));
        SupervisorHarness.jsonRpc(
            web, port, "aria2.tellStopped", -1, 1000, new JsonArray().add("gid").add("status"));
      }
      JsonArray items = new JsonArray();
      for (int i = 0; i < 5000; i++) {
        items.add(
            new JsonObject()
                .put("uris", new JsonArray().add("http://127.0.0.1:9/add" + i + ".bin"))
                .put("options", new JsonObject().put("pause", "true")));
      }
      SupervisorHarness.await(
          web.post(port, "127.0.0.1", "/api/v1/batches")
              .timeout(120_000)
              .sendJsonObject(new JsonObject().put("items", items)));
      return new double[] {readyMs, atReady, BenchSupport.rssKib(jvm.pid()) / 1024.0};
    }
  }

  /**
   * {@code n} downloads written straight into the registry as a run of this version leaves them:
   * the first half queued (paused, so that nothing runs) and cold, the second half ended an hour
   * ago and cold.
   */
  private static void fill(Vertx vertx, Path data, int n) throws Exception {
    long ended = System.currentTimeMillis() - 3_600_000;
    BenchSupport.fillRegistry(
        vertx,
        data,
        n,
        true,
        i ->
            i < n / 2
                ? BenchSupport.row("m", i, "PAUSED", 0, ended, (i + 1) * STEP, i + 1)
                : BenchSupport.row("m", i, "COMPLETE", 1024, ended, null, i + 1));
  }

  private static int status(WebClient web, int port, String path) throws Exception {
    return SupervisorHarness.await(web.get(port, "127.0.0.1", path).send()).statusCode();
  }
}
