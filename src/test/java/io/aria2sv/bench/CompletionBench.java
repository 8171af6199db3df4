package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.Addresses;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.aria2sv.testing.Tmpfs;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 downloads completing, with a signed webhook to a local receiver: the time from aria2's own
 * onDownloadComplete (heard on aria2c's WebSocket) to the webhook received, and the JVM's CPU per
 * completion; the anchor is the same run with the webhook of the completion alone and no move,
 * beside a move on the same file system and one to another (a tmpfs).
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class CompletionBench {
  private static final int DOWNLOADS = 1_000;
  private static final Duration WAIT = Duration.ofMinutes(3);

  @TempDir Path root;

  record Run(List<Double> latencyMs, double cpuMsPerCompletion) {}

  @Test
  void aThousandCompletionsWithAMoveAndAWebhookAgainstTheWebhookAlone(Vertx vertx)
      throws Exception {
    FileServer files = new FileServer(vertx).start();
    files.addRandomFile("c.bin", 16 * 1024, 1);
    try {
      Run anchor = run(vertx, files, "anchor", null, "download.complete");
      Run same = run(vertx, files, "same", root.resolve("same/finished"), "download.completion");
      String why = Tmpfs.whyNot();
      Run across = null;
      if (why == null) {
        Tmpfs tmpfs = Tmpfs.mount(root.resolve("across/finished"), 256 * 1024);
        try {
          across =
              run(vertx, files, "across", root.resolve("across/finished"), "download.completion");
        } finally {
          tmpfs.close();
        }
      }
      report("same file system", same, anchor);
      if (across != null) {
        report("another file system (tmpfs)", across, anchor);
      }
    } finally {
      files.close();
    }
  }

  private Run run(Vertx vertx, FileServer files, String name, Path finished, String wanted)
      throws Exception {
    Map<String, Long> heard = new ConcurrentHashMap<>(); // gid -> aria2 said complete (ns)
    Map<String, Long> hooked = new ConcurrentHashMap<>(); // download id -> webhook received (ns)
    HttpServer receiver =
        SupervisorHarness.await(
            vertx
                .createHttpServer()
                .requestHandler(
                    req ->
                        req.body()
                            .onSuccess(
                                b -> {
                                  long now = System.nanoTime();
                                  JsonObject msg = b.toJsonObject();
                                  if (wanted.equals(msg.getString("type"))) {
                                    hooked.putIfAbsent(
                                        msg.getJsonObject("data").getString("id"), now);
                                  }
                                  req.response().setStatusCode(204).end();
                                }))
                .listen(0, "127.0.0.1"));
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    JsonObject cfg =
        TestConfig.fast(
            vertx, root.resolve(name), "downloads.progressInterval", "1s", "rpc.timeout", "5s");
    if (finished != null) {
      cfg.getJsonObject("completion")
          .put("finishedRoot", finished.toString())
          .put("moveTo", "done");
    }
    cfg.put(
        "webhooks",
        new JsonArray()
            .add(
                new JsonObject()
                    .put("name", "bench")
                    .put("url", "http://127.0.0.1:" + receiver.actualPort() + "/")
                    .put("secret", "whsec_" + Base64.getEncoder().encodeToString(key))
                    .put("events", new JsonArray().add(wanted.substring("download.".length())))));
    SupervisorHarness sv = new SupervisorHarness(vertx).deployStack(cfg);
    WebSocketClient wsClient = vertx.createWebSocketClient();
    try {
      JsonObject endpoint = sv.request(Addresses.SUPERVISOR_ENDPOINT, new JsonObject());
      WebSocket ws =
          SupervisorHarness.await(
              wsClient.connect(endpoint.getInteger("port"), "127.0.0.1", "/jsonrpc"));
      ws.textMessageHandler(
          t -> {
            JsonObject n = new JsonObject(t);
            if ("aria2.onDownloadComplete".equals(n.getString("method"))) {
              heard.putIfAbsent(
                  n.getJsonArray("params").getJsonObject(0).getString("gid"), System.nanoTime());
            }
          });
      JsonArray items = new JsonArray();
      for (int i = 0; i < DOWNLOADS; i++) {
        items.add(
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("c.bin")))
                .put("out", "c-" + i + ".bin"));
      }
      long cpu0 = cpuNanos();
      JsonObject batch = sv.request(Addresses.BATCHES_ADD, new JsonObject().put("items", items));
      List<String> ids = batch.getJsonArray("downloads").stream().map(String::valueOf).toList();
      Awaitility.await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> hooked.size() == DOWNLOADS);
      double cpuMs = (cpuNanos() - cpu0) / 1e6 / DOWNLOADS;
      List<Double> latency = new ArrayList<>();
      for (String id : ids) {
        String gid = sv.get(id).getString("gid");
        Long t0 = heard.get(gid);
        assertThat(t0).as("aria2 announced the completion of " + id).isNotNull();
        latency.add((hooked.get(id) - t0) / 1e6);
      }
      ws.close();
      return new Run(latency, cpuMs);
    } finally {
      wsClient.close();
      sv.undeploy();
      SupervisorHarness.await(receiver.close());
    }
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double p99(List<Double> sample) {
    List<Double> s = new ArrayList<>(sample);
    Collections.sort(s);
    return s.get((int) Math.ceil(0.99 * s.size()) - 1);
  }

  private static void report(String where, Run ours, Run anchor) throws Exception {
    BenchReport.Stats o = BenchReport.Stats.of(ours.latencyMs());
    BenchReport.Stats a = BenchReport.Stats.of(anchor.latencyMs());
    BenchReport.add(
        "aria2 complete -> webhook, 1,000 downloads moved to " + where,
        "ms",
        o,
        "the webhook of the completion alone (no move)",
        a,
        o.median() / a.median(),
        "p50 <= 1000 ms",
        o.median() <= 1000,
        String.format(
            java.util.Locale.ROOT,
            "p99 %.1f ms (anchor %.1f ms); JVM CPU per completion %.2f ms (anchor %.2f ms);"
                + " 16 KiB files, aria2's default 5 at a time; a message is sent once its"
                + " transaction commits",
            p99(ours.latencyMs()),
            p99(anchor.latencyMs()),
            ours.cpuMsPerCompletion(),
            anchor.cpuMsPerCompletion()));
  }
}
