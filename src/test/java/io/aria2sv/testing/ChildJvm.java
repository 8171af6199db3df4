package io.aria2sv.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The supervisor as an operator runs it: a separate JVM, with its own environment and working
 * directory, its output captured to a file.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Path output;

  private ChildJvm(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  private static final java.util.regex.Pattern PORT =
      java.util.regex.Pattern.compile("listening on https?://[^/]+:(\\d+)/");

  /**
   * The environment of a supervisor under {@code root}: its data and download dirs, HTTP on a free
   * port.
   */
  public static Map<String, String> envFor(Path root) {
    return new java.util.HashMap<>(
        Map.of(
            "ARIA2SV_ARIA2_DATA_DIR", root.resolve("data").toString(),
            "ARIA2SV_ARIA2_DOWNLOAD_DIR", root.resolve("downloads").toString(),
            "ARIA2SV_HTTP_PORT", "0"));
  }

  /** Waits until the supervisor runs and returns the HTTP port from its "listening" line. */
  public int awaitHttpPort() {
    awaitOutput("aria2-supervisor running", Duration.ofSeconds(60));
    java.util.regex.Matcher m = PORT.matcher(output());
    if (!m.find()) {
      throw new AssertionError("no listening line:\n" + output());
    }
    return Integer.parseInt(m.group(1));
  }

  /** Runs {@code io.aria2sv.Main} on the test class path. */
  public static ChildJvm main(Path cwd, Map<String, String> env, String... args)
      throws IOException {
    return mainClass("io.aria2sv.Main", cwd, env, args);
  }

  /**
   * Runs {@code io.aria2sv.Main} on the test class path with extra JVM flags ({@code -Dkey=value}).
   */
  public static ChildJvm mainWithJvmFlags(
      List<String> jvmFlags, Path cwd, Map<String, String> env, String... args) throws IOException {
    return mainWithJvmFlags(List.of(), jvmFlags, cwd, env, args);
  }

  /**
   * As {@link #mainWithJvmFlags(List, Path, Map, String...)}, run by {@code prefix} (such as {@code
   * ip netns exec <ns>}, which runs the JVM in a network namespace under the same pid).
   */
  public static ChildJvm mainWithJvmFlags(
      List<String> prefix, List<String> jvmFlags, Path cwd, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(javaBinary(), "-Xmx128m"));
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.aria2sv.Main"));
    cmd.addAll(List.of(args));
    return start(cmd, cwd, env);
  }

  /** Runs the {@code main} of {@code className} on the test class path. */
  public static ChildJvm mainClass(
      String className, Path cwd, Map<String, String> env, String... args) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                javaBinary(), "-Xmx128m", "-cp", System.getProperty("java.class.path"), className));
    cmd.addAll(List.of(args));
    return start(cmd, cwd, env);
  }

  /** Writes one line to the child's standard input. */
  public void tell(String line) throws IOException {
    process
        .getOutputStream()
        .write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    process.getOutputStream().flush();
  }

  /** Runs a jar with {@code java -jar}. */
  public static ChildJvm jar(Path jar, Path cwd, Map<String, String> env, String... args)
      throws IOException {
    return jar(jar, List.of(), cwd, env, args);
  }

  /** Runs a jar with {@code java <jvmFlags> -jar}. */
  public static ChildJvm jar(
      Path jar, List<String> jvmFlags, Path cwd, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(javaBinary()));
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return start(cmd, cwd, env);
  }

  private static ChildJvm start(List<String> cmd, Path cwd, Map<String, String> env)
      throws IOException {
    Files.createDirectories(cwd);
    Path out = Files.createTempFile(cwd, "jvm-", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ARIA2SV_"));
    pb.environment().putAll(env);
    return new ChildJvm(pb.start(), out);
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  public long pid() {
    return process.pid();
  }

  public String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits until {@code condition} holds; on a timeout the failure shows this JVM's output. */
  public void awaitOrShowOutput(
      Duration timeout, java.util.concurrent.Callable<Boolean> condition) {
    try {
      Awaitility.await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(5))
          .ignoreExceptions()
          .until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          e.getMessage() + "\n--- output of pid " + pid() + " ---\n" + output(), e);
    }
  }

  /** Waits until the output contains {@code text}; fails early if the JVM exits first. */
  public void awaitOutput(String text, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (output().contains(text)) {
                return true;
              }
              if (!process.isAlive()) {
                throw new AssertionError(
                    "JVM exited with "
                        + process.exitValue()
                        + " before printing '"
                        + text
                        + "':\n"
                        + output());
              }
              return false;
            });
  }

  /** Whether the JVM still runs. */
  public boolean alive() {
    return process.isAlive();
  }

  /** Waits for the exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("JVM did not exit within " + timeout + ":\n" + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
