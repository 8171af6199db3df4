package io.aria2sv.testing;

import java.util.concurrent.TimeUnit;

/** Real signals for fault injection: {@code kill -9}, {@code SIGSTOP}, {@code SIGCONT}. */
public final class Signals {
  private Signals() {}

  public static void send(long pid, String signal) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    if (!k.waitFor(5, TimeUnit.SECONDS) || k.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
    }
  }

  public static void kill9(long pid) throws Exception {
    send(pid, "KILL");
  }

  public static void stop(long pid) throws Exception {
    send(pid, "STOP");
  }

  public static void cont(long pid) throws Exception {
    send(pid, "CONT");
  }

  /**
   * True while {@code pid} runs. A zombie counts as dead: it runs nothing and holds no port, and
   * some sandboxes' init never reaps orphans.
   */
  public static boolean alive(long pid) {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Live aria2c processes started with the conf file of {@code dataDir}. */
  public static long countAria2For(java.nio.file.Path dataDir) {
    String marker = "--conf-path=" + dataDir.resolve("aria2.conf");
    return ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false))
        .count();
  }
}
