package io.aria2sv.schedule;

import io.aria2sv.config.ConfigException;
import io.aria2sv.config.KeySuggestion;
import io.aria2sv.supervisor.GlobalOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The rules and the zone their times are in. What holds at an instant: the rules in force, their
 * options merged in order (a later rule wins an option both set) and whether any pauses. Pure: the
 * instant is given, so daylight saving and midnight are tested with any clock.
 */
public record Schedule(ZoneId zone, List<Rule> rules) {
  private static final Set<String> RULE_KEYS =
      Set.of("name", "days", "from", "to", "options", "pause");
  private static final Map<String, DayOfWeek> DAYS = new LinkedHashMap<>();

  static {
    for (DayOfWeek d : DayOfWeek.values()) {
      DAYS.put(d.name().substring(0, 3).toLowerCase(Locale.ROOT), d);
    }
  }

  /** The rules in force at {@code now}, in order. */
  public List<Rule> inForce(Instant now) {
    LocalDateTime local = LocalDateTime.ofInstant(now, zone);
    return rules.stream().filter(r -> r.inForceAt(local)).toList();
  }

  /** The aria2 global options the rules in force at {@code now} hold. */
  public Map<String, String> options(Instant now) {
    Map<String, String> out = new LinkedHashMap<>();
    inForce(now).forEach(r -> out.putAll(r.options()));
    return out;
  }

  /** Whether a rule in force at {@code now} pauses every download. */
  public boolean pauses(Instant now) {
    return inForce(now).stream().anyMatch(Rule::pause);
  }

  /** The next minute after {@code now}, within eight days, at which the rules in force change. */
  public Instant nextChange(Instant now) {
    List<Rule> current = inForce(now);
    Instant t = now.truncatedTo(ChronoUnit.MINUTES);
    for (int i = 0; i < 8 * 24 * 60; i++) {
      t = t.plus(1, ChronoUnit.MINUTES);
      if (!inForce(t).equals(current)) {
        return t;
      }
    }
    return null;
  }

  /** As the API shows it. */
  public JsonObject toJson() {
    JsonArray r = new JsonArray();
    rules.forEach(x -> r.add(x.toJson()));
    return new JsonObject().put("timeZone", zone.getId()).put("rules", r);
  }

  /**
   * Reads rules as written in the configuration or a request, naming the first bad field as {@code
   * prefix + "rules[i].field"}.
   *
   * @throws ConfigException naming the field
   */
  public static Schedule parse(ZoneId zone, JsonArray rules, String prefix) {
    List<Rule> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      String at = prefix + "rules[" + i + "]";
      if (!(rules.getValue(i) instanceof JsonObject o)) {
        throw new ConfigException(at, "must be a map: {name, days, from, to, options, pause}");
      }
      for (String k : o.fieldNames()) {
        if (!RULE_KEYS.contains(k)) {
          throw new ConfigException(
              at + "." + k,
              "is not a field of a rule (name, days, from, to, options, pause)"
                  + KeySuggestion.didYouMean(k, RULE_KEYS));
        }
      }
      String name = o.getValue("name") instanceof String s ? s.strip() : "";
      if (!name.matches("[A-Za-z0-9 ._-]{1,64}")) {
        throw new ConfigException(
            at + ".name", "must be 1 to 64 letters, digits, spaces, '.', '_' or '-'");
      }
      if (!names.add(name)) {
        throw new ConfigException(at + ".name", "'" + name + "' is the name of another rule too");
      }
      int from = minutes(at + ".from", o.getValue("from"), false);
      int to = minutes(at + ".to", o.getValue("to"), true);
      if (from == to || from == 0 && to == 0) {
        throw new ConfigException(
            at + ".to", "equals from; a whole day is from \"00:00\" to \"24:00\"");
      }
      Map<String, String> options = options(at + ".options", o.getValue("options"));
      Object p = o.getValue("pause", false);
      if (!(p instanceof Boolean pause)) {
        throw new ConfigException(at + ".pause", "must be true or false");
      }
      if (options.isEmpty() && !pause) {
        throw new ConfigException(at, "does nothing: give it options, or pause: true");
      }
      out.add(new Rule(name, days(at + ".days", o.getValue("days")), from, to, options, pause));
    }
    return new Schedule(zone, List.copyOf(out));
  }

  /** A zone by its id, naming {@code key} when it is not one. */
  public static ZoneId zone(String key, String id) {
    try {
      return ZoneId.of(id);
    } catch (DateTimeException e) {
      throw new ConfigException(key, "'" + id + "' is not a time zone (e.g. Europe/Berlin, UTC)");
    }
  }

  private static int minutes(String key, Object v, boolean end) {
    if (!(v instanceof String s) || !s.strip().matches("\\d{1,2}:\\d{2}")) {
      throw new ConfigException(key, "'" + v + "' is not a time of day (HH:MM, e.g. \"08:30\")");
    }
    String[] hm = s.strip().split(":");
    int h = Integer.parseInt(hm[0]);
    int m = Integer.parseInt(hm[1]);
    if (end && h == 24 && m == 0) {
      return 1440;
    }
    if (h > 23 || m > 59) {
      throw new ConfigException(
          key, "'" + s + "' is not a time of day (00:00 to 23:59" + (end ? ", or 24:00)" : ")"));
    }
    return h * 60 + m;
  }

  private static Set<DayOfWeek> days(String key, Object v) {
    if (v == null) {
      return Rule.all();
    }
    List<Object> items = new ArrayList<>();
    if (v instanceof JsonArray a) {
      a.forEach(items::add);
    } else {
      items.add(v);
    }
    Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
    for (Object item : items) {
      String d = String.valueOf(item).strip().toLowerCase(Locale.ROOT);
      switch (d) {
        case "daily" -> out.addAll(Rule.all());
        case "weekdays" -> out.addAll(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY));
        case "weekends" -> out.addAll(EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY));
        default -> {
          DayOfWeek day = DAYS.get(d.length() >= 3 ? d.substring(0, 3) : d);
          if (day == null || !day.name().toLowerCase(Locale.ROOT).startsWith(d)) {
            throw new ConfigException(
                key,
                "'"
                    + item
                    + "' is not a day (mon, tue, wed, thu, fri, sat, sun, weekdays, weekends,"
                    + " daily)");
          }
          out.add(day);
        }
      }
    }
    if (out.isEmpty()) {
      throw new ConfigException(key, "names no day");
    }
    return out;
  }

  private static Map<String, String> options(String key, Object v) {
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof JsonObject o)) {
      throw new ConfigException(key, "must be a map of aria2 global option: value");
    }
    for (String name : o.fieldNames()) {
      if (!GlobalOptions.ALLOWED.contains(name)) {
        throw new ConfigException(
            key + "." + name,
            "is not a global option a schedule may set (those of PATCH /api/v1/options)"
                + KeySuggestion.didYouMean(name, GlobalOptions.ALLOWED));
      }
      Object value = o.getValue(name);
      if (!(value instanceof String) && !(value instanceof Number)) {
        throw new ConfigException(key + "." + name, "must be a string or a number");
      }
      String text = value.toString();
      if (text.isBlank() || text.length() > 256 || text.chars().anyMatch(c -> c < 0x20)) {
        throw new ConfigException(
            key + "." + name, "must be 1 to 256 characters without control characters");
      }
      out.put(name, text);
    }
    return out;
  }
}
