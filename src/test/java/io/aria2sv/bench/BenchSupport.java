package io.aria2sv.bench;

import io.aria2sv.rpc.Aria2Endpoint;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** Shared pieces of the benchmarks: processes, /proc readings, and the supervisord anchor. */
final class BenchSupport {
  /** The JVM flags the project ships (docker/Dockerfile, conf/systemd). */
  static final List<String> SHIPPED_FLAGS =
      List.of(
          "-XX:MaxRAMPercentage=50",
          "-XX:+UseSerialGC",
          "-Xms16m",
          "-Xss512k",
          "-XX:ReservedCodeCacheSize=64m",
          "-XX:+ExitOnOutOfMemoryError");

  private BenchSupport() {}

  /** The SHA-256 of a file, read as a stream (files of hundreds of MiB). */
  static String sha256(java.nio.file.Path file) throws Exception {
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    try (var in =
        new java.security.DigestInputStream(java.nio.file.Files.newInputStream(file), md)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return java.util.HexFormat.of().formatHex(md.digest());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Resident set size in KiB. */
  /**
   * The classes that take this JVM's heap ({@code jcmd GC.class_histogram}, its first 40 lines),
   * written to {@code target/bench/<file>}: where the bytes per download go.
   */
  static void heapHistogram(String file) throws Exception {
    Process jcmd =
        new ProcessBuilder(
                "jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    List<String> lines =
        new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
            .lines()
            .limit(40)
            .toList();
    jcmd.waitFor();
    java.nio.file.Files.createDirectories(BenchReport.DIR);
    java.nio.file.Files.write(BenchReport.DIR.resolve(file), lines);
  }

  /** Heap in use after a full collection, in bytes. */
  static long usedHeapAfterGc() {
    System.gc();
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** CPU time (user + system) of a process in clock ticks (1/100 s on Linux). */
  static long cpuTicks(long pid) throws IOException {
    String[] f = statFields(pid);
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /**
   * Minor page faults of a process so far (pages it touched for the first time, or again after
   * giving them back).
   */
  static long minorFaults(long pid) throws IOException {
    return Long.parseLong(statFields(pid)[7]);
  }

  /**
   * The fields of {@code /proc/PID/stat} after the command name, from the state on (field 3 is
   * index 0).
   */
  private static String[] statFields(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  /** supervisord, installed from Debian's packages when missing and we may; else why not. */
  static String ensureSupervisord() {
    if (Files.isExecutable(Path.of("/usr/bin/supervisord"))) {
      return null;
    }
    try {
      if (!"root".equals(System.getProperty("user.name"))) {
        return "supervisord is not installed and installing it needs root";
      }
      for (List<String> cmd :
          List.of(
              List.of("apt-get", "update", "-q"),
              List.of("apt-get", "install", "-y", "-q", "supervisor"))) {
        Process p =
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
          return String.join(" ", cmd) + " failed";
        }
      }
      return Files.isExecutable(Path.of("/usr/bin/supervisord"))
          ? null
          : "supervisord still missing after apt-get install";
    } catch (IOException e) {
      return "cannot install supervisord: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * aria2c under supervisord ({@code autorestart=true, startsecs=0}) with a fixed port and secret.
   */
  static final class Supervisord implements AutoCloseable {
    final Process process;
    final Path dir;
    final int port;

    Supervisord(Path dir) throws Exception {
      this.dir = Files.createDirectories(dir);
      this.port = freePort();
      Files.writeString(dir.resolve("s"), "");
      Files.writeString(
          dir.resolve("a.conf"),
          "enable-rpc=true\nrpc-listen-port="
              + port
              + "\nrpc-secret=bench\ninput-file="
              + dir.resolve("s")
              + "\nsave-session="
              + dir.resolve("s")
              + "\ndir="
              + dir
              + "\n");
      Files.writeString(
          dir.resolve("supervisord.conf"),
          String.join(
              "\n",
              "[supervisord]",
              "nodaemon=true",
              "logfile=" + dir.resolve("supervisord.log"),
              "pidfile=" + dir.resolve("supervisord.pid"),
              "[unix_http_server]",
              "file=" + dir.resolve("supervisor.sock"),
              "[rpcinterface:supervisor]",
              "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
              "[program:aria2]",
              "command=/usr/bin/aria2c --conf-path=" + dir.resolve("a.conf"),
              "autorestart=true",
              "startsecs=0",
              "stdout_logfile=" + dir.resolve("aria2.log"),
              "redirect_stderr=true",
              ""));
      process =
          new ProcessBuilder(
                  "/usr/bin/supervisord", "-c", dir.resolve("supervisord.conf").toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("out.log").toFile())
              .start();
    }

    Aria2Rpc rpc(WebClient web) {
      return new Aria2Rpc(web, new Aria2Endpoint("127.0.0.1", port, "bench"));
    }

    /** The pid of the aria2c that supervisord runs now, once it answers. */
    long awaitAria2(WebClient web, Duration timeout) {
      Awaitility.await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(1))
          .ignoreExceptions()
          .until(
              () ->
                  SupervisorHarness.await(rpc(web).call("aria2.getVersion", Duration.ofMillis(200)))
                      != null);
      return ProcessHandle.allProcesses()
          .filter(
              h ->
                  h.info()
                      .commandLine()
                      .map(c -> c.contains(dir.resolve("a.conf").toString()))
                      .orElse(false))
          .mapToLong(ProcessHandle::pid)
          .filter(Signals::alive)
          .findFirst()
          .orElse(-1);
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
      ProcessHandle.allProcesses()
          .filter(
              h ->
                  h.info()
                      .commandLine()
                      .map(c -> c.contains(dir.resolve("a.conf").toString()))
                      .orElse(false))
          .forEach(ProcessHandle::destroyForcibly);
    }
  }

  /**
   * The training run of the Dockerfile and the systemd unit: {@code jar} started with the shipped
   * flags and {@code --self-test}, its classes archived at exit; the archive, under {@code root}.
   */
  static Path trainArchive(Path root, Path jar) throws Exception {
    Path archive = root.resolve("aria2-supervisor.jsa");
    List<String> flags = new java.util.ArrayList<>(SHIPPED_FLAGS);
    flags.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=error"));
    Path dir = root.resolve("training");
    try (io.aria2sv.testing.ChildJvm jvm =
        io.aria2sv.testing.ChildJvm.jar(
            jar, flags, dir, io.aria2sv.testing.ChildJvm.envFor(dir), "--self-test")) {
      org.assertj.core.api.Assertions.assertThat(jvm.awaitExit(java.time.Duration.ofSeconds(60)))
          .as(jvm.output())
          .isZero();
    }
    org.assertj.core.api.Assertions.assertThat(archive).isNotEmptyFile();
    return archive;
  }

  /**
   * Registry row {@code i} of a bench written straight into a registry: id {@code prefix} and 15
   * hex digits, one GID, a URL on the discard port, {@code length} bytes done of {@code length},
   * created a second before {@code at}, last changed at {@code at}.
   */
  static io.aria2sv.downloads.registry.StoredDownload row(
      String prefix, int i, String status, long length, long at, Long position, long seq) {
    String gid = String.format(java.util.Locale.ROOT, "%016x", 0x1000000000L + i);
    io.vertx.core.json.JsonObject request =
        new io.vertx.core.json.JsonObject()
            .put(
                "uris",
                new io.vertx.core.json.JsonArray().add("http://127.0.0.1:9/" + prefix + i + ".bin"))
            .put("out", prefix + i + ".bin");
    return new io.aria2sv.downloads.registry.StoredDownload(
        String.format(java.util.Locale.ROOT, "%s%015x", prefix, i),
        gid,
        null,
        request.encode(),
        status,
        length,
        length,
        null,
        null,
        0,
        new io.vertx.core.json.JsonArray().add(gid).encode(),
        null,
        at - 1000,
        at,
        false,
        null,
        position,
        seq);
  }

  /**
   * Writes rows {@code 0..n-1} of {@code row} straight into the registry under {@code data}, ten
   * thousand per transaction; {@code cold}: as rows the engine does not hold.
   */
  static void fillRegistry(
      io.vertx.core.Vertx vertx,
      Path data,
      int n,
      boolean cold,
      java.util.function.IntFunction<io.aria2sv.downloads.registry.StoredDownload> row)
      throws Exception {
    io.aria2sv.downloads.registry.RegistryStore store =
        io.aria2sv.testing.SupervisorHarness.await(
            io.aria2sv.downloads.registry.RegistryStore.open(vertx, data));
    try {
      for (int from = 0; from < n; from += 10_000) {
        List<io.aria2sv.downloads.registry.StoredDownload> rows = new java.util.ArrayList<>();
        for (int i = from; i < Math.min(n, from + 10_000); i++) {
          rows.add(row.apply(i));
        }
        io.aria2sv.testing.SupervisorHarness.await(
            cold ? store.add(List.of(), rows, List.of()) : store.add(rows, List.of()));
      }
    } finally {
      io.aria2sv.testing.SupervisorHarness.await(store.close());
    }
  }
}
