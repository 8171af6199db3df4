package io.aria2sv.downloads.request;

import io.aria2sv.config.KeySuggestion;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The aria2 options a client may set on one download: an allowlist (no paths, hooks or RPC
 * options), each value a string, number or boolean without control characters, checked as aria2
 * would ({@link OptionValues}); {@code follow-torrent} and {@code follow-metalink} only as false.
 */
public final class DownloadOptions {
  private DownloadOptions() {}

  /** Per-download aria2 options a client may set. */
  public static final Set<String> ALLOWED =
      Set.of(
          "max-download-limit",
          "split",
          "max-connection-per-server",
          "min-split-size",
          "user-agent",
          "referer",
          "header",
          "checksum",
          "lowest-speed-limit",
          "max-tries",
          "retry-wait",
          "timeout",
          "connect-timeout",
          "http-user",
          "http-passwd",
          "ftp-user",
          "ftp-passwd",
          "allow-overwrite",
          "remote-time",
          "max-file-not-found",
          "check-certificate",
          "pause",
          "conditional-get",
          "http-accept-gzip",
          "uri-selector",
          "stream-piece-selector",
          "piece-length",
          "file-allocation",
          "max-upload-limit",
          "seed-ratio",
          "seed-time",
          "select-file",
          "bt-max-peers",
          "bt-request-peer-speed-limit",
          "bt-tracker",
          "bt-exclude-tracker",
          "bt-stop-timeout",
          "bt-prioritize-piece",
          "follow-torrent",
          "follow-metalink");

  /** Options the supervisor takes only as "false": it follows .torrent and metalink URLs itself. */
  static final Set<String> ONLY_FALSE = Set.of("follow-torrent", "follow-metalink");

  /**
   * The options of {@code value} (an object, or null for none), checked; fields named {@code
   * field.NAME}.
   */
  static Map<String, String> check(Object value, String field) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject o)) {
      throw new ValidationException(field, "must be an object of aria2 option: value");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : o.fieldNames()) {
      String f = field + "." + name;
      if (!ALLOWED.contains(name)) {
        throw new ValidationException(
            f,
            "is not an allowed per-download option (use dir and out for paths)"
                + KeySuggestion.didYouMean(name, ALLOWED));
      }
      Object v = o.getValue(name);
      if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        throw new ValidationException(f, "must be a string, number or boolean");
      }
      String text = v.toString();
      if (text.length() > 1024 || text.chars().anyMatch(c -> c < 0x20)) {
        throw new ValidationException(f, "is too long or holds control characters");
      }
      if (ONLY_FALSE.contains(name) && !text.equals("false")) {
        throw new ValidationException(
            f,
            "can only be false (download the file as it is): the supervisor follows"
                + " .torrent and metalink URLs itself, so that every download is one it knows");
      }
      OptionValues.check(name, text, f);
      out.put(name, text);
    }
    return out;
  }
}
