package io.aria2sv.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A chaos run against the supervisor as operators run it (a separate JVM): many downloads of random
 * content from a throttled local server while aria2c is killed with SIGKILL and frozen with SIGSTOP
 * again and again, and the JVM itself is killed and started again. Then every file must be complete
 * with the right SHA-256, with no renamed copies, the registry consistent, and no aria2c left.
 */
public final class Chaos {
  /**
   * The run's size; {@code running} is aria2's max-concurrent-downloads (0: its default of 5) and
   * {@code margin} the window's margin (-1: the default); {@code queueInMemory} how many queued
   * downloads the supervisor holds in memory (0: its default), the rest cold in its registry.
   */
  public record Plan(
      int downloads,
      int minBytes,
      int maxBytes,
      long bytesPerSecond,
      int aria2Kills,
      long killEveryMillis,
      int stops,
      boolean killJvm,
      int running,
      int margin,
      int queueInMemory) {
    /** How many downloads aria2c holds at most, not paused. */
    int window() {
      int r = running > 0 ? running : 5;
      return r + (margin < 0 ? r : margin);
    }
  }

  /** What happened. */
  public record Result(
      int complete,
      int total,
      long seconds,
      int aria2Kills,
      int stops,
      int jvmKills,
      int restartsSeen,
      Map<String, Object> notes) {}

  private final Vertx vertx;
  private final Path root;
  private final Plan plan;
  private final WebClient web;

  public Chaos(Vertx vertx, Path root, Plan plan) {
    this.vertx = vertx;
    this.root = root;
    this.plan = plan;
    this.web = WebClient.create(vertx);
  }

  private Map<String, String> env() {
    Map<String, String> env = ChildJvm.envFor(root);
    // Chaos kills aria2c every few seconds: a larger budget and a short "stable" time keep the
    // supervisor restarting at once, and quick probes find the frozen ones.
    env.put("ARIA2SV_SUPERVISOR_RESTART_MAX_RESTARTS", "1000");
    env.put("ARIA2SV_SUPERVISOR_RESTART_RESET_AFTER", "1s");
    env.put("ARIA2SV_SUPERVISOR_CHECK_INTERVAL", "500ms");
    env.put("ARIA2SV_SUPERVISOR_HEALTH_TIMEOUT", "500ms");
    env.put("ARIA2SV_SUPERVISOR_FAILURE_THRESHOLD", "2");
    env.put("ARIA2SV_DOWNLOADS_RETRY_DELAY", "200ms");
    env.put("ARIA2SV_DOWNLOADS_MAX_RETRIES", "20");
    env.put("ARIA2SV_RPC_RETRY_INITIAL_DELAY", "200ms");
    env.put("ARIA2SV_RPC_RETRY_MAX_RETRIES", "6");
    if (plan.margin() >= 0) {
      env.put("ARIA2SV_DOWNLOADS_WINDOW_MARGIN", Integer.toString(plan.margin()));
    }
    if (plan.queueInMemory() > 0) {
      env.put("ARIA2SV_DOWNLOADS_QUEUE_IN_MEMORY", Integer.toString(plan.queueInMemory()));
    }
    return env;
  }

  private ChildJvm start(String dir) throws java.io.IOException {
    List<String> flags =
        plan.running() > 0
            ? List.of("-Daria2sv.aria2.options.max-concurrent-downloads=" + plan.running())
            : List.of();
    return ChildJvm.mainWithJvmFlags(flags, root.resolve(dir), env());
  }

  private HttpResponse<Buffer> call(
      int port, io.vertx.core.http.HttpMethod method, String path, JsonObject body)
      throws Exception {
    var req = web.request(method, port, "127.0.0.1", path).timeout(60_000);
    return SupervisorHarness.await(body == null ? req.send() : req.sendJsonObject(body));
  }

  private long aria2Pid() {
    try {
      return Long.parseLong(Files.readString(root.resolve("data/aria2.pid")).trim());
    } catch (Exception e) {
      return -1;
    }
  }

