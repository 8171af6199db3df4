package io.aria2sv.supervisor;

import io.aria2sv.config.AppConfig;
import io.aria2sv.config.ConfigException;
import io.aria2sv.config.KeySuggestion;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks aria2c itself whether it takes {@code aria2.options}, before any aria2c runs with them: a
 * throwaway aria2c reads them from a conf file and, with no download to start, stops at once.
 * aria2c 1.36 treats a misspelled option in a conf file as a warning and then runs without it, and
 * a bad value ({@code max-overall-download-limit: fast}) makes every start exit 28: both are caught
 * here and named by their key. Blocking (about 10 ms): call it from a worker.
 */
public final class Aria2OptionsCheck {
  private static final Pattern UNKNOWN = Pattern.compile("Unknown option: ([a-z0-9-]+)");
  private static final Pattern BAD = Pattern.compile("processing the option '--([a-z0-9-]+)'");
  private static final Pattern WHY = Pattern.compile("errorCode=\\d+ (.+)");
  private static final Pattern OPTION_LINE = Pattern.compile("^ (?:-[a-zA-Z0-9], )?--([a-z0-9-]+)");
  private static final Pattern DEFAULT_LINE = Pattern.compile("^\\s+Default: (.*)$");

  private Aria2OptionsCheck() {}

  /**
   * Fails with a {@link ConfigException} naming {@code aria2.options.NAME} when aria2c at {@code
   * binary} does not know an option or refuses its value.
   *
   * @param scratch a directory for the throwaway conf file (the data directory)
   */
  public static void check(Path binary, Map<String, String> options, Path scratch)
      throws IOException, InterruptedException {
    if (options.isEmpty()) {
      return;
    }
    Path conf =
        Files.createTempFile(
            scratch,
            "options-check-",
            ".conf",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      StringBuilder text = new StringBuilder();
      options.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
      Files.writeString(conf, text, StandardCharsets.UTF_8);
      String out =
          run(
              List.of(
                  binary.toString(),
                  "--conf-path=" + conf,
                  "--enable-rpc=false",
                  "--quiet=false",
                  "--console-log-level=warn",
                  "--dir=" + scratch));
      Matcher unknown = UNKNOWN.matcher(out);
      if (unknown.find()) {
        String name = unknown.group(1);
        throw new ConfigException(
            "aria2.options." + name,
            "is not an option of this aria2c ("
                + binary
                + ")"
                + KeySuggestion.didYouMean(name, known(binary)));
      }
      Matcher bad = BAD.matcher(out);
      if (bad.find()) {
        String name = bad.group(1);
        Matcher why = WHY.matcher(out.substring(bad.end()));
        throw new ConfigException(
            "aria2.options." + name,
            "aria2c refuses the value '"
                + options.get(name)
                + "'"
                + (why.find() ? ": " + why.group(1).strip() : ""));
      }
    } finally {
      Files.deleteIfExists(conf);
    }
  }

  /**
   * {@link #check} for a whole effective configuration, on a worker: the binary it names is
   * located, the options are tried. Fails with the {@link ConfigException} of the first problem.
   */
  public static Future<Void> vet(Vertx vertx, JsonObject config) {
    AppConfig.Aria2 a = AppConfig.from(config).aria2();
    return vertx.executeBlocking(
        () -> {
          check(
              BinaryLocator.locate(a.binary(), System.getenv("PATH")).path(),
              a.options(),
              a.dataDir());
          return null;
        },
        false);
  }

  /** The option names {@code aria2c --help=#all} lists. */
  static Set<String> known(Path binary) throws IOException, InterruptedException {
    return defaults(binary).keySet();
  }

  /**
   * Every option {@code aria2c --help=#all} lists, with the default it names (an empty text when it
   * names none), in the order listed.
   */
  public static Map<String, String> defaults(Path binary) throws IOException, InterruptedException {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    String current = null;
    for (String line : run(List.of(binary.toString(), "--help=#all")).split("\n")) {
      Matcher option = OPTION_LINE.matcher(line);
      if (option.find()) {
        current = option.group(1);
        out.put(current, "");
        continue;
      }
      Matcher d = DEFAULT_LINE.matcher(line);
      if (current != null && d.find()) {
        out.put(current, d.group(1).strip());
      }
    }
    return out;
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(new ArrayList<>(command))
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command.get(0) + " did not finish checking the options");
    }
    return new String(out, StandardCharsets.UTF_8).replaceAll("\u001B\\[[0-9;]*m", "");
  }
}
