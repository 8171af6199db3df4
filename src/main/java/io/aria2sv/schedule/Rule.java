package io.aria2sv.schedule;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One time-of-day rule: on {@code days}, from {@code from} to {@code to} (minutes of the day, local
 * time; {@code to} may be 1440, midnight at the end of the day; a {@code to} before {@code from}
 * runs past midnight into the next day, which belongs to the day it started), the aria2 global
 * {@code options} hold and, with {@code pause}, every download is paused.
 *
 * <p>Wall-clock semantics: a rule starting in an hour that daylight saving skips starts when the
 * clock reaches a time inside its window (the skipped hour does not exist); in the hour repeated
 * when the clocks go back, a rule of that hour holds both times.
 */
public record Rule(
    String name,
    Set<DayOfWeek> days,
    int from,
    int to,
    Map<String, String> options,
    boolean pause) {

  /** Whether the rule holds at the local time {@code at}. */
  public boolean inForceAt(LocalDateTime at) {
    int minute = at.getHour() * 60 + at.getMinute();
    DayOfWeek day = at.getDayOfWeek();
    if (from < to) {
      return days.contains(day) && minute >= from && minute < to;
    }
    // past midnight: the evening part on one of its days, the morning part on the day after
    return days.contains(day) && minute >= from || days.contains(day.minus(1)) && minute < to;
  }

  /** As the API shows it. */
  public JsonObject toJson() {
    JsonArray d = new JsonArray();
    for (DayOfWeek day : DayOfWeek.values()) {
      if (days.contains(day)) {
        d.add(day.getDisplayName(TextStyle.SHORT, Locale.ROOT).toLowerCase(Locale.ROOT));
      }
    }
    return new JsonObject()
        .put("name", name)
        .put("days", d)
        .put("from", time(from))
        .put("to", time(to))
        .put("options", new JsonObject(new java.util.TreeMap<>(options)))
        .put("pause", pause);
  }

  static String time(int minutes) {
    return String.format(Locale.ROOT, "%02d:%02d", minutes / 60, minutes % 60);
  }

  static Set<DayOfWeek> all() {
    return EnumSet.allOf(DayOfWeek.class);
  }
}
