package io.aria2sv.supervisor;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One running aria2c: how it was started, how to signal it, how it ended. The command line holds
 * only {@code --conf-path} and {@code --stop-with-process} (the secret lives in the 0600 conf
 * file); stdout and stderr go to {@code aria2c.out} in the data directory, whose tail explains an
 * early exit. Spawning and signalling block briefly: call them from a worker.
 */
public final class Aria2Process {
  /** aria2c's console output, appended across starts. */
  public static final String OUTPUT = "aria2c.out";

  /** The pid of the current aria2c, for orphan clean-up after a JVM crash. */
  public static final String PID_FILE = "aria2.pid";

  /**
   * glibc's malloc trim threshold for aria2c: 16 MiB, aria2's default disk cache. See {@link
   * #tuneMalloc}.
   */
  public static final String TRIM_THRESHOLD = "glibc.malloc.trim_threshold=" + (16 << 20);

  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  /**
   * The parent-death signal fires when the thread that spawned the child ends, so every aria2c is
   * spawned from this one thread that lives as long as the JVM.
   */
  private static final ExecutorService SPAWNER =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "aria2c-spawner");
            t.setDaemon(true);
            return t;
          });

  private final Process process;
  private final Path outputFile;
  private final long outputStart;

  private Aria2Process(Process process, Path outputFile, long outputStart) {
    this.process = process;
    this.outputFile = outputFile;
    this.outputStart = outputStart;
  }

  /**
   * Spawns aria2c with {@code confFile}, tied to this JVM with {@code --stop-with-process}, and
   * records its pid in {@code aria2.pid}.
   */
  public static Aria2Process spawn(Path binary, Path dataDir, Path confFile) throws IOException {
    Path out = dataDir.resolve(OUTPUT);
    long start = Files.exists(out) ? Files.size(out) : 0;
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETPRIV)) {
      // Linux parent-death signal: aria2c is killed the moment this JVM dies, even by kill -9
      // (aria2's own --stop-with-process below polls and needs about 3 s). SIGKILL, not SIGTERM:
      // a stopped (SIGSTOP) or hung aria2c holds a SIGTERM pending for ever and would outlive us.
      // Its session and control files are saved every second, so at most a second of progress is
      // fetched again after the next start.
      command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
    }
    if (Files.isExecutable(SETSID)) {
      // Its own session: a Ctrl-C or a signal to our process group must not reach aria2c behind
      // our back; the supervisor alone decides how aria2c stops. setsid and setpriv exec, so the
      // pid is aria2c's.
      command.add(SETSID.toString());
    }
    command.add(binary.toString());
    command.add("--conf-path=" + confFile);
    command.add("--stop-with-process=" + ProcessHandle.current().pid());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dataDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    tuneMalloc(builder.environment());
    Process p;
    try {
      p = SPAWNER.submit(builder::start).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting aria2c", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
    Files.writeString(dataDir.resolve(PID_FILE), p.pid() + "\n", StandardCharsets.US_ASCII);
    return new Aria2Process(p, out, start);
  }

  /**
   * Raises glibc's malloc trim threshold in aria2c's environment. With glibc's default (128 KiB,
   * adjusted as the process goes), a long-lived aria2c may give the heap's top back to the kernel
   * after every batch of received data and fault it in again: measured on a 512 MiB loopback
   * download, about half the aria2c processes took 600 to 700 ms with about 100,000 page faults per
   * download, the others about 540 ms with none, and a process mostly kept its kind from its first
   * download on. With the threshold every process took about 540 ms without faults, for about 1 MiB
   * more RSS. A threshold the user set ({@code GLIBC_TUNABLES} or {@code MALLOC_TRIM_THRESHOLD_})
   * is left alone; C libraries other than glibc ignore the variable.
   */
  public static void tuneMalloc(Map<String, String> env) {
    String tunables = env.get("GLIBC_TUNABLES");
    if (env.containsKey("MALLOC_TRIM_THRESHOLD_")
        || (tunables != null && tunables.contains("glibc.malloc.trim_threshold="))) {
      return;
    }
    env.put(
        "GLIBC_TUNABLES",
        tunables == null || tunables.isBlank() ? TRIM_THRESHOLD : tunables + ":" + TRIM_THRESHOLD);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Completes with the exit code when the process ends, on a JDK thread. */
  public CompletableFuture<Integer> onExit() {
    return process.onExit().thenApply(Process::exitValue);
  }

  /** SIGINT: aria2c's graceful stop (saves the session, then exits). */
  public void interrupt() throws IOException, InterruptedException {
    signal(pid(), "INT");
  }

  /** SIGTERM. */
  public void terminate() {
    process.destroy();
  }

  /** SIGKILL; works on a SIGSTOPped process too. */
  public void kill() {
    process.destroyForcibly();
  }

  /** Deletes {@code aria2.pid} once this process is gone. Blocking. */
  public void deletePidFile() throws IOException {
    Files.deleteIfExists(outputFile.resolveSibling(PID_FILE));
  }

  /** What aria2c printed since this start, at most the last {@code maxChars} characters. */
  public String outputTail(int maxChars) {
    try {
      byte[] all = Files.readAllBytes(outputFile);
      int from = (int) Math.min(all.length, outputStart);
      String text = new String(all, from, all.length - from, StandardCharsets.UTF_8).strip();
      text = text.replaceAll("\u001B\\[[0-9;]*m", "").replaceAll("\\s+", " ");
      return text.length() <= maxChars ? text : "…" + text.substring(text.length() - maxChars);
    } catch (IOException e) {
      return "";
    }
  }

  /** Sends {@code kill -<signal> pid}. */
  static void signal(long pid, String signal) throws IOException, InterruptedException {
    Process k =
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
            .redirectErrorStream(true)
            .start();
    k.getInputStream().readAllBytes();
    k.waitFor(5, TimeUnit.SECONDS);
  }

  /**
   * Stops an aria2c left running by an earlier crash of ours: the pid in {@code aria2.pid} is only
   * touched when that process is alive and is an aria2c started with this data directory's conf
   * file.
   *
   * @return the pid that was stopped, if any
   */
  public static Optional<Long> reapOrphan(Path dataDir, long graceMillis)
      throws IOException, InterruptedException {
    Path pidFile = dataDir.resolve(PID_FILE);
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
    } catch (NumberFormatException e) {
      Files.deleteIfExists(pidFile);
      return Optional.empty();
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    String marker = "--conf-path=" + dataDir.resolve(Aria2ConfFile.FILE);
    if (handle.isEmpty() || !handle.get().isAlive() || !commandLine(pid).contains(marker)) {
      Files.deleteIfExists(pidFile);
      return Optional.empty();
    }
    ProcessHandle h = handle.get();
    // A stopped (SIGSTOP) process holds any SIGTERM pending forever: kill it outright.
    if (stopped(pid)) {
      h.destroyForcibly();
    } else {
      h.destroy();
    }
    try {
      h.onExit().get(graceMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
      h.destroyForcibly();
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException | ExecutionException e2) {
        throw new IOException("orphan aria2c " + pid + " does not die", e2);
      }
    }
    Files.deleteIfExists(pidFile);
    return Optional.of(pid);
  }

  /** True when the process is stopped by a signal (state T in /proc). */
  static boolean stopped(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'T' || state == 't';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The process's command line from /proc, arguments joined by spaces, or "" when unreadable. */
  static String commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("");
    }
  }
}
