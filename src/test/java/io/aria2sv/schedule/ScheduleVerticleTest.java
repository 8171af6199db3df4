package io.aria2sv.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.testing.MutableClock;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schedule on a clock the test moves, with a real aria2c: a window's limit reaches aria2 within
 * a second of its start, across the hour daylight saving skips, and after a restart in the middle
 * of a window aria2c starts with it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ScheduleVerticleTest {
  @TempDir Path root;
  private SupervisorHarness harness;
  private String schedule;
  private Vertx vertx;

  @AfterEach
  void tearDown() throws Exception {
    undeploy();
    assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
  }

  private void undeploy() throws Exception {
    if (harness != null) {
      harness.undeploy();
      harness = null;
    }
    if (schedule != null) {
      SupervisorHarness.await(vertx.undeploy(schedule));
      schedule = null;
    }
  }

  private void deploy(JsonObject config, MutableClock clock) throws Exception {
    schedule =
        SupervisorHarness.await(
            vertx.deployVerticle(new ScheduleVerticle(clock), ScheduleVerticle.options(config)));
    harness = new SupervisorHarness(vertx).deploy(config);
  }

  private String limit() throws Exception {
    return SupervisorHarness.await(
            harness.rpc().callObject("aria2.getGlobalOption", Duration.ofSeconds(2)))
        .getString("max-overall-download-limit");
  }

  private JsonObject config() throws Exception {
    JsonObject cfg = TestConfig.fast(vertx, root);
    cfg.getJsonObject("schedules")
        .put("timeZone", "Europe/Berlin")
        .put(
            "rules",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("name", "work")
                        .put("days", "weekdays")
                        .put("from", "08:00")
                        .put("to", "18:00")
                        .put("options", new JsonObject().put("max-overall-download-limit", "1M")))
                .add(
                    new JsonObject()
                        .put("name", "early sunday")
                        .put("days", new JsonArray().add("sun"))
                        .put("from", "02:30")
                        .put("to", "03:30")
                        .put("options", new JsonObject().put("max-overall-download-limit", "2M"))));
    return cfg;
  }

  @Test
  void aWindowsLimitReachesAria2WithinASecondOfItsStartAndAtOnceAfterARestartInsideIt(Vertx vertx)
      throws Exception {
    this.vertx = vertx;
    MutableClock clock = new MutableClock(Instant.parse("2026-12-07T06:59:59Z")); // Mon 07:59:59
    JsonObject config = config();
    deploy(config, clock);
    assertThat(limit()).isEqualTo("0");

    clock.set(Instant.parse("2026-12-07T07:00:00Z")); // Monday 08:00 in Berlin
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> limit().equals("1048576"));

    // a restart of the whole stack in the middle of the window: aria2c starts with the limit
    undeploy();
    clock.set(Instant.parse("2026-12-07T12:00:00Z"));
    deploy(config, clock);
    assertThat(limit()).isEqualTo("1048576");

    clock.set(Instant.parse("2026-12-07T17:00:00Z")); // 18:00: the window ends
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> limit().equals("0"));
  }

  @Test
  void aRuleInsideTheHourDaylightSavingSkipsStartsWhenTheClockJumpsIntoIt(Vertx vertx)
      throws Exception {
    this.vertx = vertx;
    // Sunday 2026-03-29 in Berlin: 01:59:59 CET, then 03:00:00 CEST one second later
    MutableClock clock = new MutableClock(Instant.parse("2026-03-29T00:59:59Z"));
    deploy(config(), clock);
    assertThat(limit()).isEqualTo("0");
    clock.set(Instant.parse("2026-03-29T01:00:00Z"));
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> limit().equals("2097152"));
    clock.set(Instant.parse("2026-03-29T01:30:00Z")); // 03:30 CEST: over
    await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> limit().equals("0"));
  }
}
