package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.config.AppConfig;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hung aria2c (SIGSTOP) until a new one answers, with the default settings. Goal: at most
 * checkInterval + failureThreshold x healthTimeout + 0.5 s. Anchor: supervisord, which never
 * notices a hang (capped at 60 s).
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class HangBench {
  private static final int RUNS = 5;

  @TempDir Path root;

  @Test
  void sigstopToANewAria2AnsweringWithDefaultSettings(Vertx vertx) throws Exception {
    Properties p = new Properties();
    p.setProperty("aria2sv.aria2.dataDir", root.resolve("data").toString());
    p.setProperty("aria2sv.aria2.downloadDir", root.resolve("downloads").toString());
    // Detection settings stay at their defaults; only the "stable" time is shortened so that each
    // freeze comes after a stable run (as a sporadic hang would), not inside the backoff of the
    // last.
    p.setProperty("aria2sv.supervisor.restart.resetAfter", "3s");
    JsonObject config = TestConfig.load(vertx, root, p);
    AppConfig.Supervisor s = AppConfig.from(config).supervisor();
    double goalMs =
        s.checkInterval().toMillis() + s.failureThreshold() * s.healthTimeout().toMillis() + 500;
    SupervisorHarness sv = new SupervisorHarness(vertx).deploy(config);
    WebClient web = WebClient.create(vertx);
    List<Double> hang = new ArrayList<>();
    try {
      for (int i = 0; i < RUNS; i++) {
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> sv.status().getInteger("restartsInWindow") == 0);
        long pid = sv.pid();
        long t0 = System.nanoTime();
        Signals.stop(pid);
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(5))
            .ignoreExceptions()
            .until(
                () ->
                    sv.status().getLong("pid") != pid
                        && SupervisorHarness.await(
                                sv.rpc().call("aria2.getVersion", Duration.ofMillis(200)))
                            != null);
        hang.add((System.nanoTime() - t0) / 1e6);
      }
    } finally {
      sv.undeploy();
    }
    BenchReport.Stats ours = BenchReport.Stats.of(hang);

    String why = BenchSupport.ensureSupervisord();
    BenchReport.Stats anchor = null;
    String note =
        RUNS
            + " freezes, each after a stable run (restart.resetAfter 3s); goal "
            + Math.round(goalMs)
            + " ms from the default probe settings";
    if (why == null) {
      try (BenchSupport.Supervisord sd =
          new BenchSupport.Supervisord(root.resolve("supervisord"))) {
        long pid = sd.awaitAria2(web, Duration.ofSeconds(30));
        Aria2Rpc rpc = sd.rpc(web);
        long t0 = System.nanoTime();
        Signals.stop(pid);
        boolean recovered;
        try {
          Awaitility.await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(100))
              .ignoreExceptions()
              .until(
                  () ->
                      SupervisorHarness.await(rpc.call("aria2.getVersion", Duration.ofMillis(200)))
                          != null);
          recovered = true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          recovered = false;
        }
        anchor = BenchReport.Stats.of(List.of((System.nanoTime() - t0) / 1e6));
        note += recovered ? "" : "; supervisord did not notice the hang within the 60 s cap";
        Signals.cont(pid);
      }
    } else {
      note += "; anchor not run: " + why;
    }
    double ratio = anchor == null ? Double.NaN : ours.median() / anchor.median();
    BenchReport.add(
        "hang (SIGSTOP) to a new aria2c answering",
        "ms",
        ours,
        "supervisord (60 s cap)",
        anchor,
        ratio,
        "<= " + Math.round(goalMs) + " ms",
        ours.max() <= goalMs,
        note);
    assertThat(hang).hasSize(RUNS);
  }
}
