package io.aria2sv.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigLoaderTest {
  @TempDir Path dir;
  private final Map<String, String> env = new HashMap<>();
  private final Properties props = new Properties();

  private AppConfig load(Vertx vertx, Path file) throws Exception {
    JsonObject json = loadJson(vertx, file);
    return AppConfig.from(json, dir);
  }

  private JsonObject loadJson(Vertx vertx, Path file) throws Exception {
    return new ConfigLoader(vertx, dir, env, props)
        .load(file)
        .toCompletionStage()
        .toCompletableFuture()
        .get();
  }

  private Throwable failure(Vertx vertx, Path file) {
    try {
      loadJson(vertx, file);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("configuration was accepted");
  }

  private Path yaml(String text) throws Exception {
    Path f = dir.resolve("config.yaml");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void brokenYamlNamesTheFileTheLineAndTheColumn(Vertx vertx) throws Exception {
    Path f = yaml("http:\n  port: 7000\n  host: 127.0.0.1: 6880\n");

    Throwable err = failure(vertx, f);

    assertThat(err).isInstanceOf(ConfigException.class);
    assertThat(err.getMessage())
        .contains(f.toString())
        .contains("cannot be read as YAML: line 3, column 18: mapping values are not allowed here");
  }

  @Test
  void builtInDefaultsAreComplete(Vertx vertx) throws Exception {
    AppConfig c = load(vertx, null);
    assertThat(c.profile()).isEqualTo("default");
    assertThat(c.aria2().binary()).isEqualTo("aria2c");
    assertThat(c.aria2().rpcPort()).isZero();
    assertThat(c.aria2().dataDir()).isEqualTo(dir.resolve("data"));
    assertThat(c.aria2().downloadDir()).isEqualTo(dir.resolve("downloads"));
    assertThat(c.supervisor().checkInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.supervisor().restart().maxRestarts()).isEqualTo(10);
    assertThat(c.rpc().retry().maxRetries()).isEqualTo(3);
    assertThat(c.rpc().retry().initialDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.downloads().progressInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.http().host()).isEqualTo("127.0.0.1");
    assertThat(c.http().port()).isEqualTo(6880);
    assertThat(c.http().token()).isEmpty();
  }

  @Test
  void layersApplyInOrderFileThenEnvironmentThenProperties(Vertx vertx) throws Exception {
    Path f = yaml("supervisor:\n  checkInterval: 7s\n  healthTimeout: 4s\n  failureThreshold: 5\n");
    env.put("ARIA2SV_SUPERVISOR_HEALTH_TIMEOUT", "1500ms");
    env.put("ARIA2SV_SUPERVISOR_FAILURE_THRESHOLD", "6");
    props.setProperty("aria2sv.supervisor.failureThreshold", "8");

    AppConfig c = load(vertx, f);

    assertThat(c.supervisor().checkInterval()).isEqualTo(Duration.ofSeconds(7)); // file
    assertThat(c.supervisor().healthTimeout()).isEqualTo(Duration.ofMillis(1500)); // env beats file
    assertThat(c.supervisor().failureThreshold()).isEqualTo(8); // property beats env
    assertThat(c.supervisor().shutdownTimeout()).isEqualTo(Duration.ofSeconds(10)); // default kept
  }

  @Test
  void environmentNamesFollowTheKeyPath(Vertx vertx) throws Exception {
    assertThat(ConfigLoader.envName("supervisor.checkInterval"))
        .isEqualTo("ARIA2SV_SUPERVISOR_CHECK_INTERVAL");
    assertThat(ConfigLoader.envName("aria2.dataDir")).isEqualTo("ARIA2SV_ARIA2_DATA_DIR");
    env.put("ARIA2SV_ARIA2_DATA_DIR", "/var/lib/aria2sv");
    env.put("ARIA2SV_HTTP_PORT", "0");
    AppConfig c = load(vertx, null);
    assertThat(c.aria2().dataDir()).isEqualTo(Path.of("/var/lib/aria2sv"));
    assertThat(c.http().port()).isZero();
  }

  @Test
  void theDefaultFileInTheWorkingDirectoryIsReadWhenPresent(Vertx vertx) throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/config.yaml"), "http:\n  port: 7000\n");
    assertThat(load(vertx, null).http().port()).isEqualTo(7000);
  }

  @Test
  void devPresetAppliesSeedValuesAndExplicitKeysStillWin(Vertx vertx) throws Exception {
    env.put("ARIA2SV_PROFILE", "dev");
    env.put("ARIA2SV_SUPERVISOR_HEALTH_TIMEOUT", "1s");
    AppConfig c = load(vertx, null);
    assertThat(c.supervisor().checkInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.supervisor().restart().maxRestarts()).isEqualTo(5);
    assertThat(c.supervisor().restart().initialDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.supervisor().shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.supervisor().healthTimeout()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void prodPresetAppliesSeedValues(Vertx vertx) throws Exception {
    AppConfig c = load(vertx, yaml("profile: prod\n"));
    assertThat(c.supervisor().checkInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.supervisor().healthTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.supervisor().shutdownTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.supervisor().restart().initialDelay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.supervisor().restart().maxRestarts()).isEqualTo(50);
  }

  @Test
  void aBadDurationNamesTheKey(Vertx vertx) {
    env.put("ARIA2SV_SUPERVISOR_CHECK_INTERVAL", "soon");
    assertThat(failure(vertx, null))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("supervisor.checkInterval: 'soon' is not a duration");
  }

  @Test
  void aBareNumberIsNotADuration(Vertx vertx) throws Exception {
    assertThat(failure(vertx, yaml("supervisor:\n  restart:\n    window: 60\n")))
        .hasMessageStartingWith("supervisor.restart.window: '60' is not a duration");
  }

  @Test
  void outOfRangeNumbersNameTheKey(Vertx vertx) throws Exception {
    assertThat(failure(vertx, yaml("aria2:\n  rpcPort: 70000\n")))
        .hasMessageStartingWith("aria2.rpcPort: 70000 is out of range");
    assertThat(failure(vertx, yaml("supervisor:\n  restart:\n    jitter: 1.5\n")))
        .hasMessageStartingWith("supervisor.restart.jitter");
    assertThat(failure(vertx, yaml("supervisor:\n  failureThreshold: zero\n")))
        .hasMessageStartingWith("supervisor.failureThreshold: 'zero' is not a whole number");
  }

  @Test
  void maxDelayShorterThanInitialDelayIsRefused(Vertx vertx) throws Exception {
    assertThat(
            failure(
                vertx, yaml("supervisor:\n  restart:\n    initialDelay: 5s\n    maxDelay: 1s\n")))
        .hasMessageStartingWith("supervisor.restart.maxDelay");
  }

  @Test
  void unknownKeysAreRefusedWhereverTheyComeFrom(Vertx vertx) throws Exception {
    assertThat(failure(vertx, yaml("supervisor:\n  chekInterval: 5s\n")))
        .hasMessageStartingWith("supervisor.chekInterval: is not a configuration key");
    Path none = null;
    env.put("ARIA2SV_SUPERVISOR_CHEK_INTERVAL", "5s");
    assertThat(failure(vertx, none))
        .hasMessageStartingWith("ARIA2SV_SUPERVISOR_CHEK_INTERVAL: matches no configuration key");
    env.clear();
    props.setProperty("aria2sv.http.prot", "1");
    assertThat(failure(vertx, none))
        .hasMessageStartingWith("aria2sv.http.prot: matches no configuration key");
  }

  @Test
  void anUnknownKeyNamesTheKeyItWasMostLikelyMeantToBe(Vertx vertx) throws Exception {
    assertThat(failure(vertx, yaml("supervisor:\n  checkinterval: 5s\n")))
        .hasMessage(
            "supervisor.checkinterval: is not a configuration key (see conf/config.yaml); did you mean supervisor.checkInterval?");
    assertThat(failure(vertx, yaml("http:\n  prot: 1\n")))
        .hasMessageEndingWith("; did you mean http.port?");
    assertThat(failure(vertx, yaml("supervisor:\n  restart:\n    maxRestart: 3\n")))
        .hasMessageEndingWith("; did you mean supervisor.restart.maxRestarts?");
    Path none = null;
    env.put("ARIA2SV_SUPERVISOR_CHECKINTERVAL", "5s");
    assertThat(failure(vertx, none))
        .hasMessageEndingWith("; did you mean ARIA2SV_SUPERVISOR_CHECK_INTERVAL?");
    env.clear();
    props.setProperty("aria2sv.supervisor.healthTimout", "1s");
    assertThat(failure(vertx, none))
        .hasMessageEndingWith("; did you mean aria2sv.supervisor.healthTimeout?");
  }

  @Test
  void anUnknownKeyFarFromEveryKnownOneGetsNoGuess(Vertx vertx) throws Exception {
    assertThat(failure(vertx, yaml("http:\n  colour: blue\n")))
        .hasMessage("http.colour: is not a configuration key (see conf/config.yaml)");
    Path none = null;
    env.put("ARIA2SV_SUPERVISOR_BANANA", "1");
    assertThat(failure(vertx, none))
        .hasMessage(
            "ARIA2SV_SUPERVISOR_BANANA: matches no configuration key (see conf/config.yaml)");
  }

  @Test
  void anIdleTimeoutThatWouldCutEventStreamsBetweenPingsIsRefused(Vertx vertx) throws Exception {
    assertThat(failure(vertx, yaml("http:\n  ssePingInterval: 30s\n  idleTimeout: 30s\n")))
        .hasMessage(
            "http.idleTimeout: must be longer than http.ssePingInterval (30s), or every event stream would be closed between two pings");
    assertThat(
            load(vertx, yaml("http:\n  ssePingInterval: 30s\n  idleTimeout: 31s\n"))
                .http()
                .idleTimeout())
        .isEqualTo(Duration.ofSeconds(31));
  }

  @Test
  void anUnknownProfileIsRefused(Vertx vertx) {
    env.put("ARIA2SV_PROFILE", "staging");
    assertThat(failure(vertx, null))
        .hasMessageStartingWith("profile: 'staging' is not one of default, dev, prod");
  }

  @Test
  void malformedYamlNamesTheFile(Vertx vertx) throws Exception {
    Path f = yaml("supervisor: [unclosed\n");
    assertThat(failure(vertx, f))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(f.toString());
  }

  @Test
  void extraAria2OptionsAreMergedButSupervisionOptionsRefused(Vertx vertx) throws Exception {
    AppConfig c =
        load(
            vertx,
            yaml(
                "aria2:\n  options:\n    max-concurrent-downloads: 7\n    max-overall-download-limit: 1M\n"));
    assertThat(c.aria2().options())
        .containsEntry("max-concurrent-downloads", "7")
        .containsEntry("max-overall-download-limit", "1M");

    for (String owned :
        new String[] {
          "rpc-secret",
          "rpc-listen-port",
          "enable-rpc",
          "daemon",
          "input-file",
          "save-session",
          "save-session-interval",
          "stop-with-process",
          "conf-path"
        }) {
      assertThat(failure(vertx, yaml("aria2:\n  options:\n    " + owned + ": x\n")))
          .as(owned)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("aria2.options." + owned + ": may not be set");
    }
  }

  @Test
  void anOptionValueCannotInjectALineIntoTheConfFile(Vertx vertx) {
    props.setProperty("aria2sv.aria2.options.user-agent", "x\nrpc-secret=stolen");
    assertThat(failure(vertx, null))
        .hasMessageStartingWith("aria2.options.user-agent: must not contain line breaks");
  }

  @Test
  void theShippedConfigFileMatchesTheBuiltInDefaults(Vertx vertx) throws Exception {
    // conf/config.yaml documents every key with its default, commented out; uncommented it must
    // load and equal the defaults, so the two never drift apart.
    String shipped = Files.readString(Path.of("conf/config.yaml"));
    String uncommented = shipped.replaceAll("(?m)^#( ?)(\\s*[a-zA-Z0-9-]+:)", "$2");
    JsonObject fromShipped = loadJson(vertx, yaml(uncommented));
    JsonObject defaults = loadJson(vertx, null);
    assertThat(fromShipped).isEqualTo(defaults);
    assertThat(ConfigLoader.leafKeys(fromShipped, ""))
        .containsExactlyInAnyOrderElementsOf(ConfigLoader.leafKeys(defaults, ""));
  }

  @Test
  void theShippedConfigFileAsItIsLoadsAsTheDefaults(Vertx vertx) throws Exception {
    // Every line is a comment: the systemd unit and the README install it unchanged.
    Path shipped = yaml(Files.readString(Path.of("conf/config.yaml")));
    assertThat(loadJson(vertx, shipped)).isEqualTo(loadJson(vertx, null));
    assertThat(loadJson(vertx, yaml(""))).isEqualTo(loadJson(vertx, null));
    assertThat(loadJson(vertx, yaml("---\n# nothing here\n\n"))).isEqualTo(loadJson(vertx, null));
  }

  @Test
  void aFileThatIsNotAMappingIsRefusedNamingTheFile(Vertx vertx) throws Exception {
    Path f = yaml("- just\n- a list\n");
    assertThat(failure(vertx, f)).hasMessageContaining(f.toString());
  }

  @Test
  void directoriesAreCreatedTheDataDirOwnerOnly() throws Exception {
    AppConfig.Aria2 a =
        new AppConfig.Aria2(
            "aria2c", 0, dir.resolve("new/data"), dir.resolve("new/downloads"), Map.of());

    a.createDirectories();

    assertThat(Files.getPosixFilePermissions(a.dataDir()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(a.downloadDir()).isDirectory();
  }

  @Test
  void anUnusableDirectoryStopsStartUpNamingItsKey() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    Path data = dir.resolve("data");

    assertThatThrownBy(
            () -> new AppConfig.Aria2("aria2c", 0, data, file, Map.of()).createDirectories())
        .isInstanceOf(ConfigException.class)
        .hasMessage("aria2.downloadDir: " + file + " exists and is not a directory");
    assertThatThrownBy(
            () ->
                new AppConfig.Aria2("aria2c", 0, file.resolve("data"), dir, Map.of())
                    .createDirectories())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("aria2.dataDir: cannot create " + file.resolve("data") + ": ");
  }

  @Test
  void durationsParseAndFormat() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(Durations.parse("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(Durations.parse(" 3H ")).isEqualTo(Duration.ofHours(3));
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofMinutes(10))).isEqualTo("10m");
    assertThatThrownBy(() -> Durations.parse("1.5s")).hasMessageContaining("not a duration");
  }
}
