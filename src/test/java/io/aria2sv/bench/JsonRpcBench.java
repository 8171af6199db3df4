package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.Aria2Supervisor;
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
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * aria2 front-ends' load on the supervisor's {@code /jsonrpc} against the same load sent directly
 * to an aria2c with the same options, in one run, the client in its own Node process ({@code
 * src/test/node/poll-bench.js}): AriaNg's poll with 1,000 downloads (500 complete, 500 paused) as
 * fast as four workers go (goals: calls per second >= 0.8 x direct, p99 <= 1.5 x direct), and
 * addUri of paused downloads, 16 in flight.
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class JsonRpcBench {
  private static final int HALF = 500;
  private static final int ROUNDS = 3;
  private static final int POLL_SECONDS = 8;

  @TempDir Path root;

  private static JsonObject node(String mode, String url, String token, int amount, int workers)
      throws Exception {
    Process p =
        new ProcessBuilder(
                "node",
                "src/test/node/poll-bench.js",
                mode,
                url,
                token,
                String.valueOf(amount),
                String.valueOf(workers))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    JsonObject r = new JsonObject(out.substring(out.lastIndexOf('{')));
    assertThat(r.getString("error")).as(out).isNull();
    return r;
  }

  @Test
  void ariaNgsPollAndAddsThroughJsonRpcAgainstAria2cDirect(Vertx vertx) throws Exception {
    try (FileServer files = new FileServer(vertx).start()) {
      files.addRandomFile("small.bin", 2048, 1);
      Properties shipped = new Properties();
      shipped.setProperty("aria2sv.aria2.dataDir", root.resolve("data").toString());
      shipped.setProperty("aria2sv.aria2.downloadDir", root.resolve("downloads").toString());
      shipped.setProperty("aria2sv.http.token", "b");
      shipped.setProperty("aria2sv.http.port", "0");
      TestConfig.LOOPBACK_ONLY.forEach(
          (k, v) -> shipped.setProperty("aria2sv.aria2.options." + k, v));
      Aria2Supervisor stack =
          SupervisorHarness.await(
              Aria2Supervisor.deploy(vertx, TestConfig.load(vertx, root, shipped)));
      int directPort = TestConfig.freePort();
      Path directDir = Files.createDirectories(root.resolve("direct"));
      List<String> cmd =
          PlainAria2c.command(
              Files.createDirectories(root.resolve("direct-data")), directDir, directPort, "d");
      Process direct =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(root.resolve("direct.log").toFile())
              .start();
      WebClient web = WebClient.create(vertx);
      try {
        Aria2Rpc directRpc = new Aria2Rpc(web, new Aria2Endpoint("127.0.0.1", directPort, "d"));
        await()
            .atMost(Duration.ofSeconds(20))
            .ignoreExceptions()
            .until(
                () ->
                    SupervisorHarness.await(
                            directRpc.call(Aria2Call.getVersion(), Duration.ofSeconds(1)))
                        != null);
        fill(vertx, files, directRpc, directDir);
        String ours = "http://127.0.0.1:" + stack.httpPort() + "/jsonrpc";
        String plain = "http://127.0.0.1:" + directPort + "/jsonrpc";
        List<Double> oursRate = new ArrayList<>();
        List<Double> directRate = new ArrayList<>();
        List<Double> oursP99 = new ArrayList<>();
        List<Double> directP99 = new ArrayList<>();
        node("poll", ours, "b", 2, 4); // warm-up of both, not recorded
        node("poll", plain, "d", 2, 4);
        for (int i = 0; i < ROUNDS; i++) {
          for (int k = 0; k < 2; k++) {
            boolean oursTurn = (i + k) % 2 == 0;
            JsonObject r =
                node("poll", oursTurn ? ours : plain, oursTurn ? "b" : "d", POLL_SECONDS, 4);
            (oursTurn ? oursRate : directRate).add(r.getDouble("perSecond"));
            (oursTurn ? oursP99 : directP99).add(r.getDouble("p99"));
          }
        }
        JsonObject addsOurs = node("add", ours, "b", 2000, 16);
        JsonObject addsDirect = node("add", plain, "d", 2000, 16);

        BenchReport.Stats o = BenchReport.Stats.of(oursRate);
        BenchReport.Stats a = BenchReport.Stats.of(directRate);
        BenchReport.add(
            "AriaNg poll with 1,000 downloads through /jsonrpc",
            "calls/s",
            o,
            "the same poll sent to aria2c directly",
            a,
            o.median() / a.median(),
            "ratio >= 0.8",
            o.median() / a.median() >= 0.8,
            ROUNDS
                + " rounds of "
                + POLL_SECONDS
                + " s each, taking turns, 4 workers in one Node process each sending getGlobalStat, tellActive, tellWaiting(0,1000)"
                + " and tellStopped(-1,1000) with AriaNg's keys; 500 complete and 500 paused downloads on each side; tellStopped is"
                + " answered from the registry on ours");
        BenchReport.Stats op = BenchReport.Stats.of(oursP99);
        BenchReport.Stats ap = BenchReport.Stats.of(directP99);
        BenchReport.add(
            "AriaNg poll p99 latency through /jsonrpc",
            "ms",
            op,
            "the same poll sent to aria2c directly",
            ap,
            op.median() / ap.median(),
            "ratio <= 1.5",
            op.median() / ap.median() <= 1.5,
            "per call, median over the rounds above");
        BenchReport.Stats ao = BenchReport.Stats.of(List.of(addsOurs.getDouble("perSecond")));
        BenchReport.Stats ad = BenchReport.Stats.of(List.of(addsDirect.getDouble("perSecond")));
        BenchReport.add(
            "addUri through /jsonrpc",
            "adds/s",
            ao,
            "addUri sent to aria2c directly",
            ad,
            ao.median() / ad.median(),
            "reported (beside REST's single adds)",
            true,
            "2,000 paused adds, 16 in flight, from one Node process; each of ours is"
                + " stored in the registry before it is answered");
      } finally {
        direct.destroyForcibly().waitFor();
        web.close();
        SupervisorHarness.await(stack.undeploy());
      }
    }
  }

  /** 500 complete and 500 paused downloads on both sides. */
  private static void fill(Vertx vertx, FileServer files, Aria2Rpc direct, Path directDir)
      throws Exception {
    JsonArray done = new JsonArray();
    JsonArray held = new JsonArray();
    List<Aria2Call> directDone = new ArrayList<>();
    List<Aria2Call> directHeld = new ArrayList<>();
    for (int i = 0; i < HALF; i++) {
      files.alias("s" + i + ".bin", "small.bin");
      done.add(
          new JsonObject()
              .put("uris", new JsonArray().add(files.url("s" + i + ".bin")))
              .put("out", "s" + i + ".bin"));
      held.add(
          new JsonObject()
              .put("uris", new JsonArray().add("http://127.0.0.1:9/h" + i))
              .put("out", "h" + i + ".bin")
              .put("options", new JsonObject().put("pause", "true")));
      directDone.add(
          Aria2Call.addUri(
              List.of(files.url("s" + i + ".bin")),
              new JsonObject().put("dir", directDir.toString()).put("out", "s" + i + ".bin")));
      directHeld.add(
          Aria2Call.addUri(
              List.of("http://127.0.0.1:9/h" + i),
              new JsonObject()
                  .put("dir", directDir.toString())
                  .put("out", "h" + i + ".bin")
                  .put("pause", "true")));
    }
    SupervisorHarness.await(
        vertx.eventBus().request(Addresses.BATCHES_ADD, new JsonObject().put("items", done)));
    SupervisorHarness.await(direct.multicall(directDone, Duration.ofSeconds(30)));
    await()
        .atMost(Duration.ofMinutes(3))
        .until(
            () ->
                SupervisorHarness.await(
                                vertx
                                    .eventBus()
                                    .<JsonObject>request(
                                        Addresses.DOWNLOADS_LIST,
                                        new JsonObject().put("status", "complete")))
                            .body()
                            .getInteger("total")
                        == HALF
                    && ((JsonArray)
                                SupervisorHarness.await(
                                    direct.call(
                                        Aria2Call.tellStopped(0, 1000, List.of("gid")),
                                        Duration.ofSeconds(5))))
                            .size()
                        == HALF);
    SupervisorHarness.await(
        vertx.eventBus().request(Addresses.BATCHES_ADD, new JsonObject().put("items", held)));
    SupervisorHarness.await(direct.multicall(directHeld, Duration.ofSeconds(30)));
  }
}
