package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.Addresses;
import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Seeder;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.aria2sv.testing.Torrents;
import io.aria2sv.testing.Tracker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Magnet links through the test's own HTTP tracker and a seeding aria2c, all on 127.0.0.1 (DHT, LPD
 * and peer exchange off everywhere): the metadata phase and the data under GIDs we chose.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MagnetDownloadsTest extends StackTestBase {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int SIZE = 2 << 20;

  private Tracker tracker;
  private Seeder seeder;
  private byte[] content;
  private String magnet;
  private String hash;
  private Path torrentFile;

  @BeforeEach
  void startTracker() throws Exception {
    tracker = new Tracker(vertx).start();
    content = new byte[SIZE];
    new Random(11).nextBytes(content);
    Path seedDir = Files.createDirectories(root.resolve("seed"));
    Files.write(seedDir.resolve("movie.bin"), content);
    byte[] torrent = Torrents.tracked("movie.bin", content, tracker.announce());
    hash = Torrents.infoHash(torrent);
    torrentFile = root.resolve("movie.torrent");
    Files.write(torrentFile, torrent);
    magnet =
        "magnet:?xt=urn:btih:"
            + hash
            + "&dn=movie.bin&tr="
            + URLEncoder.encode(tracker.announce(), StandardCharsets.UTF_8);
  }

  @AfterEach
  void stopTracker() throws Exception {
    if (seeder != null) {
      seeder.close();
    }
    tracker.close();
  }

  private JsonObject addMagnet() throws Exception {
    return stack.request(
        Addresses.DOWNLOADS_ADD,
        new JsonObject()
            .put("uris", new JsonArray().add(magnet))
            .put("options", new JsonObject().put("seed-time", "0")));
  }

  /** Waits until an aria2c other than {@code pid} runs. */
  private void awaitReplaced(long pid) {
    await()
        .atMost(WAIT)
        .until(
            () -> {
              JsonObject st = stack.status();
              return st.getString("state").equals("RUNNING")
                  && st.getLong("pid") != null
                  && st.getLong("pid") != pid;
            });
  }

  private String sha256Of(Path p) throws Exception {
    return FileServer.sha256(Files.readAllBytes(p));
  }

  @Test
  void
      aria2cKilledInTheMetadataPhaseAndAgainInTheDataPhaseKeepsOneDownloadItsProgressAndTheRightContent()
          throws Exception {
    stack.deployStack(config());
    TestConfig.assertLoopbackOnly(
        stack.rpc()); // enable-dht, enable-dht6, bt-enable-lpd, enable-peer-exchange off
    String id = addMagnet().getString("id");
    // no seeder yet: the download waits in its metadata phase
    stack.awaitStatus(id, "metadata", WAIT);
    long first = stack.pid();
    Signals.kill9(first);
    awaitReplaced(first);
    assertThat(stack.awaitStatus(id, "metadata", WAIT).getString("id")).isEqualTo(id);

    seeder = Seeder.start(torrentFile, root.resolve("seed"), "--max-overall-upload-limit=256K");
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              JsonObject d = stack.get(id);
              return d.getString("status").equals("active")
                  && d.getLong("completedLength") > SIZE / 4;
            });
    long before = stack.get(id).getLong("completedLength");
    long second = stack.pid();
    Signals.kill9(second);
    awaitReplaced(second);
    JsonObject back = stack.awaitStatus(id, "active", WAIT);
    JsonObject done = stack.awaitStatus(id, "complete", WAIT);

    // aria2 saves its control file every second: at most a second of pieces (256 KiB/s here) is
    // fetched again
    assertThat(back.getLong("completedLength"))
        .as("the pieces it had are kept")
        .isGreaterThanOrEqualTo(before - 256 * 1024 - 2 * Torrents.PIECE)
        .isPositive();
    assertThat(sha256Of(root.resolve("downloads/movie.bin"))).isEqualTo(FileServer.sha256(content));
    // no second copy, nothing else (aria2 drops the control file a moment after the end)
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              try (var list = Files.list(root.resolve("downloads"))) {
                assertThat(list.map(p -> p.getFileName().toString()).toList())
                    .containsExactly("movie.bin");
              }
            });
    assertThat(stack.transitions(id)).containsOnlyOnce("complete");
    assertThat(stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getInteger("total"))
        .isEqualTo(1);
    assertThat(done.getLong("completedLength")).isEqualTo(SIZE);
  }

  @Test
  void aJvmKilledInTheDataPhaseComesBackWithTheSameDownloadItsPiecesAndTheRightContent()
      throws Exception {
    seeder = Seeder.start(torrentFile, root.resolve("seed"), "--max-overall-upload-limit=256K");
    StringBuilder yaml = TestConfig.childYaml().append("downloads:\n  progressInterval: 200ms\n");
    Path conf = Files.writeString(root.resolve("child.yaml"), yaml);
    WebClient web = WebClient.create(vertx);
    String id;
    long before;
    try (ChildJvm jvm = ChildJvm.main(root, ChildJvm.envFor(root), "--config", conf.toString())) {
      int port = jvm.awaitHttpPort();
      id =
          SupervisorHarness.await(
                  web.post(port, "127.0.0.1", "/api/v1/downloads")
                      .sendJsonObject(
                          new JsonObject()
                              .put("uris", new JsonArray().add(magnet))
                              .put("options", new JsonObject().put("seed-time", "0"))))
              .bodyAsJsonObject()
              .getString("id");
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                JsonObject d = httpGet(web, port, id);
                return d.getString("status").equals("active")
                    && d.getLong("completedLength") > SIZE / 4;
              });
      before = httpGet(web, port, id).getLong("completedLength");
      Signals.kill9(jvm.pid());
      jvm.awaitExit(Duration.ofSeconds(10));
    }
    await().atMost(WAIT).until(() -> Signals.countAria2For(root.resolve("data")) == 0);

    try (ChildJvm again = ChildJvm.main(root, ChildJvm.envFor(root), "--config", conf.toString())) {
      int port = again.awaitHttpPort();
      long[] firstSeen = {-1};
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                JsonObject d = httpGet(web, port, id);
                if (firstSeen[0] < 0
                    && d.getString("status").equals("active")
                    && d.getLong("completedLength") > 0) {
                  firstSeen[0] = d.getLong("completedLength");
                }
                return d.getString("status").equals("complete");
              });
      JsonObject list =
          SupervisorHarness.await(web.get(port, "127.0.0.1", "/api/v1/downloads").send())
              .bodyAsJsonObject();
      assertThat(list.getInteger("total")).isEqualTo(1);
      assertThat(firstSeen[0])
          .as("the pieces it had are kept")
          .isGreaterThanOrEqualTo(before - 256 * 1024 - 2 * Torrents.PIECE);
    }
    assertThat(sha256Of(root.resolve("downloads/movie.bin"))).isEqualTo(FileServer.sha256(content));
    web.close();
  }

  private static JsonObject httpGet(WebClient web, int port, String id) throws Exception {
    return SupervisorHarness.await(web.get(port, "127.0.0.1", "/api/v1/downloads/" + id).send())
        .bodyAsJsonObject();
  }

  @Test
  void aMagnetGoesMetadataThenActiveThenSeedingThenCompleteOnceUnderOurGids() throws Exception {
    seeder = Seeder.start(torrentFile, root.resolve("seed"));
    stack.deployStack(config());
    TestConfig.assertLoopbackOnly(
        stack.rpc()); // enable-dht, enable-dht6, bt-enable-lpd, enable-peer-exchange off
    JsonObject added =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(magnet))
                // Slowed so that the seeder is still connected when its peers are sampled (on
                // loopback the
                // data alone can take less than one sample).
                .put(
                    "options",
                    new JsonObject().put("seed-time", "0.05").put("max-download-limit", "1M")));
    String id = added.getString("id");
    assertThat(added.getJsonObject("torrent").getString("infoHash")).isEqualTo(hash);

    Set<String> seen = new HashSet<>();
    List<JsonObject> peersSeen = new java.util.ArrayList<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              seen.addAll(SupervisorHarness.aria2Gids(stack.rpc()));
              if (peersSeen.isEmpty()) {
                stack
                    .request(Addresses.DOWNLOADS_PEERS, new JsonObject().put("id", id))
                    .getJsonArray("peers")
                    .forEach(p -> peersSeen.add((JsonObject) p));
              }
              return stack.get(id).getString("status").equals("complete");
            });
    JsonObject done = stack.get(id);

    assertThat(FileServer.sha256(Files.readAllBytes(root.resolve("downloads/movie.bin"))))
        .isEqualTo(FileServer.sha256(content));
    List<String> statuses = stack.transitions(id);
    assertThat(statuses)
        .containsOnlyOnce("metadata", "seeding", "complete")
        .containsSubsequence("metadata", "active", "seeding", "complete");
    assertThat(peersSeen)
        .as("the seeder, on loopback")
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p.getString("ip")).isEqualTo("127.0.0.1"));
    assertThat(done.getJsonObject("retry").getJsonArray("gids")).hasSize(2);
    List<String> ours =
        done.getJsonObject("retry").getJsonArray("gids").stream().map(String::valueOf).toList();
    assertThat(ours).as("every GID aria2 ran is ours").containsAll(seen);
    assertThat(root.resolve("data/torrents/" + hash + ".torrent")).exists();
    assertThat(root.resolve("downloads/[METADATA]movie.bin")).doesNotExist();
  }
}