  public Result run() throws Exception {
    long t0 = System.nanoTime();
    Map<String, String> digests = new LinkedHashMap<>();
    Random sizes = new Random(42);
    int aria2Kills = 0;
    int stops = 0;
    int jvmKills = 0;
    try (FileServer files = new FileServer(vertx).start()) {
      files.throttle(plan.bytesPerSecond());
      JsonArray items = new JsonArray();
      for (int i = 0; i < plan.downloads(); i++) {
        String name = "chaos-" + i + ".bin";
        int size = plan.minBytes() + sizes.nextInt(plan.maxBytes() - plan.minBytes() + 1);
        digests.put(name, files.addRandomFile(name, size, 1000 + i));
        items.add(
            new JsonObject().put("uris", new JsonArray().add(files.url(name))).put("out", name));
      }
      ChildJvm jvm = start("run1");
      try {
        int port = jvm.awaitHttpPort();
        HttpResponse<Buffer> batch =
            call(
                port,
                io.vertx.core.http.HttpMethod.POST,
                "/api/v1/batches",
                new JsonObject().put("items", items));
        assertThat(batch.statusCode()).as(batch.bodyAsString()).isEqualTo(201);

        int stopAt = plan.aria2Kills() / 3;
        int jvmAt = plan.aria2Kills() / 2;
        for (int k = 0; k < plan.aria2Kills(); k++) {
          Thread.sleep(plan.killEveryMillis()); // the chaos schedule itself: a fault every N ms
          long pid = aria2Pid();
          if (pid <= 0 || !Signals.alive(pid)) {
            continue;
          }
          if (stops < plan.stops() && k >= stopAt) {
            Signals.stop(pid); // frozen: the health probes must find it and replace it
            stops++;
          } else {
            Signals.kill9(pid);
            aria2Kills++;
          }
          if (plan.killJvm() && jvmKills == 0 && k == jvmAt) {
            Signals.kill9(jvm.pid());
            jvm.awaitExit(Duration.ofSeconds(10));
            jvmKills++;
            // Started again at once, as systemd would: the new JVM stops whatever aria2c is left.
            jvm = start("run2");
            port = jvm.awaitHttpPort();
          }
        }
        int livePort = port;
        Awaitility.await()
            .atMost(Duration.ofMinutes(10))
            .pollInterval(Duration.ofMillis(250))
            .until(
                () -> {
                  JsonArray all =
                      call(livePort, io.vertx.core.http.HttpMethod.GET, "/api/v1/downloads", null)
                          .bodyAsJsonObject()
                          .getJsonArray("downloads");
                  return all.stream()
                          .map(o -> ((JsonObject) o).getString("status"))
                          .filter(s -> List.of("complete", "failed").contains(s))
                          .count()
                      == plan.downloads();
                });
        JsonArray all =
            call(livePort, io.vertx.core.http.HttpMethod.GET, "/api/v1/downloads", null)
                .bodyAsJsonObject()
                .getJsonArray("downloads");
        Map<String, String> status =
            all.stream()
                .map(o -> (JsonObject) o)
                .collect(Collectors.toMap(d -> d.getString("out"), d -> d.getString("status")));
        JsonObject supervisor =
            call(livePort, io.vertx.core.http.HttpMethod.GET, "/api/v1/supervisor", null)
                .bodyAsJsonObject();

        // The registry: exactly one download per request, each complete.
        assertThat(all).hasSize(plan.downloads());
        assertThat(all.stream().map(o -> ((JsonObject) o).getString("id")).distinct().count())
            .isEqualTo(plan.downloads());
        assertThat(status.values())
            .as(
                "statuses; not complete: %s; supervisor log:%n%s",
                all.stream()
                    .map(o -> (JsonObject) o)
                    .filter(d -> !"complete".equals(d.getString("status")))
                    .toList(),
                jvm.output())
            .containsOnly("complete");
        // The files: right digests, no renamed copies, no leftover control files.
        try (var listing = Files.list(root.resolve("downloads"))) {
          assertThat(listing.map(p -> p.getFileName().toString()).sorted().toList())
              .containsExactlyInAnyOrderElementsOf(digests.keySet());
        }
        for (var e : digests.entrySet()) {
          assertThat(
                  FileServer.sha256(
                      Files.readAllBytes(root.resolve("downloads").resolve(e.getKey()))))
              .as(e.getKey())
              .isEqualTo(e.getValue());
        }

        // The queue's order: each download first asked for its file (the file server saw it) within
        // the window of its place in the queue.
        List<String> names = new java.util.ArrayList<>(digests.keySet());
        List<String> byStart =
            names.stream()
                .sorted(java.util.Comparator.comparingLong(n -> files.transfer(n).firstRequest()))
                .toList();
        for (int i = 0; i < names.size(); i++) {
          assertThat(Math.abs(byStart.indexOf(names.get(i)) - i))
              .as("start of %s, number %d of the queue", names.get(i), i)
              .isLessThanOrEqualTo(plan.window());
        }

        Signals.send(jvm.pid(), "TERM");
        assertThat(jvm.awaitExit(Duration.ofSeconds(30))).as(jvm.output()).isZero();
        Awaitility.await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> Signals.countAria2For(root.resolve("data")) == 0);
        return new Result(
            (int) status.values().stream().filter("complete"::equals).count(),
            plan.downloads(),
            (System.nanoTime() - t0) / 1_000_000_000L,
            aria2Kills,
            stops,
            jvmKills,
            supervisor.getInteger("restarts"),
            Map.of("rangeRequests", files.rangeRequests()));
      } finally {
        jvm.close();
      }
    }
  }
}
