package io.aria2sv.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates the user's extra aria2c options ({@code aria2.options}). Options that would take
 * supervision away from us (RPC endpoint and secret, daemonising, the session files, the parent
 * watch, the config path) are refused, and so is anything that could inject a line into the
 * generated {@code aria2.conf}.
 */
public final class Aria2Options {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
  private static final Set<String> OWNED =
      Set.of(
          "enable-rpc",
          "daemon",
          "input-file",
          "stop-with-process",
          "conf-path",
          "dir",
          "no-conf",
          "auto-save-interval");

  private Aria2Options() {}

  /** Why {@code name} may not be set by the user, or {@code null} when it may. */
  public static String refusal(String name) {
    if (name.startsWith("rpc-")) {
      return "the supervisor owns aria2's RPC endpoint and secret";
    }
    if (name.startsWith("save-session")) {
      return "the supervisor owns the session file and its save interval";
    }
    if (name.equals("dir")) {
      return "set aria2.downloadDir instead";
    }
    if (OWNED.contains(name)) {
      return "the supervisor sets it to keep aria2c supervised";
    }
    if (name.equals("follow-torrent") || name.equals("follow-metalink")) {
      return "a download aria2 would start on its own from a fetched .torrent or .metalink is one the registry does not know;"
          + " the supervisor keeps it false";
    }
    return null;
  }

  /**
   * Checks the options object and returns them as option name to text value.
   *
   * @param key the configuration key, for messages
   */
  public static Map<String, String> validate(String key, JsonObject options) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : options.fieldNames()) {
      String k = key + "." + name;
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException(
            k, "is not an aria2c option name (lower case letters, digits, '-')");
      }
      String why = refusal(name);
      if (why != null) {
        throw new ConfigException(k, "may not be set: " + why);
      }
      Object v = options.getValue(name);
      if (v == null || v instanceof JsonObject || v instanceof JsonArray) {
        throw new ConfigException(k, "must be a single value");
      }
      String text = v.toString();
      if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.indexOf('\0') >= 0) {
        throw new ConfigException(k, "must not contain line breaks");
      }
      out.put(name, text);
    }
    return Collections.unmodifiableMap(out);
  }
}
