package io.aria2sv.bench;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.FileServer;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What watching costs: the supervisor's CPU (from /proc) and its aria2 RPC calls per second with 50
 * throttled active downloads and 0, 1,000 and 10,000 queued paused ones, and with 0 and 500 SSE
 * subscribers. Goals: CPU at 10,000 queued <= 1.5 x CPU at 0; RPC calls per second with 500
 * subscribers <= 1.05 x with none.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class WatchingCostBenchIT {
  private static final long WINDOW_MS = 10_000;
  private static final int WINDOWS = 3;
  private static final long SETTLE_MS = 3_000;

  @TempDir Path root;

  private record Sample(double cpuPercent, double rpcPerSecond) {}

  private static double rpcCalls(WebClient web, int port) throws Exception {
    double sum = 0;
    for (String line :
        SupervisorHarness.await(web.get(port, "127.0.0.1", "/metrics").send())
            .bodyAsString()
            .split("\n")) {
      if (line.startsWith("aria2sv_rpc_latency_seconds_count{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static Sample measure(long pid, WebClient web, int port) throws Exception {
    long cpu0 = BenchSupport.cpuTicks(pid);
    double rpc0 = rpcCalls(web, port);
    long t0 = System.nanoTime();
    Thread.sleep(WINDOW_MS); // the measuring window
    double seconds = (System.nanoTime() - t0) / 1e9;
    long cpu1 = BenchSupport.cpuTicks(pid);
    double rpc1 = rpcCalls(web, port);
    return new Sample((cpu1 - cpu0) / seconds, (rpc1 - rpc0) / seconds); // ticks/s = % of one core
  }

  private static List<Sample> measureRepeatedly(long pid, WebClient web, int port, int windows)
      throws Exception {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < windows; i++) {
      out.add(measure(pid, web, port));
    }
    return out;
  }

  private static void addPaused(WebClient web, int port, int from, int count) throws Exception {
    for (int start = from; start < from + count; start += 2000) {
      JsonArray items = new JsonArray();
      for (int i = start; i < Math.min(from + count, start + 2000); i++) {
        items.add(
            new JsonObject()
                .put("uris", new JsonArray().add("http://127.0.0.1:9/q" + i))
                .put("options", new JsonObject().put("pause", "true")));
      }
      var res =
          SupervisorHarness.await(
              web.post(port, "127.0.0.1", "/api/v1/batches")
                  .timeout(120_000)
                  .sendJsonObject(new JsonObject().put("items", items)));
      if (res.statusCode() != 201) {
        throw new IllegalStateException(res.bodyAsString());
      }
    }
  }

  @Test
  void cpuAndRpcRateWithAGrowingQueueAndManySubscribers(Vertx vertx) throws Exception {
    try (FileServer files = new FileServer(vertx).start()) {
      files.addRandomFile("big-0", 256 << 20, 1);
      for (int i = 1; i < 50; i++) {
        files.alias("big-" + i, "big-0");
      }
      files.throttle(32 * 1024);
      Path config = root.resolve("config.yaml");
      Files.writeString(config, "aria2:\n  options:\n    max-concurrent-downloads: 60\n");
      try (ChildJvm jvm =
          ChildJvm.jar(
              Path.of(System.getProperty("fatJar", "target/aria2-supervisor.jar")).toAbsolutePath(),
              BenchSupport.SHIPPED_FLAGS,
              root,
              ChildJvm.envFor(root),
              "--config",
              config.toString())) {
        int port = jvm.awaitHttpPort();
        WebClient web = WebClient.create(vertx);
        JsonArray active = new JsonArray();
        for (int i = 0; i < 50; i++) {
          active.add(
              new JsonObject()
                  .put("uris", new JsonArray().add(files.url("big-" + i)))
                  .put("out", "big-" + i));
        }
        SupervisorHarness.await(
            web.post(port, "127.0.0.1", "/api/v1/batches")
                .sendJsonObject(new JsonObject().put("items", active)));
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    SupervisorHarness.await(
                                web.get(port, "127.0.0.1", "/api/v1/downloads?status=active")
                                    .send())
                            .bodyAsJsonObject()
                            .getJsonArray("downloads")
                            .size()
                        == 50);
        Thread.sleep(2000); // settle

        // A 10 s window holds only a few dozen CPU ticks here: the two compared cases get three
        // windows each, and every window starts after the adds before it have settled.
        List<Sample> zero = measureRepeatedly(jvm.pid(), web, port, WINDOWS);
        addPaused(web, port, 0, 1000);
        Thread.sleep(SETTLE_MS);
        Sample thousand = measure(jvm.pid(), web, port);
        addPaused(web, port, 1000, 9000);
        Thread.sleep(SETTLE_MS);
        List<Sample> tenThousandWindows = measureRepeatedly(jvm.pid(), web, port, WINDOWS);
        BenchReport.Stats zeroCpu =
            BenchReport.Stats.of(zero.stream().map(Sample::cpuPercent).toList());
        BenchReport.Stats tenThousandCpu =
            BenchReport.Stats.of(tenThousandWindows.stream().map(Sample::cpuPercent).toList());
        Sample tenThousand =
            new Sample(
                tenThousandCpu.median(),
                BenchReport.Stats.of(tenThousandWindows.stream().map(Sample::rpcPerSecond).toList())
                    .median());
        double zeroRpc =
            BenchReport.Stats.of(zero.stream().map(Sample::rpcPerSecond).toList()).median();

        HttpClient sse = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(600));
        List<Future<HttpClientResponse>> subs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          subs.add(
              sse.request(
                      new RequestOptions()
                          .setHost("127.0.0.1")
                          .setPort(port)
                          .setURI("/api/v1/events?types=progress"))
                  .compose(r -> r.send())
                  .onSuccess(r -> r.handler(b -> {})));
        }
        SupervisorHarness.await(Future.all(subs));
        Sample subscribed = measure(jvm.pid(), web, port);

        String note =
            "50 active downloads throttled to 32 KiB/s each; "
                + WINDOW_MS / 1000
                + " s windows; CPU in % of one core";
        BenchReport.add(
            "supervisor CPU with 10,000 queued vs 0",
            "% core",
            tenThousandCpu,
            "same with 0 queued",
            zeroCpu,
            tenThousandCpu.median() / zeroCpu.median(),
            "ratio <= 1.5",
            tenThousandCpu.median() <= 1.5 * zeroCpu.median(),
            note
                + "; 1,000 queued (one window): "
                + BenchReport.fmt(thousand.cpuPercent())
                + " %; RPC/s at 0, 1k, 10k: "
                + BenchReport.fmt(zeroRpc)
                + ", "
                + BenchReport.fmt(thousand.rpcPerSecond())
                + ", "
                + BenchReport.fmt(tenThousand.rpcPerSecond()));
        BenchReport.add(
            "aria2 RPC calls/s with 500 SSE subscribers vs none",
            "calls/s",
            BenchReport.Stats.of(List.of(subscribed.rpcPerSecond())),
            "same with no subscriber",
            BenchReport.Stats.of(List.of(tenThousand.rpcPerSecond())),
            subscribed.rpcPerSecond() / tenThousand.rpcPerSecond(),
            "ratio <= 1.05",
            subscribed.rpcPerSecond() <= 1.05 * tenThousand.rpcPerSecond(),
            "10,000 queued in both; CPU with 500 subscribers "
                + BenchReport.fmt(subscribed.cpuPercent())
                + " %");
        sse.close();
        Signals.send(jvm.pid(), "TERM");
        jvm.awaitExit(Duration.ofSeconds(30));
      }
    }
  }
}
