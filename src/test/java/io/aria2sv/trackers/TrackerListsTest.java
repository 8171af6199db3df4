package io.aria2sv.trackers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.Addresses;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tracker lists fetched from a local server: filtered and merged after the configured {@code
 * bt-tracker}, given to aria2 (and so to a new magnet), kept in the data directory for a restart
 * with the lists out of reach, refreshed on request; failing lists are data in {@code
 * /health/ready}, never unreadiness.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TrackerListsTest extends StackTestBase {
  private static final String CONFIGURED = "http://127.0.0.1:9/configured/announce";
  private final Map<String, String> served = new ConcurrentHashMap<>();
  private HttpServer lists;

  @AfterEach
  void stopLists() throws Exception {
    if (lists != null) {
      SupervisorHarness.await(lists.close());
    }
  }

  private int serveLists() throws Exception {
    served.put(
        "/a.txt",
        "# best trackers\n"
            + "udp://127.0.0.1:6969/announce\n\n"
            + "http://127.0.0.1:8000/announce\n"
            + "wss://127.0.0.1:8001/announce\n"
            + "udp://127.0.0.1:6969/announce\n"
            + "magnet:?xt=urn:btih:0000\n"
            + "http://user:pw@127.0.0.1:8002/announce\n");
    served.put(
        "/b.txt",
        "http://127.0.0.1:8000/announce, https://127.0.0.1:8443/announce\r\n"
            + "udp://127.0.0.1:7070/announce\n");
    return serve(0);
  }

  /** The lists of {@link #served} (and a 2 MiB one at /huge) on {@code port}; 500 for others. */
  private int serve(int port) throws Exception {
    lists =
        SupervisorHarness.await(
            vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      String body = served.get(req.path());
                      if (req.path().equals("/huge")) {
                        req.response()
                            .end(Buffer.buffer(new byte[2 << 20]).appendString("udp://x/a\n"));
                      } else if (body == null) {
                        req.response().setStatusCode(500).end("down");
                      } else {
                        req.response().putHeader("Content-Type", "text/plain").end(body);
                      }
                    })
                .listen(port, "127.0.0.1"));
    return lists.actualPort();
  }

  private JsonObject configWithLists(int port) throws Exception {
    JsonObject cfg =
        config("aria2.options.bt-tracker", CONFIGURED, "bittorrent.trackerListInterval", "1h");
    String base = "http://127.0.0.1:" + port;
    cfg.getJsonObject("bittorrent")
        .put(
            "trackerLists",
            new JsonArray(
                List.of(base + "/a.txt", base + "/b.txt", base + "/broken", base + "/huge")));
    return cfg;
  }

  private String aria2Trackers() throws Exception {
    return SupervisorHarness.await(
            stack.rpc().callObject("aria2.getGlobalOption", Duration.ofSeconds(2)))
        .getString("bt-tracker", "");
  }

  private JsonObject ready() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + stack.httpPort() + "/health/ready"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static JsonObject check(JsonObject health, String id) {
    return health.getJsonArray("checks").stream()
        .map(JsonObject.class::cast)
        .filter(c -> c.getString("id").equals(id))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void listsAreFilteredMergedAfterTheConfiguredTrackersKeptAcrossARestartAndRefreshed()
      throws Exception {
    int port = serveLists();
    stack.deployStack(configWithLists(port));
    String expected =
        String.join(
            ",",
            CONFIGURED,
            "udp://127.0.0.1:6969/announce",
            "http://127.0.0.1:8000/announce",
            "https://127.0.0.1:8443/announce",
            "udp://127.0.0.1:7070/announce");
    await().atMost(Duration.ofSeconds(15)).until(() -> aria2Trackers().equals(expected));

    // a new magnet gets them: aria2 copies its global bt-tracker into the download's options
    JsonObject magnet =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put(
                    "uris",
                    new JsonArray()
                        .add("magnet:?xt=urn:btih:4a3f5e08bcef825718eda30637230585e3330599&dn=x"))
                .put("options", new JsonObject().put("pause", "true")));
    String gid = stack.get(magnet.getString("id")).getString("gid");
    assertThat(
            SupervisorHarness.await(
                    stack.rpc().callObject("aria2.getOption", Duration.ofSeconds(2), gid))
                .getString("bt-tracker"))
        .isEqualTo(expected);

    JsonObject health = check(ready(), "trackers");
    assertThat(health.getString("status")).isEqualTo("UP");
    assertThat(health.getJsonObject("data").getInteger("count")).isEqualTo(5);
    JsonArray failing = health.getJsonObject("data").getJsonArray("failing");
    assertThat(failing.stream().map(f -> ((JsonObject) f).getString("error")).toList())
        .containsExactly("HTTP 500", "the list is larger than 1048576 bytes");
    assertThat(Files.readString(root.resolve("data/trackers.json")))
        .contains("udp://127.0.0.1:7070/announce")
        .doesNotContain("wss://");

    // the lists out of reach: a restart keeps the last good ones
    stack.undeploy();
    SupervisorHarness.await(lists.close());
    lists = null;
    stack.deployStack(configWithLists(port));
    assertThat(aria2Trackers()).as("at once, from trackers.json").isEqualTo(expected);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                check(ready(), "trackers").getJsonObject("data").getJsonArray("failing").size()
                    == 4);
    assertThat(aria2Trackers()).isEqualTo(expected);

    // back, with a changed list: a refresh gives it to aria2
    lists = null;
    int again = serve(port);
    assertThat(again).isEqualTo(port);
    served.put("/b.txt", "udp://127.0.0.1:7171/announce\n");
    JsonObject status = stack.request(Addresses.TRACKERS_REFRESH, new JsonObject());
    assertThat(status.getJsonArray("trackers")).contains("udp://127.0.0.1:7171/announce");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> aria2Trackers().contains("udp://127.0.0.1:7171/announce"));
    assertThat(aria2Trackers()).doesNotContain("udp://127.0.0.1:7070/announce");
  }

  @Test
  void onlyHttpHttpsAndUdpAnnounceUrlsWithAHostAndNoCredentialsAreKept() {
    assertThat(
            TrackerList.parse(
                "udp://a.example:1/announce\n"
                    + "  # comment\n"
                    + "HTTP://b.example/announce\tudp://a.example:1/announce\n"
                    + "ws://c.example/announce\nfile:///etc/passwd\nudp:///nohost\n"
                    + "http://u:p@d.example/announce\nhttp://e.example/a b\n"
                    + "http://"
                    + "x".repeat(600)
                    + ".example/announce\n"))
        .containsExactly(
            "udp://a.example:1/announce", "HTTP://b.example/announce", "http://e.example/a");
  }
}
