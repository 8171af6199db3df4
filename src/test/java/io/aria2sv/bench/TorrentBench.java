package io.aria2sv.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.Aria2Supervisor;
import io.aria2sv.bus.Addresses;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2Endpoint;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.testing.PlainAria2c;
import io.aria2sv.testing.Seeder;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.aria2sv.testing.Torrents;
import io.aria2sv.testing.Tracker;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * BitTorrent through the supervisor against plain aria2c with the same options, taking turns in the
 * same run, from one local seeding aria2c found through the test's HTTP tracker (DHT, LPD and peer
 * exchange off everywhere): a 256 MiB torrent's throughput (goal ratio >= 0.97), and a magnet
 * link's time to its first data byte (goal ratio <= 1.2).
 */
@Tag("bench")
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class TorrentBench {
  private static final int SIZE = 256 << 20;
  private static final int RUNS = 9;

  @TempDir(factory = DataPathBench.WriteArea.class)
  Path root;

  /**
   * The options of a plain aria2c: the supervisor's own (RPC and the session input aside) and the
   * tests' loopback ones.
   */
  private static List<String> plainCommand(Path dir, int rpcPort, String secret) {
    // plain aria2c follows a magnet's metadata itself (the supervisor turns following off for its
    // own)
    List<String> cmd =
        new ArrayList<>(
            PlainAria2c.command(dir.resolveSibling("plain-data"), dir, rpcPort, secret).stream()
                .filter(o -> !o.startsWith("--follow-"))
                .toList());
    cmd.addAll(List.of("--seed-time=0", "--check-integrity=true"));
    return cmd;
  }

  private static Process spawn(List<String> cmd, Path log) throws Exception {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void clean(Path dir) throws Exception {
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void aTorrentsThroughputAndAMagnetsFirstByteAgainstPlainAria2c(Vertx vertx) throws Exception {
    byte[] content = new byte[SIZE];
    new Random(5).nextBytes(content);
    String sha = io.aria2sv.testing.FileServer.sha256(content);
    try (Tracker tracker = new Tracker(vertx).start()) {
      Path seedDir = Files.createDirectories(root.resolve("seed"));
      Files.write(seedDir.resolve("big.bin"), content);
      byte[] torrent = Torrents.tracked("big.bin", content, tracker.announce());
      content = null;
      String hash = Torrents.infoHash(torrent);
      Path torrentFile = Files.write(root.resolve("big.torrent"), torrent);
      String magnet =
          "magnet:?xt=urn:btih:"
              + hash
              + "&tr="
              + URLEncoder.encode(tracker.announce(), StandardCharsets.UTF_8);
      try (Seeder seeder = Seeder.start(torrentFile, seedDir)) {
        Properties shipped = new Properties();
        shipped.setProperty("aria2sv.aria2.dataDir", root.resolve("data").toString());
        shipped.setProperty("aria2sv.aria2.downloadDir", root.resolve("downloads").toString());
        // enable-dht=false, enable-dht6=false, bt-enable-lpd=false, enable-peer-exchange=false for
        // the
        // supervisor's aria2c; the plain one and the seeder get the same from PlainAria2c and
        // Seeder.
        TestConfig.LOOPBACK_ONLY.forEach(
            (k, v) -> shipped.setProperty("aria2sv.aria2.options." + k, v));
        shipped.setProperty(
            "aria2sv.aria2.options.listen-port", String.valueOf(TestConfig.freePort()));
        Aria2Supervisor stack =
            SupervisorHarness.await(
                Aria2Supervisor.deploy(vertx, TestConfig.load(vertx, root, shipped), false));
        Path ours = root.resolve("downloads");
        Path plain = Files.createDirectories(root.resolve("plain"));
        Path doneMarker = root.resolve("plain-done");
        Path hook =
            Files.writeString(root.resolve("done.sh"), "#!/bin/sh\ntouch " + doneMarker + "\n");
        hook.toFile().setExecutable(true);
        Files.createDirectories(root.resolve("plain-data"));
        List<Double> oursMiBs = new ArrayList<>();
        List<Double> plainMiBs = new ArrayList<>();
        List<Double> oursFirst = new ArrayList<>();
        List<Double> plainFirst = new ArrayList<>();
        Map<String, CompletableFuture<Void>> completed = new ConcurrentHashMap<>();
        var consumer =
            vertx
                .eventBus()
                .<JsonObject>consumer(
                    Addresses.EVENTS_DOWNLOAD,
                    m -> {
                      if ("complete".equals(m.body().getString("type"))) {
                        completed
                            .computeIfAbsent(
                                m.body().getJsonObject("download").getString("id"),
                                k -> new CompletableFuture<>())
                            .complete(null);
                      }
                    });
        Aria2Rpc rpc = SupervisorHarness.rpc(vertx);
        try {
          for (int i = -1; i < RUNS; i++) { // run -1 warms both up and is not recorded
            for (int k = 0; k < 2; k++) {
              boolean oursFirstTurn = (i + k) % 2 == 0;
              if (oursFirstTurn) {
                long t0 = System.nanoTime();
                String id =
                    SupervisorHarness.await(
                            vertx
                                .eventBus()
                                .<JsonObject>request(
                                    Addresses.DOWNLOADS_ADD,
                                    new JsonObject()
                                        .put("torrent", Torrents.base64(torrent))
                                        .put("options", new JsonObject().put("seed-time", "0"))))
                        .body()
                        .getString("id");
                completed
                    .computeIfAbsent(id, x -> new CompletableFuture<>())
                    .get(5, TimeUnit.MINUTES);
                double s = (System.nanoTime() - t0) / 1e9;
                assertThat(BenchSupport.sha256(ours.resolve("big.bin"))).isEqualTo(sha);
                clean(ours);
                long m0 = System.nanoTime();
                String mid =
                    SupervisorHarness.await(
                            vertx
                                .eventBus()
                                .<JsonObject>request(
                                    Addresses.DOWNLOADS_ADD,
                                    new JsonObject()
                                        .put("uris", new JsonArray().add(magnet))
                                        .put("options", new JsonObject().put("seed-time", "0"))))
                        .body()
                        .getString("id");
                double first = firstDataByte(rpc, m0);
                completed
                    .computeIfAbsent(mid, x -> new CompletableFuture<>())
                    .get(5, TimeUnit.MINUTES);
                clean(ours);
                Files.deleteIfExists(root.resolve("data/torrents/" + hash + ".torrent"));
                if (i >= 0) {
                  oursMiBs.add(SIZE / 1048576.0 / s);
                  oursFirst.add(first);
                }
              } else {
                Files.deleteIfExists(doneMarker);
                long t0 = System.nanoTime();
                Process p =
                    spawn(
                        append(
                            append(plainCommand(plain, 0, null), "--on-download-complete=" + hook),
                            torrentFile.toString()),
                        root.resolve("plain.log"));
                // complete when aria2 says so (its onDownloadComplete hook, as our complete event),
                // not when the process is gone
                while (!Files.exists(doneMarker) && p.isAlive()) {
                  Thread.sleep(1);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
                assertThat(p.exitValue()).isZero();
                assertThat(BenchSupport.sha256(plain.resolve("big.bin"))).isEqualTo(sha);
                clean(plain);
                int port = TestConfig.freePort();
                String secret = "bench" + i;
                long m0 = System.nanoTime();
                Process mp =
                    spawn(
                        append(plainCommand(plain, port, secret), magnet),
                        root.resolve("plain-magnet.log"));
                WebClient web = WebClient.create(vertx);
                Aria2Rpc plainRpc = new Aria2Rpc(web, new Aria2Endpoint("127.0.0.1", port, secret));
                double first = firstDataByte(plainRpc, m0);
                // with RPC on, aria2c stays up once done: stop it
                plainRpc
                    .call("aria2.forceShutdown", Duration.ofSeconds(2))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .handle((ok, err) -> ok)
                    .get(5, TimeUnit.SECONDS);
                assertThat(mp.waitFor(1, TimeUnit.MINUTES)).isTrue();
                web.close();
                clean(plain);
                if (i >= 0) {
                  plainMiBs.add(SIZE / 1048576.0 / s);
                  plainFirst.add(first);
                }
              }
            }
          }
        } finally {
          consumer.unregister();
          SupervisorHarness.await(stack.undeploy());
        }
        assertThat(io.aria2sv.testing.Signals.alive(seeder.pid()))
            .as("the one seeder served every run")
            .isTrue();
        BenchReport.Stats o = BenchReport.Stats.of(oursMiBs);
        BenchReport.Stats a = BenchReport.Stats.of(plainMiBs);
        BenchReport.add(
            "256 MiB torrent throughput",
            "MiB/s",
            o,
            "plain aria2c with the .torrent, same options",
            a,
            o.median() / a.median(),
            "ratio >= 0.97",
            o.median() / a.median() >= 0.97,
            RUNS
                + " runs each after a warm-up, taking turns; one local seeding"
                + " aria2c through the test's HTTP tracker; ours from the add request to its complete event, plain from spawn to its"
                + " onDownloadComplete hook (seed-time 0 both)");
        BenchReport.Stats of = BenchReport.Stats.of(oursFirst);
        BenchReport.Stats af = BenchReport.Stats.of(plainFirst);
        BenchReport.add(
            "magnet to first data byte",
            "ms",
            of,
            "plain aria2c with the magnet (follow-torrent)",
            af,
            of.median() / af.median(),
            "ratio <= 1.2",
            of.median() / af.median() <= 1.2,
            RUNS
                + " runs each, taking turns; from the add request (ours) or the"
                + " spawn (plain) until aria2 reports a data byte of the torrent (not of its metadata), read by RPC every 2 ms on"
                + " both sides; ours runs the metadata and the data as two GIDs of its own (the second added once the first is"
                + " complete), plain aria2c follows its own child GID");
      }
    }
  }

  private static List<String> append(List<String> cmd, String arg) {
    cmd.add(arg);
    return cmd;
  }

  /**
   * Milliseconds from {@code t0} until aria2 at {@code rpc} reports a data byte of a torrent (not
   * of a magnet's metadata).
   */
  private static double firstDataByte(Aria2Rpc rpc, long t0) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      Object active =
          rpc.call(
                  Aria2Call.tellActive(List.of("gid", "completedLength", "files")),
                  Duration.ofSeconds(2))
              .toCompletionStage()
              .toCompletableFuture()
              .handle((ok, err) -> ok)
              .get(5, TimeUnit.SECONDS);
      if (active instanceof JsonArray list) {
        for (Object o : list) {
          JsonObject st = (JsonObject) o;
          String path = st.getJsonArray("files").getJsonObject(0).getString("path", "");
          if (!path.contains("[METADATA]") && Long.parseLong(st.getString("completedLength")) > 0) {
            return (System.nanoTime() - t0) / 1e6;
          }
        }
      }
      Thread.sleep(2);
    }
    throw new AssertionError("no data byte within 2 minutes");
  }
}
