package io.aria2sv.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.Aria2SupervisorClient;
import io.aria2sv.bus.Addresses;
import io.aria2sv.testing.HttpCalls;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The schedule through the REST API and the bus client on a whole stack: a pausing rule set now
 * pauses every download (and one added while it holds), survives a restart, and resumes exactly
 * those it paused when it is taken away; bad rules are a 400 naming the field.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SchedulesApiTest extends StackTestBase {

  private HttpResponse<String> call(String method, String path, String body) throws Exception {
    return HttpCalls.call(stack.httpPort(), method, path, null, body);
  }

  /** A daily rule in UTC from an hour ago to an hour from now. */
  private static JsonObject aroundNow(String name, boolean pause, JsonObject options) {
    DateTimeFormatter hm = DateTimeFormatter.ofPattern("HH:mm");
    LocalTime now = LocalTime.now(ZoneOffset.UTC);
    return new JsonObject()
        .put("name", name)
        .put("days", "daily")
        .put("from", now.minusHours(1).format(hm))
        .put("to", now.plusHours(1).format(hm))
        .put("options", options)
        .put("pause", pause);
  }

  private String add(String name) throws Exception {
    return stack
        .request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject().put("uris", new JsonArray().add(files.url(name))).put("out", name))
        .getString("id");
  }

  private String status(String id) throws Exception {
    return stack.get(id).getString("status");
  }

  @Test
  void aPausingRulePausesEverythingAcrossARestartAndResumesOnlyWhatItPaused() throws Exception {
    files.addRandomFile("a.bin", 8 << 20, 1);
    files.addRandomFile("b.bin", 8 << 20, 2);
    files.addRandomFile("c.bin", 8 << 20, 3);
    files.addRandomFile("mine.bin", 8 << 20, 4);
    files.throttle(256 * 1024);
    stack.deployStack(config());
    String a = add("a.bin");
    String b = add("b.bin");
    String mine = add("mine.bin");
    stack.request(Addresses.DOWNLOADS_PAUSE, new JsonObject().put("id", mine));
    stack.awaitStatus(a, "active", Duration.ofSeconds(20));

    JsonObject rules =
        new JsonObject()
            .put("timeZone", "UTC")
            .put(
                "rules",
                new JsonArray()
                    .add(aroundNow("quiet", true, null))
                    .add(
                        aroundNow(
                            "slow", false, new JsonObject().put("max-upload-limit", "100K"))));
    HttpResponse<String> put = call("PUT", "/api/v1/schedules", rules.encode());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(new JsonObject(put.body()).getJsonArray("inForce")).containsExactly("quiet", "slow");
    JsonObject ready = new JsonObject(call("GET", "/health/ready", null).body());
    JsonObject scheduleCheck =
        ready.getJsonArray("checks").stream()
            .map(JsonObject.class::cast)
            .filter(c -> c.getString("id").equals("schedule"))
            .findFirst()
            .orElseThrow();
    assertThat(scheduleCheck.getJsonObject("data").getJsonArray("inForce"))
        .containsExactly("quiet", "slow");
    stack.awaitStatus(a, "paused", Duration.ofSeconds(5));
    stack.awaitStatus(b, "paused", Duration.ofSeconds(5));
    String c = add("c.bin");
    stack.awaitStatus(c, "paused", Duration.ofSeconds(5));
    assertThat(
            SupervisorHarness.await(
                    stack.rpc().callObject("aria2.getGlobalOption", Duration.ofSeconds(2)))
                .getString("max-upload-limit"))
        .isEqualTo("102400");

    // a restart in the middle: the rules came from the API and still hold, nothing runs
    stack.undeploy();
    stack.deployStack(config());
    Aria2SupervisorClient bus = client;
    JsonObject got = SupervisorHarness.await(bus.schedules());
    assertThat(got.getString("source")).isEqualTo("api");
    assertThat(got.getBoolean("pausing")).isTrue();
    assertThat(got.getInteger("pausedDownloads")).isEqualTo(3);
    for (String id : List.of(a, b, c, mine)) {
      assertThat(status(id)).as(id).isEqualTo("paused");
    }

    // the rules taken away: what the schedule paused runs again, the one paused by hand does not
    JsonObject cleared =
        SupervisorHarness.await(
            bus.replaceSchedules(new JsonObject().put("rules", new JsonArray())));
    assertThat(cleared.getJsonArray("inForce")).isEmpty();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> List.of(a, b, c).stream().noneMatch(id -> statusUnchecked(id).equals("paused")));
    assertThat(status(mine)).isEqualTo("paused");
    assertThat(Files.readString(root.resolve("data/schedule-state.json")))
        .contains("\"pausing\" : false");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                SupervisorHarness.await(
                        stack.rpc().callObject("aria2.getGlobalOption", Duration.ofSeconds(2)))
                    .getString("max-upload-limit")
                    .equals("0"));

    // DELETE: back to the configuration's rules (none here)
    HttpResponse<String> deleted = call("DELETE", "/api/v1/schedules", null);
    assertThat(new JsonObject(deleted.body()).getString("source")).isEqualTo("configuration");
    assertThat(root.resolve("data/schedules.json")).doesNotExist();
  }

  private String statusUnchecked(String id) {
    try {
      return status(id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aBadRuleIsA400NamingItsFieldAndChangesNothing() throws Exception {
    stack.deployStack(config());
    JsonObject bad =
        new JsonObject()
            .put(
                "rules",
                new JsonArray()
                    .add(aroundNow("ok", false, new JsonObject().put("max-upload-limit", "1M")))
                    .add(
                        aroundNow("x", false, new JsonObject().put("max-upload-limit", "1M"))
                            .put("from", "7am")));
    HttpResponse<String> r = call("PUT", "/api/v1/schedules", bad.encode());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message"))
        .isEqualTo("rules[1].from: '7am' is not a time of day (HH:MM, e.g. \"08:30\")");

    JsonObject refusedByAria2 =
        new JsonObject()
            .put(
                "rules",
                new JsonArray()
                    .add(
                        aroundNow(
                            "x", false, new JsonObject().put("max-overall-download-limit", "1Q"))));
    r = call("PUT", "/api/v1/schedules", refusedByAria2.encode());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body())
        .contains("rules[0].options.max-overall-download-limit: aria2c refuses the value '1Q'");

    r = call("PUT", "/api/v1/schedules", new JsonObject().put("rules", "none").encode());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("rules: must be a list of rules");
    r = call("PUT", "/api/v1/schedules", "{\"rules\":[],\"timeZone\":\"Mars/Olympus\"}");
    assertThat(r.body()).contains("timeZone: 'Mars/Olympus' is not a time zone");

    JsonObject now = new JsonObject(call("GET", "/api/v1/schedules", null).body());
    assertThat(now.getJsonArray("rules")).isEmpty();
    assertThat(now.getString("source")).isEqualTo("configuration");
    assertThat(root.resolve("data/schedules.json")).doesNotExist();
  }
}
