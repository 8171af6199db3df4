package io.aria2sv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The supervisor as a process: exit codes, signals, and what is left behind. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MainProcessTest {
  private static final Duration START = Duration.ofSeconds(30);

  @TempDir Path root;

  private Map<String, String> env() {
    Map<String, String> env = ChildJvm.envFor(root);
    env.put("ARIA2SV_SUPERVISOR_SHUTDOWN_TIMEOUT", "5s");
    return env;
  }

  @AfterEach
  void noAria2Left() {
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Signals.countAria2For(root.resolve("data")) == 0);
  }

  private long aria2Pid() throws Exception {
    return Long.parseLong(Files.readString(root.resolve("data/aria2.pid")).trim());
  }

  @ParameterizedTest(name = "SIG{0}")
  @ValueSource(strings = {"TERM", "INT"})
  void aSignalStopsEverythingAndExitsZero(String signal) throws Exception {
    try (ChildJvm jvm = ChildJvm.main(root, env())) {
      jvm.awaitOutput("aria2-supervisor running", START);
      assertThat(jvm.output()).contains("aria2c 1.36.0 ready");
      long aria2 = aria2Pid();
      String secret =
          Files.readAllLines(root.resolve("data/aria2.conf")).stream()
              .filter(l -> l.startsWith("rpc-secret="))
              .findFirst()
              .orElseThrow()
              .substring("rpc-secret=".length());

      Signals.send(jvm.pid(), signal);

      assertThat(jvm.awaitExit(Duration.ofSeconds(20))).as(jvm.output()).isZero();
      assertThat(Signals.alive(aria2)).isFalse();
      assertThat(jvm.output()).contains("stopped (graceful)").contains("stopped cleanly");
      assertThat(jvm.output()).as("log output").doesNotContain(secret);
      assertThat(Files.readString(root.resolve("data/aria2c.out"))).doesNotContain(secret);
      assertThat(Files.exists(root.resolve("data/aria2.pid"))).isFalse();
    }
  }

  @Test
  void killingTheJvmWithSigkillLeavesNoAria2After3Seconds() throws Exception {
    try (ChildJvm jvm = ChildJvm.main(root, env())) {
      jvm.awaitOutput("aria2-supervisor running", START);
      long aria2 = aria2Pid();

      Signals.kill9(jvm.pid());
      jvm.awaitExit(Duration.ofSeconds(5));

      await()
          .atMost(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> !Signals.alive(aria2));
    }
  }

  @Test
  void killingTheJvmWhileAria2cIsStoppedLeavesNoAria2After3Seconds() throws Exception {
    try (ChildJvm jvm = ChildJvm.main(root, env())) {
      jvm.awaitOutput("aria2-supervisor running", START);
      long aria2 = aria2Pid();
      Signals.stop(aria2);

      Signals.kill9(jvm.pid());
      jvm.awaitExit(Duration.ofSeconds(5));

      await()
          .atMost(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> !Signals.alive(aria2));
    }
  }

  @Test
  void aSecondJvmOnTheSameDataDirExits73NamingTheHolder(Vertx vertx) throws Exception {
    SupervisorHarness first = new SupervisorHarness(vertx).deploy(TestConfig.fast(vertx, root));
    try (ChildJvm second = ChildJvm.main(root.resolve("second"), env())) {
      assertThat(second.awaitExit(START)).as(second.output()).isEqualTo(ExitCodes.LOCKED);
      assertThat(second.output())
          .contains("is in use by another supervisor")
          .contains("pid=" + ProcessHandle.current().pid());
      assertThat(Signals.countAria2For(root.resolve("data"))).isEqualTo(1);
    } finally {
      first.undeploy();
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "ARIA2SV_HTTP_PORT, HTTP port %d (http.port)",
    "ARIA2SV_ARIA2_RPC_PORT, RPC port %d (aria2.rpcPort)"
  })
  void aPortHeldByAnotherSocketExits1NamingTheKeyWithoutAStackTrace(String variable, String named)
      throws Exception {
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Map<String, String> env = env();
      env.put(variable, Integer.toString(held.getLocalPort()));
      try (ChildJvm jvm = ChildJvm.main(root, env)) {
        assertThat(jvm.awaitExit(START)).as(jvm.output()).isEqualTo(ExitCodes.FAILURE);
        assertThat(jvm.output())
            .contains(
                "cannot start: "
                    + String.format(named, held.getLocalPort())
                    + " is already in use on 127.0.0.1")
            .doesNotContain("\tat ");
      }
    }
    // noAria2Left: an aria2c started before the HTTP API failed is stopped again.
  }

  @Test
  void anHttpHostThisMachineDoesNotHaveExits1NamingTheKeys() throws Exception {
    Map<String, String> env = env();
    env.put("ARIA2SV_HTTP_HOST", "192.0.2.1"); // TEST-NET-1: never a local address
    try (ChildJvm jvm = ChildJvm.main(root, env)) {
      assertThat(jvm.awaitExit(START)).as(jvm.output()).isEqualTo(ExitCodes.FAILURE);
      assertThat(jvm.output())
          .contains(
              "cannot start: the HTTP API cannot listen on 192.0.2.1:0 (http.host, http.port): Cannot assign requested address")
          .doesNotContain("\tat ");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      quoteCharacter = '"',
      value = {
        "aria2sv.aria2.options.max-overall-download-limit=fast, aria2.options.max-overall-download-limit: aria2c refuses the value 'fast': Bad or negative value detected: fast",
        "aria2sv.aria2.options.max-overal-download-limit=1M, aria2.options.max-overal-download-limit: is not an option of this aria2c"
      })
  void anAria2OptionAria2cRefusesStopsStartUpAndTheSelfTestWith78NamingTheKey(
      String property, String message) throws Exception {
    String[] kv = property.split("=", 2);
    for (String[] args :
        new String[][] {
          {"-D" + kv[0] + "=" + kv[1]}, {"-D" + kv[0] + "=" + kv[1], "--self-test"}
        }) {
      try (ChildJvm jvm =
          ChildJvm.mainWithJvmFlags(
              List.of(args[0]), root, env(), java.util.Arrays.copyOfRange(args, 1, args.length))) {
        assertThat(jvm.awaitExit(START)).as(jvm.output()).isEqualTo(ExitCodes.CONFIG);
        assertThat(jvm.output())
            .contains("invalid configuration: " + message)
            .doesNotContain("\tat ")
            .doesNotContain("self-test passed");
      }
    }
  }

  @Test
  void anInvalidValueExits78NamingTheKey() throws Exception {
    Map<String, String> env = env();
    env.put("ARIA2SV_SUPERVISOR_CHECK_INTERVAL", "often");
    try (ChildJvm jvm = ChildJvm.main(root, env)) {
      assertThat(jvm.awaitExit(START)).isEqualTo(ExitCodes.CONFIG);
      assertThat(jvm.output())
          .contains("invalid configuration: supervisor.checkInterval: 'often' is not a duration");
      assertThat(jvm.output()).doesNotContain("Exception").doesNotContain("\tat ");
    }
  }

  @Test
  void anOptionThatWouldBreakSupervisionExits78() throws Exception {
    Path file = root.resolve("bad.yaml");
    Files.writeString(file, "aria2:\n  options:\n    rpc-listen-all: true\n");
    try (ChildJvm jvm = ChildJvm.main(root, env(), "--config", file.toString())) {
      assertThat(jvm.awaitExit(START)).isEqualTo(ExitCodes.CONFIG);
      assertThat(jvm.output()).contains("aria2.options.rpc-listen-all: may not be set");
    }
  }

  @Test
  void aMissingAria2cExits69WithAHint() throws Exception {
    Map<String, String> env = env();
    env.put("ARIA2SV_ARIA2_BINARY", root.resolve("no/such/aria2c").toString());
    try (ChildJvm jvm = ChildJvm.main(root, env)) {
      assertThat(jvm.awaitExit(START)).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(jvm.output()).contains("aria2c not found at").contains("apt-get install aria2");
    }
  }

  @Test
  void aBinaryThatIsNotAria2Exits69() throws Exception {
    Map<String, String> env = env();
    env.put("ARIA2SV_ARIA2_BINARY", "/bin/true");
    try (ChildJvm jvm = ChildJvm.main(root, env)) {
      assertThat(jvm.awaitExit(START)).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(jvm.output()).contains("does not look like aria2c");
    }
  }

  @Test
  void aSelfTestStartsEverythingStopsWhenReadyAndExitsZero() throws Exception {
    try (ChildJvm jvm = ChildJvm.main(root, env(), "--self-test")) {
      assertThat(jvm.awaitExit(START)).as(jvm.output()).isZero();
      assertThat(jvm.output())
          .contains("self-test: aria2c 1.36.0 (pid")
          .contains("self-test passed");
      assertThat(jvm.output()).contains("stopped (graceful)");
    }
    // noAria2Left checks that nothing is left running.
  }

  @Test
  void aSelfTestFailsWithTheStartUpExitCode() throws Exception {
    Map<String, String> env = env();
    env.put("ARIA2SV_ARIA2_BINARY", "/nonexistent/aria2c");
    try (ChildJvm jvm = ChildJvm.main(root, env, "--self-test")) {
      assertThat(jvm.awaitExit(START)).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(jvm.output()).doesNotContain("self-test passed");
    }
  }

  @Test
  void aBadCommandLineExits64() throws Exception {
    try (ChildJvm jvm = ChildJvm.main(root, env(), "--frobnicate")) {
      assertThat(jvm.awaitExit(START)).isEqualTo(ExitCodes.USAGE);
      assertThat(jvm.output()).contains("unexpected arguments: --frobnicate").contains("usage:");
    }
    try (ChildJvm jvm = ChildJvm.main(root, env(), "--config", "missing.yaml")) {
      assertThat(jvm.awaitExit(START)).isEqualTo(ExitCodes.USAGE);
      assertThat(jvm.output()).contains("config file not found");
    }
    try (ChildJvm jvm = ChildJvm.main(root, env(), "--self-test", "--self-test")) {
      assertThat(jvm.awaitExit(START)).isEqualTo(ExitCodes.USAGE);
    }
  }
}
