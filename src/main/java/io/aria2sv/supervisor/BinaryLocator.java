package io.aria2sv.supervisor;

import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.lifecycle.StartupException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds aria2c and probes it once with {@code --version}. {@code aria2.binary} is a path (it
 * contains a '/') or a name searched on PATH and then in the usual install locations. Blocking:
 * call it from a worker. Failures are {@link StartupException}s with exit code 69 and a hint.
 */
public final class BinaryLocator {
  static final String HINT =
      "install aria2 (Debian/Ubuntu: apt-get install aria2) or set aria2.binary"
          + " (env ARIA2SV_ARIA2_BINARY) to the aria2c executable";
  private static final List<String> FALLBACK_DIRS =
      List.of("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/snap/bin");
  private static final Pattern VERSION = Pattern.compile("aria2 version (\\S+)");
  private static final Pattern FEATURES = Pattern.compile("Enabled Features: (.*)");

  private BinaryLocator() {}

  /** Resolves and probes {@code binary}, using {@code pathVariable} (the PATH) for bare names. */
  public static Aria2Binary locate(String binary, String pathVariable) {
    Path path = resolve(binary, pathVariable);
    return probe(path);
  }

  static Path resolve(String binary, String pathVariable) {
    if (binary.contains("/")) {
      Path p = Path.of(binary).toAbsolutePath();
      if (!Files.isRegularFile(p)) {
        throw new StartupException(ExitCodes.UNAVAILABLE, "aria2c not found at " + p + "; " + HINT);
      }
      if (!Files.isExecutable(p)) {
        throw new StartupException(ExitCodes.UNAVAILABLE, p + " is not executable; " + HINT);
      }
      return p;
    }
    List<String> dirs = new ArrayList<>();
    if (pathVariable != null) {
      dirs.addAll(Arrays.asList(pathVariable.split(File.pathSeparator)));
    }
    dirs.addAll(FALLBACK_DIRS);
    for (String dir : dirs) {
      if (dir.isBlank()) {
        continue;
      }
      Path p = Path.of(dir, binary);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new StartupException(
        ExitCodes.UNAVAILABLE, "'" + binary + "' not found on PATH; " + HINT);
  }

  static Aria2Binary probe(Path path) {
    String out;
    int exit;
    try {
      Process p =
          new ProcessBuilder(path.toString(), "--version").redirectErrorStream(true).start();
      byte[] bytes = p.getInputStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new StartupException(
            ExitCodes.UNAVAILABLE, path + " --version did not finish in 10 s; " + HINT);
      }
      out = new String(bytes, StandardCharsets.UTF_8);
      exit = p.exitValue();
    } catch (IOException e) {
      throw new StartupException(
          ExitCodes.UNAVAILABLE, path + " cannot be run (" + e.getMessage() + "); " + HINT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException(ExitCodes.UNAVAILABLE, "interrupted while probing " + path);
    }
    Matcher v = VERSION.matcher(out);
    if (exit != 0 || !v.find()) {
      throw new StartupException(
          ExitCodes.UNAVAILABLE,
          path + " does not look like aria2c (--version exited " + exit + "); " + HINT);
    }
    Matcher f = FEATURES.matcher(out);
    List<String> features =
        f.find()
            ? Arrays.stream(f.group(1).split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList()
            : List.of();
    return new Aria2Binary(path, v.group(1), features);
  }
}
