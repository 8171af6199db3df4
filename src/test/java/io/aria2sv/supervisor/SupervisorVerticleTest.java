package io.aria2sv.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The supervisor against a real aria2c: start, crash, hang, budget, stop, ports, coalescing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SupervisorVerticleTest extends StackTestBase {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private JsonObject fast(String... overrides) throws Exception {
    return TestConfig.fast(vertx, root, overrides);
  }

  @Test
  void becomesRunningOnlyOnceAria2AnswersWithOurSecret() throws Exception {
    stack.deploy(fast());

    JsonObject status = stack.status();
    assertThat(status.getString("state")).isEqualTo("RUNNING");
    assertThat(status.getBoolean("rpcHealthy")).isTrue();
    assertThat(status.getString("version")).isEqualTo("1.36.0");
    assertThat(status.getString("sessionId")).isNotBlank();
    assertThat(status.getInteger("restarts")).isZero();
    assertThat(status.getValue("lastRestart")).isNull();
    assertThat(Signals.alive(status.getLong("pid"))).isTrue();
    JsonObject started = stack.awaitEvents("started", 1, WAIT).get(0);
    assertThat(started.getLong("pid")).isEqualTo(status.getLong("pid"));
    assertThat(stack.events("state-changed"))
        .extracting(e -> e.getString("to"))
        .containsExactly("STARTING", "RUNNING");
    // It answers RPC on the reported port with the secret of the endpoint.
    assertThat(
            SupervisorHarness.await(
                    stack.rpc().callObject("aria2.getVersion", Duration.ofSeconds(2)))
                .getString("version"))
        .isEqualTo("1.36.0");
  }

  @Test
  void aria2cRunsWithAMallocTrimThresholdThatKeepsItsHeap() throws Exception {
    stack.deploy(fast());
    String environ =
        new String(
            Files.readAllBytes(Path.of("/proc/" + stack.pid() + "/environ")),
            StandardCharsets.UTF_8);
    assertThat(environ.split("\0"))
        .as("aria2c's environment")
        .contains("GLIBC_TUNABLES=" + Aria2Process.TRIM_THRESHOLD);
  }

  @Test
  void theSecretStaysInTheOwnerOnlyConfFile() throws Exception {
    stack.deploy(fast());
    long pid = stack.pid();
    String secret = stack.request(Addresses.SUPERVISOR_ENDPOINT).getString("secret");
    assertThat(secret).matches("[0-9a-f]{32}");

    String cmdline =
        new String(
            Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
    assertThat(cmdline)
        .doesNotContain(secret)
        .contains("--conf-path=")
        .contains("--stop-with-process=" + ProcessHandle.current().pid());
    String environ =
        new String(
            Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
    assertThat(environ).doesNotContain(secret);
    Path conf = root.resolve("data/aria2.conf");
    assertThat(Files.getPosixFilePermissions(conf))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.readString(conf))
        .contains("rpc-secret=" + secret)
        .contains("rpc-listen-all=false");
    assertThat(Files.getPosixFilePermissions(root.resolve("data")))
        .doesNotContain(PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_READ);
    assertThat(stack.status().encode()).doesNotContain(secret);
    assertThat(stack.request(Addresses.SUPERVISOR_DETAILS).encode()).doesNotContain(secret);
    assertThat(stack.events().toString()).doesNotContain(secret);
    // A new start draws a new secret.
    stack.request(Addresses.SUPERVISOR_RESTART);
    assertThat(stack.request(Addresses.SUPERVISOR_ENDPOINT).getString("secret"))
        .isNotEqualTo(secret);
  }

  /**
   * An aria2c wrapper whose first start is killed by SIGKILL, as a user's kill -9 in the first
   * milliseconds would; later starts run the real aria2c.
   */
  private Path killedOnFirstStart() throws Exception {
    Path script = root.resolve("aria2c-killed-once");
    Path mark = root.resolve("killed-once");
    Files.writeString(
        script,
        String.join(
            "\n",
            "#!/bin/sh",
            "case \"$1\" in --conf-path=*/data/aria2.conf) ;; *) exec /usr/bin/aria2c \"$@\" ;; esac", // --version, --help
            "if [ ! -e " + mark + " ]; then : > " + mark + "; kill -9 $$; fi",
            "exec /usr/bin/aria2c \"$@\"",
            ""));
    Files.setPosixFilePermissions(
        script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  @Test
  void aCrashDuringTheFirstStartIsRestartedLikeAnyOther() throws Exception {
    stack.deploy(fast("aria2.binary", killedOnFirstStart().toString()));

    JsonObject status = stack.status();
    assertThat(status.getString("state")).isEqualTo("RUNNING");
    assertThat(status.getInteger("restarts")).isEqualTo(1);
    assertThat(status.getJsonObject("lastRestart").getString("reason"))
        .contains("killed by signal 9");
    assertThat(stack.events("state-changed"))
        .extracting(e -> e.getString("to"))
        .containsExactly("STARTING", "RESTARTING", "STARTING", "RUNNING");
  }

  @Test
  void anAria2cThatExitsOnItsOwnDuringTheFirstStartFailsTheStartNamingWhy() throws Exception {
    Path script = root.resolve("aria2c-refuses");
    Files.writeString(
        script,
        "#!/bin/sh\n[ \"$1\" = --version ] && exec /usr/bin/aria2c \"$@\"\necho 'no such thing' ; exit 28\n");
    Files.setPosixFilePermissions(
        script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

    Throwable failure =
        vertx
            .deployVerticle(
                new SupervisorVerticle(),
                SupervisorVerticle.options(fast("aria2.binary", script.toString())))
            .toCompletionStage()
            .toCompletableFuture()
            .handle((ok, err) -> err)
            .get(30, TimeUnit.SECONDS);

    assertThat(failure).isNotNull();
    assertThat(failure.getMessage())
        .contains("exited with code 28 before answering")
        .contains("no such thing");
  }

  @Test
  void restartsImmediatelyAfterKill9() throws Exception {
    stack.deploy(fast());
    JsonObject before = stack.status();

    Signals.kill9(before.getLong("pid"));

    JsonObject restarted = stack.awaitEvents("restarted", 1, WAIT).get(0);
    assertThat(restarted.getInteger("count")).isEqualTo(1);
    assertThat(restarted.getString("reason")).contains("exited with code");
    JsonObject after = stack.awaitState("RUNNING", WAIT);
    assertThat(after.getLong("pid")).isNotEqualTo(before.getLong("pid"));
    assertThat(after.getString("sessionId")).isNotEqualTo(before.getString("sessionId"));
    assertThat(after.getInteger("restarts")).isEqualTo(1);
    assertThat(after.getJsonObject("lastRestart").getString("reason")).contains("exited with code");
    JsonObject exited = stack.events("exited").get(0);
    assertThat(exited.getBoolean("expected")).isFalse();
    // That the first restart after a stable start has no backoff is RestartPolicyTest's to show;
    // a wall-clock limit here would only measure how loaded the machine is.
    assertThat(stack.events("state-changed"))
        .extracting(e -> e.getString("to"))
        .containsExactly("STARTING", "RUNNING", "RESTARTING", "STARTING", "RUNNING");
  }

  @Test
  void replacesAHungAria2AfterTheFailureThreshold() throws Exception {
    stack.deploy(fast());
    long pid = stack.pid();

    Signals.stop(pid);
    try {
      JsonObject restarted = stack.awaitEvents("restarted", 1, WAIT).get(0);
      assertThat(restarted.getString("reason")).startsWith("health check failed 2 times in a row");
      List<JsonObject> failures = stack.events("health-check-failed");
      assertThat(failures).extracting(e -> e.getInteger("consecutive")).startsWith(1, 2);
      assertThat(failures.get(0).getString("reason")).contains("no answer within 300 ms");
      JsonObject after = stack.awaitState("RUNNING", WAIT);
      assertThat(after.getLong("pid")).isNotEqualTo(pid);
      await().atMost(WAIT).until(() -> !Signals.alive(pid));
    } finally {
      if (Signals.alive(pid)) {
        Signals.cont(pid);
      }
    }
  }

  @Test
  void entersFailedWhenTheBudgetIsSpentAndAnExplicitStartLeavesIt() throws Exception {
    stack.deploy(fast("supervisor.restart.maxRestarts", "2", "supervisor.restart.window", "1m"));

    for (int i = 1; i <= 2; i++) {
      Signals.kill9(stack.pid());
      stack.awaitEvents("restarted", i, WAIT);
      stack.awaitState("RUNNING", WAIT);
    }
    Signals.kill9(stack.pid());

    JsonObject gaveUp = stack.awaitEvents("max-restarts-reached", 1, WAIT).get(0);
    assertThat(gaveUp.getInteger("maxRestarts")).isEqualTo(2);
    assertThat(stack.awaitState("FAILED", WAIT).getValue("pid")).isNull();
    assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
    // No more restarts happen on their own: not within several times the longest backoff (400 ms).
    await()
        .during(Duration.ofMillis(1500))
        .atMost(WAIT)
        .until(
            () ->
                stack.events("restarted").size() == 2
                    && Signals.countAria2For(root.resolve("data")) == 0
                    && "FAILED".equals(stack.status().getString("state")));
    assertThat(failureCode(stack.requestAsync(Addresses.SUPERVISOR_ENDPOINT)))
        .isEqualTo(ErrorCode.SUPERVISOR_FAILED.code());

    JsonObject started = stack.request(Addresses.SUPERVISOR_START);
    assertThat(started.getString("state")).isEqualTo("RUNNING");
    assertThat(started.getInteger("restartsInWindow")).isZero();
  }

  @Test
  void aStableRunResetsTheBudget() throws Exception {
    stack.deploy(
        fast("supervisor.restart.maxRestarts", "1", "supervisor.restart.resetAfter", "500ms"));

    Signals.kill9(stack.pid());
    stack.awaitEvents("restarted", 1, WAIT);
    stack.awaitState("RUNNING", WAIT);
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> stack.status().getInteger("restartsInWindow") == 0);

    Signals.kill9(stack.pid());

    assertThat(stack.awaitEvents("restarted", 2, WAIT)).hasSize(2);
    assertThat(stack.awaitState("RUNNING", WAIT).getInteger("restarts")).isEqualTo(2);
    assertThat(stack.events("max-restarts-reached")).isEmpty();
  }

  @Test
  void aRequestedStopIsNeverACrash() throws Exception {
    stack.deploy(fast());
    long pid = stack.pid();

    JsonObject stopped = stack.request(Addresses.SUPERVISOR_STOP);

    assertThat(stopped.getString("state")).isEqualTo("STOPPED");
    assertThat(Signals.alive(pid)).isFalse();
    JsonObject event = stack.awaitEvents("stopped", 1, WAIT).get(0);
    assertThat(event.getBoolean("graceful")).isTrue();
    assertThat(stack.events("exited").get(0).getBoolean("expected")).isTrue();
    assertThat(stack.events("restarted")).isEmpty();
    assertThat(Files.exists(root.resolve("data/aria2.pid"))).isFalse();
    // A status query never starts a process.
    assertThat(stack.status().getString("state")).isEqualTo("STOPPED");
    assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
    assertThat(failureCode(stack.requestAsync(Addresses.SUPERVISOR_DETAILS)))
        .isEqualTo(ErrorCode.NOT_RUNNING.code());
  }

  @Test
  void aGracefulRestartKeepsAQueuedDownloadWithItsGid() throws Exception {
    try (FileServer files = new FileServer(vertx).start()) {
      files.addRandomFile("queued.bin", 64 * 1024, 42);
      stack.deploy(fast());
      String gid = "0123456789abcdef";
      JsonObject options = new JsonObject().put("gid", gid).put("pause", "true");
      SupervisorHarness.await(
          stack
              .rpc()
              .call(
                  "aria2.addUri",
                  Duration.ofSeconds(2),
                  new JsonArray().add(files.url("queued.bin")),
                  options));

      stack.request(Addresses.SUPERVISOR_RESTART);

      assertThat(stack.awaitEvents("restarted", 1, WAIT).get(0).getString("reason"))
          .isEqualTo("requested");
      Aria2Rpc rpc = stack.rpc();
      JsonObject st =
          SupervisorHarness.await(
              rpc.callObject(
                  "aria2.tellStatus",
                  Duration.ofSeconds(2),
                  gid,
                  new JsonArray().add("gid").add("status")));
      assertThat(st.getString("gid")).isEqualTo(gid);
      assertThat(st.getString("status")).isEqualTo("paused");
      assertThat(stack.events("stopped").get(0).getBoolean("graceful")).isTrue();
      // A requested restart is outside the crash budget.
      assertThat(stack.status().getInteger("restartsInWindow")).isZero();
    }
  }

  @Test
  void aFixedPortTakenOnIpv4OnlyFailsTheStartNamingThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      int port = taken.getLocalPort();

      Throwable failure = stack.deployFailure(fast("aria2.rpcPort", Integer.toString(port)));

      assertThat(failure)
          .hasMessageContaining("RPC port " + port)
          .hasMessageContaining("127.0.0.1")
          .hasMessageContaining("aria2.rpcPort");
      assertThat(Signals.countAria2For(root.resolve("data"))).isZero();
    }
  }

  @Test
  void aFreeFixedPortIsUsed() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = probe.getLocalPort();
    }
    stack.deploy(fast("aria2.rpcPort", Integer.toString(port)));
    assertThat(stack.status().getInteger("rpcPort")).isEqualTo(port);
  }

  @Test
  void fiftyConcurrentStartsSpawnOneAria2() throws Exception {
    stack.deploy(fast());
    stack.request(Addresses.SUPERVISOR_STOP);
    int startedBefore = stack.events("started").size();

    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      replies.add(stack.requestAsync(Addresses.SUPERVISOR_START));
    }
    List<JsonObject> statuses = new ArrayList<>();
    for (Future<JsonObject> f : replies) {
      statuses.add(SupervisorHarness.await(f));
    }

    assertThat(statuses).extracting(s -> s.getString("state")).containsOnly("RUNNING");
    assertThat(statuses)
        .extracting(s -> s.getLong("pid"))
        .containsOnly(statuses.get(0).getLong("pid"));
    assertThat(stack.events("started")).hasSize(startedBefore + 1);
    assertThat(Signals.countAria2For(root.resolve("data"))).isEqualTo(1);
  }

  @Test
  void concurrentRestartRequestsShareOneRestart() throws Exception {
    stack.deploy(fast());
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      replies.add(stack.requestAsync(Addresses.SUPERVISOR_RESTART));
    }
    for (Future<JsonObject> f : replies) {
      assertThat(SupervisorHarness.await(f).getString("state")).isEqualTo("RUNNING");
    }
    assertThat(stack.events("restarted")).hasSize(1);
    assertThat(Signals.countAria2For(root.resolve("data"))).isEqualTo(1);
  }

  @Test
  void detailedStatusReportsVersionGlobalStatAndActiveDownloads() throws Exception {
    stack.deploy(fast());
    JsonObject details = stack.request(Addresses.SUPERVISOR_DETAILS);
    assertThat(details.getJsonObject("status").getString("state")).isEqualTo("RUNNING");
    assertThat(details.getJsonObject("aria2").getString("version")).isEqualTo("1.36.0");
    assertThat(details.getJsonObject("aria2").getJsonArray("enabledFeatures").contains("HTTPS"))
        .isTrue();
    assertThat(details.getJsonObject("globalStat").getLong("numActive")).isZero();
    assertThat(details.getInteger("activeDownloads")).isZero();
  }

  @Test
  void anOrphanLeftByACrashedSupervisorIsStoppedFirst() throws Exception {
    stack.deploy(fast());
    long orphan = stack.pid();
    // What a JVM that died without stopping aria2c leaves: a live aria2c on this data dir's conf
    // file, its pid in aria2.pid, and no lock holder.
    Path data = root.resolve("data");
    stack.undeploy();
    Process p =
        new ProcessBuilder("aria2c", "--conf-path=" + data.resolve("aria2.conf"))
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("orphan.out").toFile())
            .start();
    Files.writeString(data.resolve("aria2.pid"), p.pid() + "\n");
    await().atMost(WAIT).until(() -> Signals.countAria2For(data) == 1);
    assertThat(orphan).isNotEqualTo(p.pid());

    stack.deploy(fast());

    assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("orphan stopped").isTrue();
    assertThat(Signals.countAria2For(data)).isEqualTo(1);
    assertThat(stack.pid()).isNotEqualTo(p.pid());
  }

  @Test
  void aSecondSupervisorInTheSameJvmIsRefusedTheDataDir() throws Exception {
    stack.deploy(fast());
    SupervisorHarness second = new SupervisorHarness(vertx);
    Throwable failure = second.deployFailure(fast());
    assertThat(failure)
        .hasMessageContaining("in use by another supervisor")
        .hasMessageContaining("pid=" + ProcessHandle.current().pid());
    assertThat(Signals.countAria2For(root.resolve("data"))).isEqualTo(1);
  }

  private static int failureCode(Future<JsonObject> f) throws Exception {
    try {
      SupervisorHarness.await(f);
    } catch (ExecutionException e) {
      return ((ReplyException) e.getCause()).failureCode();
    }
    throw new AssertionError("request succeeded");
  }
}
