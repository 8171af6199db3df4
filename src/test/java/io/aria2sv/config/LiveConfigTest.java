package io.aria2sv.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.aria2sv.Aria2Supervisor;
import io.aria2sv.bus.Addresses;
import io.aria2sv.rpc.Aria2Endpoint;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.supervisor.Aria2OptionsCheck;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.config.ConfigRetriever;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The watched configuration file: valid changes apply without restarting aria2c, invalid ones are
 * refused.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LiveConfigTest {
  @TempDir Path root;

  private String yaml(String limit, String checkInterval) {
    return "aria2:\n  dataDir: "
        + root.resolve("data")
        + "\n  downloadDir: "
        + root.resolve("downloads")
        + "\n  options:\n    max-overall-download-limit: "
        + limit
        + "\nsupervisor:\n  checkInterval: "
        + checkInterval
        + "\n";
  }

  private String globalLimit(Vertx vertx) throws Exception {
    JsonObject e =
        SupervisorHarness.await(
                vertx
                    .eventBus()
                    .<JsonObject>request(Addresses.SUPERVISOR_ENDPOINT, new JsonObject()))
            .body();
    Aria2Rpc rpc = new Aria2Rpc(WebClient.create(vertx), Aria2Endpoint.fromJson(e));
    return SupervisorHarness.await(rpc.callObject("aria2.getGlobalOption", Duration.ofSeconds(2)))
        .getString("max-overall-download-limit");
  }

  @Test
  void aSpeedLimitChangedInTheFileReachesAria2WithoutARestartAndABadFileIsRefused(Vertx vertx)
      throws Exception {
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    ((Logger) LoggerFactory.getLogger(ConfigLoader.class)).addAppender(log);
    Path file = root.resolve("config.yaml");
    Files.writeString(file, yaml("1M", "5s"));
    ConfigLoader loader = new ConfigLoader(vertx, root, Map.of(), new Properties());
    JsonObject effective = SupervisorHarness.await(loader.load(file));
    Aria2Supervisor stack =
        SupervisorHarness.await(Aria2Supervisor.deploy(vertx, effective, false));
    ConfigRetriever watcher =
        SupervisorHarness.await(
            loader.watch(
                file,
                Duration.ofMillis(100),
                effective,
                changed -> Aria2OptionsCheck.vet(vertx, changed),
                changed ->
                    vertx
                        .eventBus()
                        .publish(
                            Addresses.CONFIG_CHANGED,
                            changed,
                            new DeliveryOptions().setLocalOnly(true))));
    try {
      long pid = SupervisorHarness.aria2Pid(vertx);
      assertThat(globalLimit(vertx)).isEqualTo("1048576");

      Files.writeString(file, yaml("2M", "5s"));
      await().atMost(Duration.ofSeconds(10)).until(() -> globalLimit(vertx).equals("2097152"));

      Files.writeString(file, yaml("3M", "whenever"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  log.list.stream()
                      .anyMatch(
                          e ->
                              e.getFormattedMessage().contains("configuration change rejected")
                                  && e.getFormattedMessage().contains("supervisor.checkInterval")));
      assertThat(globalLimit(vertx)).isEqualTo("2097152");

      Files.writeString(file, yaml("fast", "5s"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  log.list.stream()
                      .anyMatch(
                          e ->
                              e.getFormattedMessage().contains("configuration change rejected")
                                  && e.getFormattedMessage()
                                      .contains(
                                          "aria2.options.max-overall-download-limit: aria2c refuses the value 'fast'")));
      assertThat(globalLimit(vertx))
          .as("refused whole: aria2c keeps the last good value")
          .isEqualTo("2097152");

      Files.writeString(file, yaml("4M", "5s"));
      await().atMost(Duration.ofSeconds(10)).until(() -> globalLimit(vertx).equals("4194304"));
      long after = SupervisorHarness.aria2Pid(vertx);
      assertThat(after).as("aria2c was not restarted").isEqualTo(pid);
      assertThat(Files.readString(root.resolve("data/aria2.conf")))
          .contains("max-overall-download-limit=1M"); // until the next start
    } finally {
      SupervisorHarness.await(watcher.close());
      SupervisorHarness.await(stack.undeploy());
      ((Logger) LoggerFactory.getLogger(ConfigLoader.class)).detachAppender(log);
    }
    assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
  }

  @Test
  void anEditMadeRightAfterTheLoadIsAppliedToo(Vertx vertx) throws Exception {
    Path file = root.resolve("config.yaml");
    Files.writeString(file, yaml("1M", "5s"));
    ConfigLoader loader = new ConfigLoader(vertx, root, Map.of(), new Properties());
    JsonObject effective = SupervisorHarness.await(loader.load(file));
    // edited after the process loaded the file, before the watcher's first look at it
    Files.writeString(file, yaml("2M", "5s"));
    List<JsonObject> applied = new java.util.concurrent.CopyOnWriteArrayList<>();

    ConfigRetriever watcher =
        SupervisorHarness.await(
            loader.watch(
                file,
                Duration.ofMillis(100),
                effective,
                changed -> io.vertx.core.Future.succeededFuture(),
                applied::add));
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> !applied.isEmpty());
      assertThat(
              applied
                  .get(0)
                  .getJsonObject("aria2")
                  .getJsonObject("options")
                  .getString("max-overall-download-limit"))
          .isEqualTo("2M");
    } finally {
      SupervisorHarness.await(watcher.close());
    }
  }
}
