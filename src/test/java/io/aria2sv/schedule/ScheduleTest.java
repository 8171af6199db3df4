package io.aria2sv.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aria2sv.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the rules hold at any instant: weekdays, midnight, daylight saving, order, bad input. */
class ScheduleTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static JsonObject rule(String name, Object days, String from, String to) {
    return new JsonObject()
        .put("name", name)
        .put("days", days)
        .put("from", from)
        .put("to", to)
        .put("options", new JsonObject().put("max-overall-download-limit", name));
  }

  private static Schedule schedule(JsonObject... rules) {
    return Schedule.parse(BERLIN, new JsonArray(List.of((Object[]) rules)), "");
  }

  private static Instant local(String dateTime) {
    return LocalDateTime.parse(dateTime).atZone(BERLIN).toInstant();
  }

  /** How long {@code s} holds any rule between two instants, minute by minute. */
  private static Duration heldBetween(Schedule s, Instant from, Instant to) {
    Duration held = Duration.ZERO;
    for (Instant t = from; t.isBefore(to); t = t.plusSeconds(60)) {
      if (!s.inForce(t).isEmpty()) {
        held = held.plusMinutes(1);
      }
    }
    return held;
  }

  @Test
  void aWeekdayRuleHoldsFromItsStartUntilJustBeforeItsEndOnItsDaysOnly() {
    Schedule s = schedule(rule("1M", "weekdays", "08:00", "18:00"));
    assertThat(s.inForce(local("2026-12-07T07:59:59"))).isEmpty(); // a Monday
    assertThat(s.inForce(local("2026-12-07T08:00:00"))).hasSize(1);
    assertThat(s.inForce(local("2026-12-07T17:59:59"))).hasSize(1);
    assertThat(s.inForce(local("2026-12-07T18:00:00"))).isEmpty();
    assertThat(s.inForce(local("2026-12-05T12:00:00"))).as("a Saturday").isEmpty();
    assertThat(s.options(local("2026-12-07T09:00:00")))
        .containsEntry("max-overall-download-limit", "1M");
  }

  @Test
  void aNightRulePastMidnightBelongsToTheDayItStarted() {
    Schedule s = schedule(rule("night", List.of("fri"), "22:00", "06:00"));
    assertThat(s.inForce(local("2026-12-04T21:59:00"))).isEmpty(); // Friday
    assertThat(s.inForce(local("2026-12-04T22:00:00"))).hasSize(1);
    assertThat(s.inForce(local("2026-12-05T05:59:00"))).as("Saturday morning").hasSize(1);
    assertThat(s.inForce(local("2026-12-05T06:00:00"))).isEmpty();
    assertThat(s.inForce(local("2026-12-05T23:00:00"))).as("Saturday night").isEmpty();
    assertThat(s.inForce(local("2026-12-04T05:00:00"))).as("Friday morning: Thursday's").isEmpty();
  }

  @Test
  void whenTheClocksGoForwardASkippedWindowNeverHoldsAndALongerOneIsAnHourShorter() {
    // Europe/Berlin, Sunday 2026-03-29: 02:00 CET becomes 03:00 CEST
    Instant dayStart = local("2026-03-29T00:00:00");
    Instant dayEnd = local("2026-03-30T00:00:00");
    assertThat(heldBetween(schedule(rule("skipped", "daily", "02:00", "03:00")), dayStart, dayEnd))
        .isZero();
    assertThat(heldBetween(schedule(rule("across", "daily", "01:00", "04:00")), dayStart, dayEnd))
        .isEqualTo(Duration.ofHours(2));
    Schedule half = schedule(rule("half", "daily", "02:30", "03:30"));
    assertThat(half.inForce(Instant.parse("2026-03-29T00:59:59Z"))).as("01:59:59 CET").isEmpty();
    assertThat(half.inForce(Instant.parse("2026-03-29T01:00:00Z"))).as("03:00 CEST").hasSize(1);
    assertThat(half.nextChange(Instant.parse("2026-03-29T00:30:00Z")))
        .isEqualTo(Instant.parse("2026-03-29T01:00:00Z"));
  }

  @Test
  void whenTheClocksGoBackTheRepeatedHourHoldsItsRuleTwice() {
    // Europe/Berlin, Sunday 2026-10-25: 03:00 CEST becomes 02:00 CET
    Schedule s = schedule(rule("repeated", "daily", "02:00", "03:00"));
    assertThat(s.inForce(Instant.parse("2026-10-25T00:30:00Z"))).as("02:30 CEST").hasSize(1);
    assertThat(s.inForce(Instant.parse("2026-10-25T01:30:00Z"))).as("02:30 CET").hasSize(1);
    assertThat(heldBetween(s, local("2026-10-25T00:00:00"), local("2026-10-26T00:00:00")))
        .isEqualTo(Duration.ofHours(2));
  }

  @Test
  void aLaterRuleWinsAnOptionBothSetAndAnyPausingRulePauses() {
    Schedule s =
        schedule(
            rule("all-day", "daily", "00:00", "24:00"),
            rule("evening", "daily", "18:00", "23:00").put("pause", true));
    assertThat(s.options(local("2026-12-07T12:00:00")))
        .containsEntry("max-overall-download-limit", "all-day");
    assertThat(s.pauses(local("2026-12-07T12:00:00"))).isFalse();
    assertThat(s.options(local("2026-12-07T19:00:00")))
        .containsEntry("max-overall-download-limit", "evening");
    assertThat(s.pauses(local("2026-12-07T19:00:00"))).isTrue();
    assertThat(s.nextChange(local("2026-12-07T12:00:00"))).isEqualTo(local("2026-12-07T18:00:00"));
  }

  @Test
  void aBadRuleIsRefusedNamingItsField() {
    assertThatThrownBy(() -> schedule(rule("a", "daily", "25:00", "03:00")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("rules[0].from: '25:00' is not a time of day (00:00 to 23:59)");
    assertThatThrownBy(() -> schedule(rule("a", "funday", "01:00", "03:00")))
        .hasMessageStartingWith("rules[0].days: 'funday' is not a day");
    assertThatThrownBy(() -> schedule(rule("a", "daily", "01:00", "01:00")))
        .hasMessageStartingWith("rules[0].to: equals from");
    assertThatThrownBy(
            () ->
                schedule(
                    rule("a", "daily", "01:00", "02:00"), rule("a", "daily", "03:00", "04:00")))
        .hasMessage("rules[1].name: 'a' is the name of another rule too");
    assertThatThrownBy(
            () ->
                schedule(
                    new JsonObject()
                        .put("name", "x")
                        .put("from", "01:00")
                        .put("to", "02:00")
                        .put("options", new JsonObject().put("max-overall-download-limt", "1M"))))
        .hasMessageStartingWith(
            "rules[0].options.max-overall-download-limt: is not a global option")
        .hasMessageContaining("max-overall-download-limit");
    assertThatThrownBy(
            () ->
                schedule(new JsonObject().put("name", "x").put("from", "01:00").put("to", "02:00")))
        .hasMessage("rules[0]: does nothing: give it options, or pause: true");
    assertThatThrownBy(() -> schedule(rule("a", "daily", "01:00", "02:00").put("start", "x")))
        .hasMessageStartingWith("rules[0].start: is not a field of a rule");
  }
}
