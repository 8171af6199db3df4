package io.aria2sv;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.config.AppConfig;
import io.aria2sv.config.ConfigLoader;
import io.vertx.config.yaml.YamlProcessor;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No Docker engine or systemd runs here, so these tests read the deployment files and check that
 * they agree with the code: entry point, paths, ports, health URL, environment names, stop budgets.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeploymentFilesTest {
  private static String dockerfile() throws Exception {
    return Files.readString(Path.of("docker/Dockerfile"));
  }

  /** The image's ENV instruction (not the training run's own settings). */
  private static Map<String, String> dockerEnv(String dockerfile) {
    Matcher instruction = Pattern.compile("(?m)^ENV (?:.*\\\\\n)*.*$").matcher(dockerfile);
    assertThat(instruction.find()).as("an ENV instruction").isTrue();
    Map<String, String> env = new HashMap<>();
    Matcher m = Pattern.compile("(ARIA2SV_[A-Z0-9_]+)=(\\S+)").matcher(instruction.group());
    while (m.find()) {
      env.put(m.group(1), m.group(2));
    }
    return env;
  }

  @Test
  void theImageRunsTheFatJarAsANonRootUserWithItsVolumesPortAndHealthcheck(Vertx vertx)
      throws Exception {
    String df = dockerfile();
    Map<String, String> env = dockerEnv(df);
    assertThat(df)
        .contains(
            "COPY --from=build /src/target/aria2-supervisor.jar /opt/aria2-supervisor/aria2-supervisor.jar");
    assertThat(df)
        .containsPattern(
            "ENTRYPOINT \\[\"java\", .*\"-jar\", \"/opt/aria2-supervisor/aria2-supervisor.jar\","
                + " \"--config\", \"/etc/aria2-supervisor/config.yaml\"\\]");
    assertThat(df).contains("COPY docker/config.yaml /etc/aria2-supervisor/config.yaml");
    assertThat(df)
        .contains("USER aria2sv")
        .contains("STOPSIGNAL SIGTERM")
        .contains("apt-get install -y --no-install-recommends aria2");
    assertThat(df).containsPattern("FROM eclipse-temurin:17-jre");
    // The image ships the flags the footprint benchmark measures.
    assertThat(df)
        .contains(
            "\"-XX:+UseSerialGC\", \"-Xms16m\", \"-Xss512k\", \"-XX:ReservedCodeCacheSize=64m\"");
    // Its class-data-sharing archive is made by a training run with the same flags, at the path it
    // maps.
    Matcher entry =
        Pattern.compile("ENTRYPOINT \\[\"java\", (.*), \"-XX:SharedArchiveFile=(\\S+)\", \"-jar\"")
            .matcher(df);
    assertThat(entry.find()).as("ENTRYPOINT maps an archive").isTrue();
    String entryFlags = entry.group(1).replace("\"", "").replace(",", "");
    assertThat(df)
        .contains("java " + entryFlags + " \\\n      -XX:ArchiveClassesAtExit=" + entry.group(2));
    assertThat(df).contains("-jar /opt/aria2-supervisor/aria2-supervisor.jar --self-test");

    // The environment names are real configuration keys with valid values.
    JsonObject effective =
        new ConfigLoader(vertx, Path.of("/"), env, new Properties())
            .load(null)
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    AppConfig config = AppConfig.from(effective);
    assertThat(df)
        .contains(
            "VOLUME [\""
                + config.aria2().dataDir()
                + "\", \""
                + config.aria2().downloadDir()
                + "\"]");
    // The image's configuration file is valid and fixes the BitTorrent ports it exposes.
    JsonObject withFile =
        new ConfigLoader(vertx, Path.of("/"), env, new Properties())
            .load(Path.of("docker/config.yaml").toAbsolutePath())
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    JsonObject options = withFile.getJsonObject("aria2").getJsonObject("options");
    assertThat(df)
        .contains(
            "EXPOSE "
                + config.http().port()
                + " "
                + options.getString("listen-port")
                + "/tcp "
                + options.getString("dht-listen-port")
                + "/udp");
    assertThat(df).contains("curl -fsS http://127.0.0.1:" + config.http().port() + "/health/ready");
    assertThat(df).contains("WORKDIR " + config.aria2().dataDir());
  }

  @Test
  void composeWaitsLongerThanTheShutdownBudget(Vertx vertx) throws Exception {
    JsonObject compose =
        new YamlProcessor()
            .process(
                vertx,
                new JsonObject(),
                Buffer.buffer(Files.readString(Path.of("docker/compose.yaml"))))
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    JsonObject service = compose.getJsonObject("services").getJsonObject("aria2-supervisor");
    Map<String, String> env = dockerEnv(dockerfile());
    JsonObject effective =
        new ConfigLoader(vertx, Path.of("/"), env, new Properties())
            .load(null)
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    AppConfig config = AppConfig.from(effective);
    Duration budget = config.supervisor().shutdownTimeout().plusSeconds(10); // as Main computes it
    Duration grace = io.aria2sv.config.Durations.parse(service.getString("stop_grace_period"));
    assertThat(grace).isGreaterThan(budget);
    assertThat(service.getString("restart")).isEqualTo("unless-stopped");
    assertThat(service.getJsonArray("ports").getString(0))
        .isEqualTo("127.0.0.1:" + config.http().port() + ":" + config.http().port());
    assertThat(service.getJsonArray("volumes").encode())
        .contains(config.aria2().dataDir().toString())
        .contains(config.aria2().downloadDir().toString());
  }

  @Test
  void theClusterComposeFileMakesThreeNodesThatListEachOtherAsMembers(Vertx vertx)
      throws Exception {
    JsonObject compose =
        new YamlProcessor()
            .process(
                vertx,
                new JsonObject(),
                Buffer.buffer(Files.readString(Path.of("docker/compose.cluster.yaml"))))
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    JsonObject services = compose.getJsonObject("services");
    assertThat(services.fieldNames()).containsExactlyInAnyOrder("node1", "node2", "node3");
    Map<String, String> addresses = new java.util.HashMap<>();
    services.forEach(
        e ->
            addresses.put(
                e.getKey(),
                ((JsonObject) e.getValue())
                    .getJsonObject("networks")
                    .getJsonObject("cluster")
                    .getString("ipv4_address")));
    java.util.Set<String> volumes = new java.util.HashSet<>();
    for (String name : services.fieldNames()) {
      JsonObject service = services.getJsonObject(name);
      Map<String, String> env = dockerEnv(dockerfile());
      service
          .getJsonObject("environment")
          .forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
      AppConfig config =
          AppConfig.from(
              new ConfigLoader(vertx, Path.of("/"), env, new Properties())
                  .load(null)
                  .toCompletionStage()
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS));
      assertThat(config.cluster().enabled()).isTrue();
      assertThat(config.cluster().nodeName()).isEqualTo(name);
      assertThat(config.cluster().host()).isEqualTo(addresses.get(name));
      java.util.List<String> others =
          addresses.entrySet().stream()
              .filter(a -> !a.getKey().equals(name))
              .map(a -> a.getValue() + ":" + config.cluster().port())
              .toList();
      assertThat(config.cluster().members()).containsExactlyInAnyOrderElementsOf(others);
      // its own keys, mounted read-only; never the CA's key
      assertThat(config.cluster().tls().enabled()).isTrue();
      String mounts = service.getJsonArray("volumes").encode();
      for (Path file :
          List.of(
              config.cluster().tls().ca(),
              config.cluster().tls().cert(),
              config.cluster().tls().key())) {
        assertThat(mounts).contains(":" + file + ":ro");
      }
      assertThat(config.cluster().tls().key()).hasFileName(name + ".key");
      assertThat(mounts).doesNotContain("ca.key");
      assertThat(service.getJsonArray("ports").getString(0))
          .startsWith("127.0.0.1:")
          .endsWith(":" + config.http().port());
      assertThat(io.aria2sv.config.Durations.parse(service.getString("stop_grace_period")))
          .isGreaterThan(config.supervisor().shutdownTimeout().plusSeconds(10));
      volumes.add(service.getJsonArray("volumes").getString(0));
    }
    assertThat(volumes).as("one data volume per node").hasSize(3);
  }
}
