package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.Torrents;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code .torrent} downloads with a real aria2c, from web seeds on the test's file server (no
 * tracker, DHT, LPD or peer exchange: nothing leaves 127.0.0.1): seeding, stop seeding, the same
 * content twice, bad torrents, choosing files, a seeding download across a kill -9 of aria2c.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TorrentDownloadsTest extends StackTestBase {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A single-file torrent of {@code size} random bytes served as a web seed. */
  private byte[] servedTorrent(String name, int size, long seed) {
    byte[] content = random(size, seed);
    files.addFile(name, content);
    return Torrents.single(name, content, files.url(name));
  }

  private JsonObject addTorrent(byte[] torrent, JsonObject options) throws Exception {
    JsonObject body = new JsonObject().put("torrent", Torrents.base64(torrent));
    if (options != null) {
      body.put("options", options);
    }
    return stack.request(Addresses.DOWNLOADS_ADD, body);
  }

  private String sha256(String relative) throws Exception {
    return FileServer.sha256(Files.readAllBytes(root.resolve("downloads").resolve(relative)));
  }

  @Test
  void aWebSeedTorrentDownloadsSeedsForItsSeedTimeAndEndsCompleteOnceWithTheRightContent()
      throws Exception {
    byte[] torrent = servedTorrent("seeded.bin", 300_000, 1);
    String sha = FileServer.sha256(random(300_000, 1));
    stack.deployStack(config());

    JsonObject added = addTorrent(torrent, new JsonObject().put("seed-time", "0.05"));
    String id = added.getString("id");
    stack.awaitStatus(id, "seeding", WAIT);
    JsonObject done = stack.awaitStatus(id, "complete", WAIT);

    assertThat(sha256("seeded.bin")).isEqualTo(sha);
    assertThat(added.getJsonObject("torrent").getString("infoHash"))
        .isEqualTo(Torrents.infoHash(torrent));
    assertThat(done.getLong("completedLength")).isEqualTo(300_000L);
    List<String> statuses = stack.transitions(id);
    assertThat(statuses)
        .containsOnlyOnce("seeding", "complete")
        .containsSubsequence("seeding", "complete");
    assertThat(root.resolve("data/torrents/" + Torrents.infoHash(torrent) + ".torrent"))
        .hasBinaryContent(torrent);
    assertThat(done.getJsonObject("retry").getJsonArray("gids")).hasSize(1);
  }

  @Test
  void aTorrentUrlIsFetchedByTheSupervisorAndRunsAsATorrentUnderOurGids() throws Exception {
    byte[] torrent = servedTorrent("linked.bin", 120_000, 9);
    files.addFile("linked.torrent", torrent);
    stack.deployStack(config());

    JsonObject added =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("linked.torrent")))
                .put("options", new JsonObject().put("seed-time", "0")));
    JsonObject done = stack.awaitStatus(added.getString("id"), "complete", WAIT);
    ReplyException followOn =
        stack.failure(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("linked.torrent")))
                .put("options", new JsonObject().put("follow-torrent", "true")));
    ReplyException missing =
        stack.failure(
            Addresses.DOWNLOADS_ADD,
            new JsonObject().put("uris", new JsonArray().add(files.url("gone.torrent"))));

    assertThat(added.getJsonObject("torrent").getString("infoHash"))
        .isEqualTo(Torrents.infoHash(torrent));
    assertThat(added.getString("name")).isEqualTo("linked.bin");
    assertThat(sha256("linked.bin")).isEqualTo(FileServer.sha256(random(120_000, 9)));
    assertThat(root.resolve("downloads/linked.torrent"))
        .as("the .torrent is not downloaded as a file")
        .doesNotExist();
    assertThat(
            done.getJsonObject("retry").getJsonArray("gids").stream().map(String::valueOf).toList())
        .containsAll(SupervisorHarness.aria2Gids(stack.rpc()));
    assertThat(code(followOn)).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(followOn.getMessage()).startsWith("options.follow-torrent: can only be false");
    assertThat(code(missing)).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(missing.getMessage()).contains("gone.torrent").contains("HTTP 404");
  }

  @Test
  void stopSeedingEndsTheDownloadCompleteAndKeepsItsFile() throws Exception {
    byte[] torrent = servedTorrent("stop.bin", 100_000, 2);
    stack.deployStack(config());
    String id = addTorrent(torrent, null).getString("id");
    JsonObject seeding = stack.awaitStatus(id, "seeding", WAIT);
    assertThat(seeding.getJsonObject("torrent").getDouble("ratio")).isZero();

    JsonObject stopped = SupervisorHarness.await(client.stopSeeding(id));
    ReplyException again =
        stack.failure(Addresses.DOWNLOADS_STOP_SEEDING, new JsonObject().put("id", id));

    assertThat(stopped.getString("status")).isEqualTo("complete");
    assertThat(code(again)).isEqualTo(ErrorCode.CONFLICT);
    assertThat(sha256("stop.bin")).isEqualTo(FileServer.sha256(random(100_000, 2)));
    assertThat(stack.transitions(id)).containsOnlyOnce("complete").doesNotContain("removed");
    assertThat(
            stack
                .rpc()
                .call(
                    "aria2.tellStatus",
                    Duration.ofSeconds(2),
                    stopped.getString("gid"),
                    new JsonArray().add("status"))
                .toCompletionStage()
                .toCompletableFuture()
                .handle((ok, err) -> err)
                .get(5, TimeUnit.SECONDS))
        .as("aria2 no longer holds it")
        .isNotNull();
  }

  @Test
  void theSameInfoHashWhileItRunsIsA409NamingTheDownloadAlsoInABatch() throws Exception {
    byte[] torrent = servedTorrent("twice.bin", 50_000, 3);
    stack.deployStack(config());
    String first = addTorrent(torrent, new JsonObject().put("pause", "true")).getString("id");

    ReplyException single =
        stack.failure(
            Addresses.DOWNLOADS_ADD, new JsonObject().put("torrent", Torrents.base64(torrent)));
    ReplyException batch =
        stack.failure(
            Addresses.BATCHES_ADD,
            new JsonObject()
                .put(
                    "items",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put(
                                    "torrent",
                                    Torrents.base64(servedTorrent("other.bin", 1000, 4))))
                        .add(new JsonObject().put("torrent", Torrents.base64(torrent)))));

    assertThat(code(single)).isEqualTo(ErrorCode.CONFLICT);
    assertThat(single.getMessage()).contains(Torrents.infoHash(torrent)).contains(first);
    assertThat(code(batch)).isEqualTo(ErrorCode.CONFLICT);
    assertThat(stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getInteger("total"))
        .isEqualTo(1);
  }

  @Test
  void aMalformedTorrentIsA400SayingWhatIsWrongAndNothingIsAdded() throws Exception {
    stack.deployStack(config());
    String noPieces =
        Base64.getEncoder()
            .encodeToString("d4:infod6:lengthi5e4:name1:xee".getBytes(StandardCharsets.US_ASCII));
    String junk =
        Base64.getEncoder()
            .encodeToString("<html>not a torrent</html>".getBytes(StandardCharsets.US_ASCII));
    String traversal =
        Base64.getEncoder()
            .encodeToString(
                "d4:infod6:lengthi5e4:name2:..12:piece lengthi16384e6:pieces20:01234567890123456789ee"
                    .getBytes(StandardCharsets.US_ASCII));

    ReplyException missing =
        stack.failure(Addresses.DOWNLOADS_ADD, new JsonObject().put("torrent", noPieces));
    ReplyException html =
        stack.failure(Addresses.DOWNLOADS_ADD, new JsonObject().put("torrent", junk));
    ReplyException dots =
        stack.failure(Addresses.DOWNLOADS_ADD, new JsonObject().put("torrent", traversal));
    ReplyException notBase64 =
        stack.failure(Addresses.DOWNLOADS_ADD, new JsonObject().put("torrent", "%%%"));
    ReplyException withOut =
        stack.failure(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("torrent", Torrents.base64(servedTorrent("named.bin", 1000, 5)))
                .put("out", "other-name.bin"));

    assertThat(List.of(missing, html, dots, notBase64, withOut))
        .allSatisfy(e -> assertThat(code(e)).isEqualTo(ErrorCode.BAD_REQUEST));
    assertThat(missing.getMessage())
        .isEqualTo("torrent: is not a valid torrent: info.piece length is missing or not positive");
    assertThat(html.getMessage())
        .startsWith("torrent: is not a valid torrent: unexpected byte '<'");
    assertThat(dots.getMessage()).contains("info.name");
    assertThat(notBase64.getMessage()).isEqualTo("torrent: must be the .torrent file in base64");
    assertThat(withOut.getMessage()).startsWith("out:");
    assertThat(stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getInteger("total"))
        .isZero();
  }

  @Test
  void aMultiFileTorrentWithOneFileSelectedWritesOnlyThatFileAndListsAll() throws Exception {
    LinkedHashMap<String, byte[]> parts = new LinkedHashMap<>();
    // whole pieces each: a piece that spans two files would be written to both
    parts.put("a.bin", random(2 * Torrents.PIECE, 6));
    parts.put("sub/b.bin", random(3 * Torrents.PIECE, 7));
    parts.forEach((path, data) -> files.addFile("album/" + path, data));
    byte[] torrent = Torrents.multi("album", parts, files.url(""));
    stack.deployStack(config());

    String id =
        addTorrent(torrent, new JsonObject().put("select-file", "2").put("seed-time", "0"))
            .getString("id");
    JsonObject listed = SupervisorHarness.await(client.files(id));
    stack.awaitStatus(id, "complete", WAIT);

    assertThat(sha256("album/sub/b.bin")).isEqualTo(FileServer.sha256(parts.get("sub/b.bin")));
    assertThat(root.resolve("downloads/album/a.bin"))
        .as("an unselected file is not written")
        .doesNotExist();
    JsonArray list = listed.getJsonArray("files");
    assertThat(list).hasSize(2);
    assertThat(list.getJsonObject(0).getString("relativePath")).isEqualTo("album/a.bin");
    assertThat(list.getJsonObject(0).getBoolean("selected")).isFalse();
    assertThat(list.getJsonObject(1).getString("relativePath")).isEqualTo("album/sub/b.bin");
    assertThat(list.getJsonObject(1).getBoolean("selected")).isTrue();
  }

  @Test
  void theFileChoiceOfATorrentChangesAfterTheAdd() throws Exception {
    LinkedHashMap<String, byte[]> parts = new LinkedHashMap<>();
    parts.put("one.bin", random(2 * Torrents.PIECE, 20));
    parts.put("two.bin", random(2 * Torrents.PIECE, 21));
    parts.forEach((path, data) -> files.addFile("pair/" + path, data));
    byte[] torrent = Torrents.multi("pair", parts, files.url(""));
    stack.deployStack(config());
    String id =
        addTorrent(
                torrent,
                new JsonObject().put("select-file", "1").put("pause", "true").put("seed-time", "0"))
            .getString("id");

    SupervisorHarness.await(client.changeOptions(id, new JsonObject().put("select-file", "1,2")));
    JsonObject listed = SupervisorHarness.await(client.files(id));
    SupervisorHarness.await(client.resume(id));
    stack.awaitStatus(id, "complete", WAIT);

    assertThat(
            listed.getJsonArray("files").stream()
                .map(f -> ((JsonObject) f).getBoolean("selected"))
                .toList())
        .containsExactly(true, true);
    assertThat(sha256("pair/one.bin")).isEqualTo(FileServer.sha256(parts.get("one.bin")));
    assertThat(sha256("pair/two.bin")).isEqualTo(FileServer.sha256(parts.get("two.bin")));
  }

  @Test
  void aSeedingDownloadKeepsSeedingAfterTheJvmSideRestarts() throws Exception {
    byte[] torrent = servedTorrent("restart.bin", 150_000, 22);
    stack.deployStack(config());
    String id = addTorrent(torrent, null).getString("id");
    stack.awaitStatus(id, "seeding", WAIT);
    int fetches = files.requests("restart.bin");

    stack.undeploy();
    stack = new SupervisorHarness(vertx);
    stack.deployStack(config());

    JsonObject after = stack.awaitStatus(id, "seeding", WAIT);
    assertThat(after.getLong("completedLength")).isEqualTo(150_000L);
    assertThat(files.requests("restart.bin"))
        .as("the data was not fetched again")
        .isEqualTo(fetches);
  }

  @Test
  void aSeedingDownloadKeepsSeedingUnderTheSameIdAfterAria2cIsKilled() throws Exception {
    byte[] torrent = servedTorrent("keep.bin", 200_000, 8);
    stack.deployStack(config());
    String id = addTorrent(torrent, null).getString("id");
    stack.awaitStatus(id, "seeding", WAIT);
    long pid = stack.pid();
    int fetches = files.requests("keep.bin");

    Signals.kill9(pid);
    stack.awaitState("RUNNING", WAIT);

    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> stack.pid() != pid);
    JsonObject after = stack.awaitStatus(id, "seeding", WAIT);
    JsonObject inAria2 =
        SupervisorHarness.await(
            stack
                .rpc()
                .callObject("aria2.tellStatus", Duration.ofSeconds(2), after.getString("gid")));
    assertThat(inAria2.getString("seeder")).isEqualTo("true");
    assertThat(after.getLong("completedLength")).isEqualTo(200_000L);
    assertThat(files.requests("keep.bin")).as("the data was not fetched again").isEqualTo(fetches);
  }

  private static ErrorCode code(ReplyException e) {
    return ErrorCode.of(e.failureCode());
  }

  @Test
  void aMultiFileTorrentMovesAsItsDirectoryOnlyOnceItsSeedingHasEnded() throws Exception {
    LinkedHashMap<String, byte[]> parts = new LinkedHashMap<>();
    parts.put("a.bin", random(2 * Torrents.PIECE, 30));
    parts.put("sub/b.bin", random(3 * Torrents.PIECE, 31));
    parts.forEach((path, data) -> files.addFile("show/" + path, data));
    byte[] torrent = Torrents.multi("show", parts, files.url(""));
    stack.deployStack(config("completion.finishedRoot", root.resolve("finished").toString()));

    JsonObject body =
        new JsonObject()
            .put("torrent", Torrents.base64(torrent))
            .put("moveTo", "tv")
            .put("dir", "incoming");
    String id = stack.request(Addresses.DOWNLOADS_ADD, body).getString("id");
    stack.awaitStatus(id, "seeding", WAIT);
    assertThat(stack.get(id).getValue("completion"))
        .as("aria2 still seeds from the files")
        .isNull();
    assertThat(root.resolve("downloads/incoming/show/sub/b.bin")).exists();

    SupervisorHarness.await(client.stopSeeding(id));
    org.awaitility.Awaitility.await()
        .atMost(WAIT)
        .until(
            () -> {
              JsonObject c = stack.get(id).getJsonObject("completion");
              return c != null && "done".equals(c.getString("state"));
            });
    Path moved = root.resolve("finished/tv/show");
    assertThat(stack.get(id).getJsonObject("completion").getString("finalPath"))
        .isEqualTo(moved.toString());
    assertThat(FileServer.sha256(Files.readAllBytes(moved.resolve("a.bin"))))
        .isEqualTo(FileServer.sha256(parts.get("a.bin")));
    assertThat(FileServer.sha256(Files.readAllBytes(moved.resolve("sub/b.bin"))))
        .isEqualTo(FileServer.sha256(parts.get("sub/b.bin")));
    assertThat(root.resolve("downloads/incoming/show")).doesNotExist();
    assertThat(root.resolve("data/torrents/" + Torrents.infoHash(torrent) + ".torrent"))
        .as("the kept torrent goes once its files are in place")
        .doesNotExist();
    assertThat(stack.get(id).getString("name")).isEqualTo("show");
  }
}
