package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar from {@code java -jar} until {@code /health/ready} answers 200 (aria2c included),
 * median of 5, and the idle RSS of the JVM with the flags the project ships. Goals: 1.2 s, 128 MiB.
 * The Docker image and the systemd unit also ship a class-data-sharing archive made by a {@code
 * --self-test} training run; it is made here the same way, and starts with and without it
 * alternate.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FootprintBenchIT {
  private static final int RUNS = 5;

  @TempDir Path root;

  /** One start: milliseconds until ready, then the idle RSS of the JVM and of aria2c (MiB). */
  private double[] start(WebClient web, Path jar, List<String> flags, Path dir) throws Exception {
    int port = BenchSupport.freePort();
    Map<String, String> env = ChildJvm.envFor(dir);
    env.put("ARIA2SV_HTTP_PORT", Integer.toString(port));
    long t0 = System.nanoTime();
    try (ChildJvm jvm = ChildJvm.jar(jar, flags, dir, env)) {
      jvm.awaitOrShowOutput(
          Duration.ofSeconds(30),
          () ->
              SupervisorHarness.await(
                          web.get(port, "127.0.0.1", "/health/ready").timeout(1000).send())
                      .statusCode()
                  == 200);
      double ms = (System.nanoTime() - t0) / 1e6;
      Thread.sleep(5000); // idle: nothing to do but health probes
      double rss = BenchSupport.rssKib(jvm.pid()) / 1024.0;
      long aria2 = Long.parseLong(Files.readString(dir.resolve("data/aria2.pid")).trim());
      double aria2Rss = BenchSupport.rssKib(aria2) / 1024.0;
      assertThat(jvm.output()).doesNotContain("[warning][cds");
      Signals.send(jvm.pid(), "TERM");
      assertThat(jvm.awaitExit(Duration.ofSeconds(30))).as(jvm.output()).isZero();
      return new double[] {ms, rss, aria2Rss};
    }
  }

  @Test
  void fatJarStartToReadyAndIdleRss(Vertx vertx) throws Exception {
    Path jar =
        Path.of(System.getProperty("fatJar", "target/aria2-supervisor.jar")).toAbsolutePath();
    assertThat(jar).exists();
    WebClient web = WebClient.create(vertx);
    Path archive = BenchSupport.trainArchive(root, jar);
    List<String> withArchive = new ArrayList<>(BenchSupport.SHIPPED_FLAGS);
    withArchive.add("-XX:SharedArchiveFile=" + archive);
    List<Double> startMs = new ArrayList<>();
    List<Double> plainMs = new ArrayList<>();
    List<Double> rssMib = new ArrayList<>();
    List<Double> plainRssMib = new ArrayList<>();
    List<Double> aria2RssMib = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      double[] shipped = start(web, jar, withArchive, root.resolve("run" + i));
      startMs.add(shipped[0]);
      rssMib.add(shipped[1]);
      aria2RssMib.add(shipped[2]);
      double[] plain = start(web, jar, BenchSupport.SHIPPED_FLAGS, root.resolve("plain" + i));
      plainMs.add(plain[0]);
      plainRssMib.add(plain[1]);
    }
    BenchReport.Stats start = BenchReport.Stats.of(startMs);
    BenchReport.Stats plain = BenchReport.Stats.of(plainMs);
    BenchReport.Stats rss = BenchReport.Stats.of(rssMib);
    String flags = "flags " + String.join(" ", BenchSupport.SHIPPED_FLAGS);
    BenchReport.add(
        "fat jar start until /health/ready (aria2c included), as shipped",
        "ms",
        start,
        "goal 1200 ms",
        null,
        start.median() / 1200,
        "median <= 1200 ms",
        start.median() <= 1200,
        flags
            + " -XX:SharedArchiveFile (made by a --self-test training run, as the Dockerfile and the systemd unit do)");
    BenchReport.add(
        "fat jar start until /health/ready, plain java -jar",
        "ms",
        plain,
        "goal 1200 ms",
        null,
        plain.median() / 1200,
        "median <= 1200 ms",
        plain.median() <= 1200,
        flags + ", no class-data-sharing archive (the quick start's alternative, plain java -jar)");
    BenchReport.add(
        "idle RSS of the supervisor JVM",
        "MiB",
        rss,
        "goal 128 MiB",
        null,
        rss.median() / 128,
        "median <= 128 MiB",
        rss.median() <= 128,
        "after 5 s idle, as shipped; without the archive "
            + BenchReport.fmt(BenchReport.Stats.of(plainRssMib).median())
            + " MiB; aria2c itself: "
            + BenchReport.fmt(BenchReport.Stats.of(aria2RssMib).median())
            + " MiB");
  }
}
