package io.aria2sv.supervisor;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.config.KeySuggestion;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * aria2 global options changed at run time ({@code PATCH /api/v1/options}): an allowlist, kept in
 * {@code options.json} in the data directory so that every later aria2c and every restart of the
 * JVM gets them. They lie over {@code aria2.options} of the configuration: a runtime value wins;
 * removing it (null) brings back the configured value, or aria2's default. Loading and saving
 * block: call them from a worker.
 */
public final class GlobalOptions {
  /** The file's name inside the data directory. */
  public static final String FILE = "options.json";

  /** The global options that may be changed at run time. */
  public static final Set<String> ALLOWED =
      Set.of(
          "max-overall-download-limit",
          "max-overall-upload-limit",
          "max-concurrent-downloads",
          "split",
          "max-connection-per-server",
          "min-split-size",
          "max-download-limit",
          "max-upload-limit",
          "lowest-speed-limit",
          "max-tries",
          "retry-wait",
          "timeout",
          "connect-timeout",
          "user-agent",
          "optimize-concurrent-downloads",
          "file-allocation",
          "disk-cache",
          "max-download-result");

  private final Path file;
  private Map<String, String> overrides;

  private GlobalOptions(Path file, Map<String, String> overrides) {
    this.file = file;
    this.overrides = overrides;
  }

  /** What {@code dataDir} holds (nothing yet: no overrides). */
  static GlobalOptions load(Path dataDir) throws IOException {
    Path f = dataDir.resolve(FILE);
    Map<String, String> stored = new TreeMap<>();
    if (Files.exists(f)) {
      new JsonObject(Files.readString(f, StandardCharsets.UTF_8))
          .forEach(
              e -> {
                if (ALLOWED.contains(e.getKey()) && e.getValue() != null) {
                  stored.put(e.getKey(), String.valueOf(e.getValue()));
                }
              });
    }
    return new GlobalOptions(f, stored);
  }

  /** The runtime values, by name. */
  Map<String, String> overrides() {
    return Collections.unmodifiableMap(overrides);
  }

  /** {@code configured} (aria2.options) with the runtime values over it. */
  Map<String, String> over(Map<String, String> configured) {
    Map<String, String> out = new LinkedHashMap<>(configured);
    out.putAll(overrides);
    return out;
  }

  /**
   * The runtime values after {@code patch} ({@code {name: value|null}}), not stored yet. Fails
   * naming the first option that is not allowed or not a string or number.
   */
  Map<String, String> patched(JsonObject patch) {
    if (patch == null || patch.isEmpty()) {
      throw bad("options", "must be an object of one or more aria2 global options");
    }
    Map<String, String> next = new TreeMap<>(overrides);
    for (String name : patch.fieldNames()) {
      String field = "options." + name;
      if (!ALLOWED.contains(name)) {
        throw bad(
            field,
            "is not a global option that can be changed at run time (GET /api/v1/options lists them)"
                + KeySuggestion.didYouMean(name, ALLOWED));
      }
      Object v = patch.getValue(name);
      if (v == null) {
        next.remove(name);
      } else if (v instanceof String || v instanceof Number) {
        String text = v.toString();
        if (text.isBlank() || text.length() > 256 || text.chars().anyMatch(c -> c < 0x20)) {
          throw bad(field, "must be a value of 1 to 256 characters without control characters");
        }
        next.put(name, text);
      } else {
        throw bad(field, "must be a string, a number, or null to go back to the configured value");
      }
    }
    return next;
  }

  private static ServiceException bad(String field, String problem) {
    return new ServiceException(ErrorCode.BAD_REQUEST, field + ": " + problem);
  }

  /**
   * Writes {@code next} to the file (owner-only, replaced at once); {@link #adopt} it afterwards.
   * Blocking.
   */
  void write(Map<String, String> next) throws IOException {
    Path tmp = file.resolveSibling(FILE + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        tmp, new JsonObject(new LinkedHashMap<>(next)).encodePrettily(), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** {@code next}, written, is the runtime values from now on (on the owner's event loop). */
  void adopt(Map<String, String> next) {
    overrides = new TreeMap<>(next);
  }

  /** The allowlist in order, for replies. */
  static List<String> names() {
    return ALLOWED.stream().sorted().toList();
  }
}
