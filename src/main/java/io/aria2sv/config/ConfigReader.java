package io.aria2sv.config;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Locale;

/**
 * Typed, validating access to one section of the effective configuration. Values may arrive as YAML
 * scalars or as strings from the environment and system properties; both are accepted. Every
 * failure is a {@link ConfigException} naming the full key.
 */
final class ConfigReader {
  private final JsonObject json;
  private final String prefix;

  ConfigReader(JsonObject json, String prefix) {
    this.json = json == null ? new JsonObject() : json;
    this.prefix = prefix;
  }

  ConfigReader section(String name) {
    Object v = json.getValue(name);
    if (v != null && !(v instanceof JsonObject)) {
      throw new ConfigException(key(name), "must be a section (a map of keys), not '" + v + "'");
    }
    return new ConfigReader((JsonObject) v, key(name));
  }

  String key(String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  private Object required(String name) {
    Object v = json.getValue(name);
    if (v == null) {
      throw new ConfigException(key(name), "is missing");
    }
    return v;
  }

  String string(String name) {
    Object v = required(name);
    if (v instanceof JsonObject || v instanceof io.vertx.core.json.JsonArray) {
      throw new ConfigException(key(name), "must be a single value");
    }
    return v.toString();
  }

  String nonBlank(String name) {
    String s = string(name).trim();
    if (s.isEmpty()) {
      throw new ConfigException(key(name), "must not be empty");
    }
    return s;
  }

  long integer(String name, long min, long max) {
    Object v = required(name);
    long n;
    if (v instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
      n = num.longValue();
    } else {
      try {
        n = Long.parseLong(v.toString().trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(key(name), "'" + v + "' is not a whole number");
      }
    }
    if (n < min || n > max) {
      throw new ConfigException(key(name), n + " is out of range [" + min + ", " + max + "]");
    }
    return n;
  }

  /** A whole number from {@code min} to {@code max}, or {@code word} (then {@code wordValue}). */
  long integerOr(String name, String word, long wordValue, long min, long max) {
    Object v = required(name);
    if (word.equals(String.valueOf(v).trim())) {
      return wordValue;
    }
    try {
      return integer(name, min, max);
    } catch (ConfigException e) {
      throw new ConfigException(
          key(name), e.getMessage().substring(key(name).length() + 2) + " (or '" + word + "')");
    }
  }

  /** A number from {@code min} to {@code max}. */
  double number(String name, double min, double max) {
    Object v = required(name);
    double d = decimal(name, v);
    if (!(d >= min && d <= max)) {
      throw new ConfigException(key(name), v + " is out of range [" + min + ", " + max + "]");
    }
    return d;
  }

  private double decimal(String name, Object v) {
    try {
      return v instanceof Number num ? num.doubleValue() : Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key(name), "'" + v + "' is not a number");
    }
  }

  double fraction(String name) {
    Object v = required(name);
    double d = decimal(name, v);
    if (!(d >= 0.0 && d <= 1.0)) {
      throw new ConfigException(key(name), v + " must be between 0 and 1");
    }
    return d;
  }

  boolean bool(String name) {
    Object v = required(name);
    if (v instanceof Boolean b) {
      return b;
    }
    return switch (v.toString().trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new ConfigException(key(name), "'" + v + "' is not true or false");
    };
  }

  Duration duration(String name, Duration min) {
    Object v = required(name);
    Duration d;
    try {
      d = Durations.parse(v.toString());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key(name), e.getMessage());
    }
    if (d.compareTo(min) < 0) {
      throw new ConfigException(key(name), "must be at least " + Durations.format(min));
    }
    return d;
  }

  /** A list of whole numbers, from a YAML list or a comma-separated string. */
  java.util.Set<Integer> intSet(String name, int min, int max) {
    Object v = required(name);
    java.util.List<Object> items = new java.util.ArrayList<>();
    if (v instanceof io.vertx.core.json.JsonArray a) {
      a.forEach(items::add);
    } else {
      for (String part : v.toString().split(",")) {
        if (!part.isBlank()) {
          items.add(part.trim());
        }
      }
    }
    java.util.Set<Integer> out = new java.util.TreeSet<>();
    for (Object item : items) {
      try {
        int n =
            item instanceof Number num ? num.intValue() : Integer.parseInt(item.toString().trim());
        if (n < min || n > max) {
          throw new ConfigException(key(name), n + " is out of range [" + min + ", " + max + "]");
        }
        out.add(n);
      } catch (NumberFormatException e) {
        throw new ConfigException(key(name), "'" + item + "' is not a whole number");
      }
    }
    return java.util.Collections.unmodifiableSet(out);
  }

  /** A list of strings, from a YAML list or a comma-separated string. */
  java.util.List<String> stringList(String name) {
    Object v = required(name);
    java.util.List<String> out = new java.util.ArrayList<>();
    if (v instanceof io.vertx.core.json.JsonArray a) {
      for (Object o : a) {
        if (o == null || o instanceof JsonObject || o instanceof io.vertx.core.json.JsonArray) {
          throw new ConfigException(key(name), "must be a list of strings");
        }
        out.add(o.toString().trim());
      }
    } else {
      for (String part : v.toString().split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    return java.util.List.copyOf(out);
  }

  JsonObject object(String name) {
    Object v = json.getValue(name);
    if (v == null) {
      return new JsonObject();
    }
    if (!(v instanceof JsonObject o)) {
      throw new ConfigException(key(name), "must be a map of option: value");
    }
    return o;
  }

  /**
   * A list of maps, each read by a reader named {@code key[i]}; from a YAML list, or a string
   * holding a JSON array (environment variables and system properties).
   */
  java.util.List<ConfigReader> objects(String name) {
    Object v = required(name);
    if (v instanceof String s && s.trim().startsWith("[")) {
      try {
        v = new io.vertx.core.json.JsonArray(s);
      } catch (io.vertx.core.json.DecodeException e) {
        throw new ConfigException(key(name), "is not a JSON list: " + e.getMessage());
      }
    }
    if (!(v instanceof io.vertx.core.json.JsonArray a)) {
      throw new ConfigException(key(name), "must be a list of maps");
    }
    java.util.List<ConfigReader> out = new java.util.ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      String k = key(name) + "[" + i + "]";
      if (!(a.getValue(i) instanceof JsonObject o)) {
        throw new ConfigException(k, "must be a map of keys");
      }
      out.add(new ConfigReader(o, k));
    }
    return out;
  }

  /** Fails naming the first key of this section that is not one of {@code known}. */
  void only(java.util.Set<String> known) {
    for (String name : json.fieldNames()) {
      if (!known.contains(name)) {
        throw new ConfigException(
            key(name),
            "is not a known key (" + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
  }

  /** Whether {@code name} is present and not null. */
  boolean has(String name) {
    return json.getValue(name) != null;
  }

  /** A list as it stands (its items are checked by whoever reads them). */
  io.vertx.core.json.JsonArray array(String name) {
    Object v = required(name);
    if (v instanceof String s && s.trim().startsWith("[")) {
      try {
        return new io.vertx.core.json.JsonArray(s);
      } catch (io.vertx.core.json.DecodeException e) {
        throw new ConfigException(key(name), "is not a JSON list: " + e.getMessage());
      }
    }
    if (!(v instanceof io.vertx.core.json.JsonArray a)) {
      throw new ConfigException(key(name), "must be a list");
    }
    return a;
  }
}
