package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.Addresses;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2Endpoint;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.PlainAria2c;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Vertx;
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
 * Pause all and resume all on 5,000 queued downloads, each as its own command (the supervisor
 * answers what happened to each), beside aria2's own forcePauseAll and unpauseAll on a plain aria2c
 * holding the same queue. Goal (issue 28): 5,000 in under a second.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class BulkBench {
  private static final int QUEUED = 5_000;
  private static final int ROUNDS = 5;
  private static final Duration RPC = Duration.ofSeconds(30);

  @TempDir Path root;

  @Test
  void pauseAllAndResumeAllOfFiveThousandAgainstAria2sOwn(Vertx vertx) throws Exception {
    FileServer files = new FileServer(vertx).start();
    files.addRandomFile("q.bin", 64 << 20, 3);
    files.throttle(16 * 1024); // the few aria2 runs stay active; the rest wait in its queue
    try {
      List<Double> ourPause = new ArrayList<>();
      List<Double> ourResume = new ArrayList<>();
      SupervisorHarness sv = new SupervisorHarness(vertx).deployStack(TestConfig.fast(vertx, root));
      try {
        JsonArray items = new JsonArray();
        for (int i = 0; i < QUEUED; i++) {
          items.add(
              new JsonObject()
                  .put("uris", new JsonArray().add(files.url("q.bin")))
                  .put("out", "q-" + i + ".bin"));
        }
        sv.request(Addresses.BATCHES_ADD, new JsonObject().put("items", items));
        for (int r = 0; r < ROUNDS; r++) {
          long t0 = System.nanoTime();
          JsonObject paused = sv.request(Addresses.DOWNLOADS_PAUSE_ALL, RPC);
          ourPause.add((System.nanoTime() - t0) / 1e6);
          assertThat(paused.getJsonArray("failed")).as(paused.encode()).isEmpty();
          assertThat(paused.getInteger("done")).isEqualTo(QUEUED);
          t0 = System.nanoTime();
          JsonObject resumed = sv.request(Addresses.DOWNLOADS_RESUME_ALL, RPC);
          ourResume.add((System.nanoTime() - t0) / 1e6);
          assertThat(resumed.getJsonArray("failed")).as(resumed.encode()).isEmpty();
          assertThat(resumed.getInteger("done")).isEqualTo(QUEUED);
        }
      } finally {
        sv.undeploy();
      }

      List<Double> plainPause = new ArrayList<>();
      List<Double> plainResume = new ArrayList<>();
      plain(vertx, files, plainPause, plainResume);

      report("pause all of 5,000 queued downloads", ourPause, "aria2.forcePauseAll", plainPause);
      report("resume all of 5,000 paused downloads", ourResume, "aria2.unpauseAll", plainResume);
    } finally {
      files.close();
    }
  }

  /** The same queue in a plain aria2c, paused and resumed with its own calls. */
  private void plain(Vertx vertx, FileServer files, List<Double> pause, List<Double> resume)
      throws Exception {
    Path data = Files.createDirectories(root.resolve("plain/data"));
    Path dir = Files.createDirectories(root.resolve("plain/dl"));
    int port = TestConfig.freePort();
    Process p =
        new ProcessBuilder(PlainAria2c.command(data, dir, port, "bench"))
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("plain/out").toFile())
            .start();
    WebClient web = WebClient.create(vertx);
    try {
      Aria2Rpc rpc = new Aria2Rpc(web, new Aria2Endpoint("127.0.0.1", port, "bench"));
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(() -> SupervisorHarness.await(rpc.call(Aria2Call.getVersion(), RPC)) != null);
      for (int from = 0; from < QUEUED; from += 500) {
        List<Aria2Call> calls = new ArrayList<>();
        for (int i = from; i < Math.min(QUEUED, from + 500); i++) {
          calls.add(
              Aria2Call.addUri(
                  List.of(files.url("q.bin")), new JsonObject().put("out", "q-" + i + ".bin")));
        }
        SupervisorHarness.await(rpc.multicall(calls, RPC));
      }
      for (int r = 0; r < ROUNDS; r++) {
        long t0 = System.nanoTime();
        SupervisorHarness.await(rpc.call("aria2.forcePauseAll", RPC));
        awaitNumActive(rpc, 0);
        pause.add((System.nanoTime() - t0) / 1e6);
        t0 = System.nanoTime();
        SupervisorHarness.await(rpc.call("aria2.unpauseAll", RPC));
        awaitNumActive(rpc, 1);
        resume.add((System.nanoTime() - t0) / 1e6);
      }
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
      p.destroyForcibly();
      web.close();
    }
  }

  /** aria2 acts on a pause or resume of all at its next tick: wait until it shows. */
  private static void awaitNumActive(Aria2Rpc rpc, int atLeastOrNone) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(2))
        .until(
            () -> {
              JsonObject stat =
                  SupervisorHarness.await(rpc.callObject(Aria2Call.getGlobalStat(), RPC));
              int active = Integer.parseInt(stat.getString("numActive"));
              return atLeastOrNone == 0 ? active == 0 : active >= atLeastOrNone;
            });
  }

  private static void report(String metric, List<Double> ours, String anchor, List<Double> plain)
      throws Exception {
    BenchReport.Stats o = BenchReport.Stats.of(ours);
    BenchReport.Stats a = BenchReport.Stats.of(plain);
    BenchReport.add(
        metric,
        "ms",
        o,
        anchor + " on a plain aria2c with the same queue",
        a,
        o.median() / a.median(),
        "median <= 1000 ms",
        o.median() <= 1000,
        ROUNDS
            + " rounds; ours answers what happened to each download (each as its own command, sent"
            + " in multicalls); aria2's own call is timed until getGlobalStat shows it done");
  }
}
