package io.aria2sv.bench;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 Server-Sent-Events clients on loopback: latency from an event's publication (its {@code
 * ts}, same clock) to its receipt, and the supervisor's RSS per connected client. Goals: p99 <= 250
 * ms; <= 64 KiB per client.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FanoutBenchIT {
  private static final int CLIENTS = 1000;
  private static final int EVENTS = 40;
  private static final Pattern TS = Pattern.compile("\"ts\":(\\d+)");

  @TempDir Path root;

  @Test
  void aThousandSseClients(Vertx vertx) throws Exception {
    try (ChildJvm jvm =
        ChildJvm.jar(
            Path.of(System.getProperty("fatJar", "target/aria2-supervisor.jar")).toAbsolutePath(),
            BenchSupport.SHIPPED_FLAGS,
            root,
            ChildJvm.envFor(root))) {
      int port = jvm.awaitHttpPort();
      WebClient web = WebClient.create(vertx);
      Thread.sleep(3000); // let the JVM settle before the baseline reading
      long rssBefore = BenchSupport.rssKib(jvm.pid());
      HttpClient client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(CLIENTS + 10));
      ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
      List<Future<HttpClientResponse>> connected = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        connected.add(
            client
                .request(
                    new RequestOptions()
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setURI("/api/v1/events?types=download"))
                .compose(r -> r.send())
                .onSuccess(
                    res ->
                        res.handler(
                            buf -> {
                              long now = System.currentTimeMillis();
                              Matcher m = TS.matcher(buf.toString(StandardCharsets.UTF_8));
                              while (m.find()) {
                                latencies.add((double) (now - Long.parseLong(m.group(1))));
                              }
                            })));
      }
      SupervisorHarness.await(Future.all(connected));
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  SupervisorHarness.await(web.get(port, "127.0.0.1", "/metrics").send())
                      .bodyAsString()
                      .contains("aria2sv_sse_clients " + CLIENTS + ".0"));
      Thread.sleep(2000); // settle before reading the RSS of the connected clients
      long rssConnected = BenchSupport.rssKib(jvm.pid());
      for (int i = 0; i < EVENTS; i++) {
        SupervisorHarness.await(
            web.post(port, "127.0.0.1", "/api/v1/downloads")
                .sendJsonObject(
                    new JsonObject()
                        .put("uris", new JsonArray().add("http://127.0.0.1:9/f" + i))
                        .put("options", new JsonObject().put("pause", "true"))));
        Thread.sleep(100); // spread the events out: latency, not a burst, is measured here
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> latencies.size() >= CLIENTS * EVENTS);
      long rssAfter = BenchSupport.rssKib(jvm.pid());
      List<Double> all = new ArrayList<>(latencies);
      all.sort(Double::compare);
      double p99 = all.get((int) Math.floor(0.99 * (all.size() - 1)));
      BenchReport.Stats lat = BenchReport.Stats.of(all);
      BenchReport.add(
          "SSE fan-out latency to 1,000 clients (p99 in the goal)",
          "ms",
          lat,
          "goal p99 250 ms",
          null,
          p99 / 250,
          "p99 <= 250 ms",
          p99 <= 250,
          all.size()
              + " receipts; p99 "
              + BenchReport.fmt(p99)
              + " ms; ms resolution (publisher ts)");
      double perClient = (rssConnected - rssBefore) / (double) CLIENTS;
      BenchReport.add(
          "supervisor RSS per SSE client",
          "KiB",
          BenchReport.Stats.of(List.of(perClient)),
          "goal 64 KiB",
          null,
          perClient / 64,
          "<= 64 KiB",
          perClient <= 64,
          "RSS "
              + rssBefore / 1024
              + " MiB -> "
              + rssConnected / 1024
              + " MiB with "
              + CLIENTS
              + " clients connected; "
              + rssAfter / 1024
              + " MiB after "
              + EVENTS
              + " events to each");
      client.close();
      Signals.send(jvm.pid(), "TERM");
      jvm.awaitExit(Duration.ofSeconds(30));
    }
  }
}
