package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.rpc.Aria2RpcException;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.StackTestBase;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Downloads through the bus with a real aria2c and a local file server with real faults. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DownloadsTest extends StackTestBase {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private JsonObject add(String name) throws Exception {
    return stack.request(
        Addresses.DOWNLOADS_ADD,
        new JsonObject().put("uris", new JsonArray().add(files.url(name))).put("out", name));
  }

  /** aria2's status of {@code gid}, or null when aria2 does not know it. */
  private static String aria2Status(Aria2Rpc rpc, String gid) throws Exception {
    return SupervisorHarness.await(
        rpc.callObject("aria2.tellStatus", Duration.ofSeconds(2), gid)
            .map(st -> st.getString("status"))
            .recover(
                err ->
                    err instanceof Aria2RpcException
                        ? Future.succeededFuture(null)
                        : Future.failedFuture(err)));
  }

  private String sha256Of(String name) throws Exception {
    return FileServer.sha256(Files.readAllBytes(root.resolve("downloads").resolve(name)));
  }

  /** A valid single-file torrent with a web seed on the test's file server. */
  private byte[] torrent(String name, byte[] content) {
    return io.aria2sv.testing.Torrents.single(name, content, files.url(name));
  }

  @Override
  protected List<String> baseSettings() {
    return List.of(
        "downloads.retryDelay",
        "100ms",
        "downloads.progressInterval",
        "200ms",
        "rpc.retry.initialDelay",
        "100ms",
        "rpc.retry.maxDelay",
        "400ms",
        "rpc.timeout",
        "2s");
  }

  @Test
  void aTorrentUrlWithFollowTorrentOffStaysAFileAndAria2RunsNothingTheRegistryDoesNotKnow()
      throws Exception {
    byte[] content = new byte[40_000];
    new Random(3).nextBytes(content);
    files.addFile("payload.bin", content);
    byte[] torrent = torrent("payload.bin", content);
    String sha = files.addFile("x.torrent", torrent);
    stack.deployStack(config());
    TestConfig.assertLoopbackOnly(
        SupervisorHarness.rpc(
            vertx)); // enable-dht, enable-dht6, bt-enable-lpd, enable-peer-exchange off

    JsonObject asFile =
        new JsonObject()
            .put("uris", new JsonArray().add(files.url("x.torrent")))
            .put("out", "x.torrent")
            .put("options", new JsonObject().put("follow-torrent", "false"));
    JsonObject done =
        stack.awaitStatus(
            stack.request(Addresses.DOWNLOADS_ADD, asFile).getString("id"), "complete", WAIT);

    assertThat(done.getLong("totalLength")).isEqualTo(torrent.length);
    assertThat(done.getValue("torrent")).isNull();
    assertThat(sha256Of("x.torrent")).isEqualTo(sha);
    Aria2Rpc rpc = SupervisorHarness.rpc(vertx);
    Set<String> known = new HashSet<>();
    for (Object d :
        stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getJsonArray("downloads")) {
      ((JsonObject) d)
          .getJsonObject("retry")
          .getJsonArray("gids")
          .forEach(g -> known.add((String) g));
    }
    await()
        .during(Duration.ofMillis(1000))
        .atMost(WAIT)
        .until(() -> known.containsAll(SupervisorHarness.aria2Gids(rpc)));
    assertThat(Files.exists(root.resolve("downloads/payload.bin")))
        .as("the torrent's content was not fetched")
        .isFalse();
  }

  @Test
  void theSameUrlAgainWithoutANameFailsSayingWhatToDoHere() throws Exception {
    files.addRandomFile("twice.bin", 4096, 8);
    stack.deployStack(config());
    JsonObject once = new JsonObject().put("uris", new JsonArray().add(files.url("twice.bin")));
    stack.awaitStatus(
        stack.request(Addresses.DOWNLOADS_ADD, once).getString("id"), "complete", WAIT);

    JsonObject again =
        stack.awaitStatus(
            stack.request(Addresses.DOWNLOADS_ADD, once.copy()).getString("id"), "failed", WAIT);

    assertThat(again.getInteger("errorCode")).isEqualTo(13);
    assertThat(again.getString("errorMessage"))
        .contains(root.resolve("downloads/twice.bin").toString())
        .contains("already exists")
        .contains("\"out\"")
        .contains("allow-overwrite=true")
        .doesNotContain("restart aria2");
    assertThat(Files.size(root.resolve("downloads/twice.bin"))).isEqualTo(4096);
  }

  @Test
  void aDownloadCompletesWithTheRightDigestAndEachTransitionOnce() throws Exception {
    String sha = files.addRandomFile("one.bin", 1 << 20, 1);
    stack.deployStack(config());

    JsonObject added = add("one.bin");

    assertThat(added.getString("id")).isNotBlank();
    assertThat(added.getString("gid")).matches("[0-9a-f]{16}");
    assertThat(added.getString("status")).isIn("waiting", "active", "complete");
    JsonObject done = stack.awaitStatus(added.getString("id"), "complete", WAIT);
    assertThat(done.getLong("completedLength")).isEqualTo(1 << 20);
    assertThat(done.getInteger("percent")).isEqualTo(100);
    assertThat(sha256Of("one.bin")).isEqualTo(sha);
    await().atMost(WAIT).until(() -> stack.transitions(added.getString("id")).contains("complete"));
    List<String> transitions = stack.transitions(added.getString("id"));
    assertThat(transitions).startsWith("added").endsWith("complete").doesNotHaveDuplicates();
  }

  @Test
  void aDownloadAddedWithoutOutIsNamedByItsUrlThenByTheFileAria2Wrote() throws Exception {
    files.addRandomFile("named-file.bin", 64 * 1024, 2);
    stack.deployStack(config());

    JsonObject added =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject().put("uris", new JsonArray().add(files.url("named-file.bin"))));

    assertThat(added.getString("out")).isNull();
    assertThat(added.getString("name")).isEqualTo("named-file.bin");
    JsonObject done = stack.awaitStatus(added.getString("id"), "complete", WAIT);
    assertThat(done.getString("name")).isEqualTo("named-file.bin");
    JsonObject listed =
        stack
            .request(Addresses.DOWNLOADS_LIST, new JsonObject())
            .getJsonArray("downloads")
            .getJsonObject(0);
    assertThat(listed.getString("name")).isEqualTo("named-file.bin");
  }

  @Test
  void aPauseAnswersWithTheLengthAria2HasAtThatMoment() throws Exception {
    files.addRandomFile("slow.bin", 8 << 20, 6);
    files.throttle(1 << 20);
    // no progress tick in between: whatever the reply says comes from the pause itself
    stack.deployStack(config("downloads.progressInterval", "1m"));
    JsonObject added = add("slow.bin");
    Aria2Rpc rpc = SupervisorHarness.rpc(vertx);
    await().atMost(WAIT).until(() -> completedInAria2(rpc, added.getString("gid")) > 100_000);

    JsonObject paused =
        stack.request(Addresses.DOWNLOADS_PAUSE, new JsonObject().put("id", added.getString("id")));

    assertThat(paused.getLong("completedLength"))
        .isEqualTo(completedInAria2(rpc, added.getString("gid")));
  }

  private static long completedInAria2(Aria2Rpc rpc, String gid) throws Exception {
    return Long.parseLong(
        SupervisorHarness.await(
                rpc.callObject(
                    "aria2.tellStatus",
                    Duration.ofSeconds(2),
                    gid,
                    new JsonArray().add("completedLength")))
            .getString("completedLength"));
  }

  @Test
  void aFlakyServerCompletesThroughReAddsUnderTheSameId() throws Exception {
    String sha = files.addRandomFile("flaky.bin", 256 * 1024, 2);
    files.fail503("flaky.bin", 2);
    stack.deployStack(config());

    JsonObject added = add("flaky.bin");

    JsonObject done = stack.awaitStatus(added.getString("id"), "complete", WAIT);
    assertThat(sha256Of("flaky.bin")).isEqualTo(sha);
    JsonObject retry = done.getJsonObject("retry");
    assertThat(retry.getInteger("count")).isEqualTo(2);
    assertThat(retry.getJsonArray("gids")).hasSize(3).contains(added.getString("gid"));
    assertThat(done.getString("gid")).isEqualTo(retry.getJsonArray("gids").getString(2));
    assertThat(done.getValue("errorCode")).as("no stale error once it ran again").isNull();
    assertThat(done.getValue("errorMessage")).isNull();
    assertThat(stack.transitions(added.getString("id"))).contains("retrying");
    assertThat(Files.list(root.resolve("downloads")).map(p -> p.getFileName().toString()).toList())
        .as("no renamed copies")
        .containsExactly("flaky.bin");
  }

  @Test
  void aConnectionResetMidBodyResumesWithRange() throws Exception {
    String sha = files.addRandomFile("reset.bin", 512 * 1024, 3);
    files.resetAfterSomeBytes("reset.bin", 2);
    stack.deployStack(config());

    JsonObject added = add("reset.bin");

    stack.awaitStatus(added.getString("id"), "complete", WAIT);
    assertThat(sha256Of("reset.bin")).isEqualTo(sha);
    assertThat(files.rangeRequests()).isPositive();
  }

  @Test
  void notFoundFailsAtOnceWithoutAReAdd() throws Exception {
    stack.deployStack(config());

    JsonObject added =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put(
                    "uris",
                    new JsonArray()
                        .add("http://127.0.0.1:" + files.port() + "/files/missing.bin")));

    JsonObject failed = stack.awaitStatus(added.getString("id"), "failed", WAIT);
    assertThat(failed.getInteger("errorCode")).isEqualTo(3);
    assertThat(failed.getString("errorMessage")).isNotBlank();
    assertThat(failed.getJsonObject("retry").getInteger("count")).isZero();
    assertThat(failed.getJsonObject("retry").getJsonArray("gids")).hasSize(1);
    assertThat(stack.transitions(added.getString("id"))).doesNotContain("retrying");
  }

  @Test
  void endedDownloadsAreForgottenAfterKeepEndedAndBatchesOnlyWhenAllOfThemHaveEnded()
      throws Exception {
    files.addRandomFile("done.bin", 64 * 1024, 31);
    stack.deployStack(config("downloads.keepEnded", "1s"));
    String done = add("done.bin").getString("id");
    String missing =
        stack.request(Addresses.DOWNLOADS_ADD, missingFile("gone.bin")).getString("id");
    String paused =
        stack
            .request(
                Addresses.DOWNLOADS_ADD,
                missingFile("later.bin").put("options", new JsonObject().put("pause", "true")))
            .getString("id");
    JsonObject batch =
        stack.request(
            Addresses.BATCHES_ADD,
            new JsonObject()
                .put(
                    "items",
                    new JsonArray()
                        .add(missingFile("b1.bin"))
                        .add(
                            missingFile("b2.bin")
                                .put("options", new JsonObject().put("pause", "true")))));
    String batchFailed = batch.getJsonArray("downloads").getString(0);
    stack.awaitStatus(done, "complete", WAIT);
    stack.awaitStatus(missing, "failed", WAIT);
    stack.awaitStatus(batchFailed, "failed", WAIT);

    await()
        .atMost(WAIT)
        .until(
            () ->
                notFound(Addresses.DOWNLOADS_GET, done)
                    && notFound(Addresses.DOWNLOADS_GET, missing));
    // Still going: the paused download, and the batch whose other download is paused.
    JsonObject listed = stack.request(Addresses.DOWNLOADS_LIST, new JsonObject());
    assertThat(listed.getInteger("total")).isEqualTo(3);
    assertThat(stack.get(paused).getString("status")).isEqualTo("paused");
    assertThat(stack.get(batchFailed).getString("status")).isEqualTo("failed");
    assertThat(
            stack
                .request(Addresses.BATCHES_GET, new JsonObject().put("id", batch.getString("id")))
                .getInteger("total"))
        .isEqualTo(2);
    assertThat(root.resolve("downloads/done.bin"))
        .as("forgetting a download leaves its file")
        .exists();

    // The batch's last download ends: then the whole batch goes.
    stack.request(
        Addresses.DOWNLOADS_REMOVE,
        new JsonObject().put("id", batch.getJsonArray("downloads").getString(1)));
    await()
        .atMost(WAIT)
        .until(
            () ->
                stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getInteger("total") == 1);
    assertThat(notFound(Addresses.BATCHES_GET, batch.getString("id"))).isTrue();

    // The registry forgot them too: after a restart with everything kept, only the paused one is
    // there.
    stack.undeploy();
    stack.deployStack(config());
    JsonObject after = stack.request(Addresses.DOWNLOADS_LIST, new JsonObject());
    assertThat(
            after.getJsonArray("downloads").stream()
                .map(d -> ((JsonObject) d).getString("id"))
                .toList())
        .containsExactly(paused);
  }

  @Test
  void keepEndedSetWhileRunningAppliesWithoutARestart() throws Exception {
    stack.deployStack(config());
    String failed = stack.request(Addresses.DOWNLOADS_ADD, missingFile("gone.bin")).getString("id");
    stack.awaitStatus(failed, "failed", WAIT);
    long aria2 = SupervisorHarness.aria2Pid(vertx);

    vertx
        .eventBus()
        .publish(
            Addresses.CONFIG_CHANGED,
            config("downloads.keepEnded", "1s"),
            new DeliveryOptions().setLocalOnly(true));

    await().atMost(WAIT).until(() -> notFound(Addresses.DOWNLOADS_GET, failed));
    assertThat(SupervisorHarness.aria2Pid(vertx)).as("aria2c was not restarted").isEqualTo(aria2);
  }

  /** Whether a request for {@code id} fails NOT_FOUND (any other failure is thrown). */
  private boolean notFound(String address, String id) throws Exception {
    return SupervisorHarness.await(
        stack
            .send(address, new JsonObject().put("id", id))
            .transform(
                ar -> {
                  if (ar.succeeded()) {
                    return Future.succeededFuture(false);
                  }
                  return ar.cause() instanceof ReplyException r
                          && r.failureCode() == ErrorCode.NOT_FOUND.code()
                      ? Future.succeededFuture(true)
                      : Future.failedFuture(ar.cause());
                }));
  }

  private JsonObject missingFile(String name) {
    return new JsonObject()
        .put("uris", new JsonArray().add("http://127.0.0.1:" + files.port() + "/files/" + name));
  }

  @Test
  void autoRetryOffFailsATransientErrorAtOnce() throws Exception {
    files.addRandomFile("busy.bin", 1024, 4);
    files.fail503("busy.bin", 1);
    stack.deployStack(config("downloads.autoRetry", "false"));

    JsonObject failed = stack.awaitStatus(add("busy.bin").getString("id"), "failed", WAIT);

    assertThat(failed.getInteger("errorCode")).isEqualTo(29);
    assertThat(failed.getJsonObject("retry").getInteger("count")).isZero();
  }

  @Test
  void aManualRetryOfAFailedDownloadResumesIt() throws Exception {
    String sha = files.addRandomFile("later.bin", 64 * 1024, 5);
    files.fail503("later.bin", 1);
    stack.deployStack(config("downloads.maxRetries", "0"));
    JsonObject added = add("later.bin");
    stack.awaitStatus(added.getString("id"), "failed", WAIT);

    JsonObject retried =
        stack.request(Addresses.DOWNLOADS_RETRY, new JsonObject().put("id", added.getString("id")));

    assertThat(retried.getString("gid")).isNotEqualTo(added.getString("gid"));
    stack.awaitStatus(added.getString("id"), "complete", WAIT);
    assertThat(sha256Of("later.bin")).isEqualTo(sha);
    ReplyException again =
        stack.failure(Addresses.DOWNLOADS_RETRY, new JsonObject().put("id", added.getString("id")));
    assertThat(again.failureCode()).isEqualTo(ErrorCode.CONFLICT.code());
  }

  @Test
  void killingAria2MidDownloadResumesWithRangeUnderTheSameId() throws Exception {
    String sha = files.addRandomFile("big.bin", 4 << 20, 6);
    files.throttle(2 << 20);
    stack.deployStack(config());
    JsonObject added = add("big.bin");
    String id = added.getString("id");
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> stack.get(id).getLong("completedLength") > 1 << 20);
    // Resuming needs aria2 to have recorded its progress (session and control file, saved every
    // second); the session naming our GID shows that save happened.
    Path session = root.resolve("data/aria2.session");
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Files.readString(session).contains(added.getString("gid")));
    long pid = stack.request(Addresses.SUPERVISOR_STATUS, new JsonObject()).getLong("pid");
    int rangesBefore = files.rangeRequests();

    Signals.kill9(pid);

    JsonObject done = stack.awaitStatus(id, "complete", WAIT);
    assertThat(sha256Of("big.bin")).isEqualTo(sha);
    assertThat(files.rangeRequests()).isGreaterThan(rangesBefore);
    assertThat(done.getString("id")).isEqualTo(id);
    assertThat(stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getJsonArray("downloads"))
        .hasSize(1);
  }

  @Test
  void killingAria2BeforeItSavedAnythingStillCompletesWithTheRightDigest() throws Exception {
    String sha = files.addRandomFile("early.bin", 2 << 20, 13);
    files.throttle(1 << 20);
    stack.deployStack(config());
    JsonObject added = add("early.bin");
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> stack.get(added.getString("id")).getLong("completedLength") > 0);

    Signals.kill9(stack.request(Addresses.SUPERVISOR_STATUS, new JsonObject()).getLong("pid"));

    stack.awaitStatus(added.getString("id"), "complete", WAIT);
    assertThat(sha256Of("early.bin")).isEqualTo(sha);
    assertThat(Files.list(root.resolve("downloads")).map(p -> p.getFileName().toString()).toList())
        .containsExactly("early.bin");
  }

  /**
   * Deploys, adds a slow 8 MiB download and waits until aria2's session (saved every second) names
   * its GID: from then on an aria2c started from that session brings the download back.
   */
  private JsonObject addSlowDownloadUntilTheSessionHasIt(String name, long seed) throws Exception {
    files.addRandomFile(name, 8 << 20, seed);
    files.throttle(256 * 1024);
    stack.deployStack(config());
    JsonObject added = add(name);
    Path session = root.resolve("data/aria2.session");
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Files.readString(session).contains(added.getString("gid")));
    return added;
  }

  /**
   * Waits until aria2 has stopped or forgotten {@code gid}, and {@code name} and its control file
   * are gone.
   */
  private void awaitStoppedAndFilesGone(String gid, String name) throws Exception {
    Aria2Rpc rpc = SupervisorHarness.rpc(vertx);
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              String status = aria2Status(rpc, gid);
              return status == null || status.equals("removed");
            });
    // A download aria2 brought back writes its file, and its control file when it is stopped
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                !Files.exists(root.resolve("downloads").resolve(name))
                    && !Files.exists(root.resolve("downloads").resolve(name + ".aria2")));
  }

  @Test
  void aRemovedDownloadThatAria2RestoresFromAnOlderSessionIsStoppedAgainAndWhatItWroteDeleted()
      throws Exception {
    JsonObject added = addSlowDownloadUntilTheSessionHasIt("gone.bin", 14);
    String gid = added.getString("gid");
    long pid = SupervisorHarness.aria2Pid(vertx);

    stack.request(
        Addresses.DOWNLOADS_REMOVE,
        new JsonObject().put("id", added.getString("id")).put("deleteFiles", true));
    Signals.kill9(pid);

    await()
        .atMost(WAIT)
        .until(
            () -> {
              JsonObject st = stack.request(Addresses.SUPERVISOR_STATUS, new JsonObject());
              return "RUNNING".equals(st.getString("state")) && st.getLong("pid") != pid;
            });
    awaitStoppedAndFilesGone(gid, "gone.bin");
    assertThat(stack.get(added.getString("id")).getString("status")).isEqualTo("removed");
    assertThat(stack.transitions(added.getString("id"))).containsOnlyOnce("removed");
  }

  @Test
  void aDownloadRemovedWithItsFilesStaysDeletedWhenAria2BringsItBackAfterARestart()
      throws Exception {
    JsonObject added = addSlowDownloadUntilTheSessionHasIt("old.bin", 24);
    String id = added.getString("id");
    Path session = root.resolve("data/aria2.session");
    String older = Files.readString(session);
    stack.request(
        Addresses.DOWNLOADS_REMOVE, new JsonObject().put("id", id).put("deleteFiles", true));
    stack.undeploy();

    // What a crash of the whole process can leave: aria2's session from before the removal, the
    // registry after it
    Files.writeString(session, older);
    stack.deployStack(config());

    awaitStoppedAndFilesGone(added.getString("gid"), "old.bin");
    assertThat(stack.get(id).getString("status")).isEqualTo("removed");
  }

  @Test
  void itsOwnPartialFileWithoutAControlFileIsDeletedAndTheDownloadStartsOver() throws Exception {
    // What aria2c leaves when it is killed after creating the file and before its first control
    // file save: aria2 then refuses the download restored from its session (error 13).
    String sha = files.addRandomFile("own.bin", 256 * 1024, 21);
    stack.deployStack(config());
    JsonObject added =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("own.bin")))
                .put("out", "own.bin")
                .put("options", new JsonObject().put("pause", "true")));
    Path partial = root.resolve("downloads/own.bin");
    Files.write(partial, new byte[256 * 1024]);

    stack.request(Addresses.DOWNLOADS_RESUME, new JsonObject().put("id", added.getString("id")));

    JsonObject done = stack.awaitStatus(added.getString("id"), "complete", WAIT);
    assertThat(sha256Of("own.bin")).isEqualTo(sha);
    assertThat(done.getJsonObject("retry").getInteger("count")).isEqualTo(1);
    assertThat(stack.transitions(added.getString("id"))).contains("retrying");
  }

  @Test
  void aDownloadFromAServerThatCannotResumeStartsOverAfterAPause() throws Exception {
    String sha = files.addRandomFile("whole.bin", 2 << 20, 22);
    files.ignoreRanges("whole.bin");
    files.throttle(1 << 20);
    stack.deployStack(config());
    String id = add("whole.bin").getString("id");
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> stack.get(id).getLong("completedLength") > 256 * 1024);
    stack.request(Addresses.DOWNLOADS_PAUSE, new JsonObject().put("id", id));
    files.throttle(0);

    // aria2 can only resume from where it was with a Range request; this server ignores them
    stack.request(Addresses.DOWNLOADS_RESUME, new JsonObject().put("id", id));

    JsonObject done = stack.awaitStatus(id, "complete", WAIT);
    assertThat(sha256Of("whole.bin")).isEqualTo(sha);
    assertThat(done.getJsonObject("retry").getInteger("count")).isEqualTo(1);
    assertThat(Files.list(root.resolve("downloads")).map(p -> p.getFileName().toString()).toList())
        .containsExactly("whole.bin");
  }

  @Test
  void aFileThatWasThereBeforeTheDownloadIsNeverOverwritten() throws Exception {
    files.addRandomFile("mine.bin", 64 * 1024, 22);
    Path mine = Files.createDirectories(root.resolve("downloads")).resolve("mine.bin");
    Files.writeString(mine, "the user's own file");
    Files.setLastModifiedTime(mine, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
    stack.deployStack(config());

    String id = add("mine.bin").getString("id");
    JsonObject failed = stack.awaitStatus(id, "failed", WAIT);

    assertThat(failed.getInteger("errorCode")).isEqualTo(13);
    assertThat(Files.readString(mine)).isEqualTo("the user's own file");
    assertThat(failed.getJsonObject("retry").getInteger("count")).isZero();

    // A manual retry with the file still there fails the same way: aria2 is not told to continue
    // it as if it were a partial download.
    stack.request(Addresses.DOWNLOADS_RETRY, new JsonObject().put("id", id));
    await()
        .atMost(WAIT)
        .until(
            () ->
                stack.get(id).getJsonObject("retry").getInteger("count") == 1
                    && stack.get(id).getString("status").equals("failed"));
    assertThat(stack.get(id).getInteger("errorCode")).isEqualTo(13);
    assertThat(Files.readString(mine)).isEqualTo("the user's own file");
  }

  @Test
  void aStopAndStartKeepsTheRegistryAndResumesDownloads() throws Exception {
    String sha = files.addRandomFile("resume.bin", 2 << 20, 7);
    files.addRandomFile("paused.bin", 1024, 8);
    files.throttle(1 << 20);
    stack.deployStack(config());
    String running = add("resume.bin").getString("id");
    JsonObject paused =
        stack.request(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(files.url("paused.bin")))
                .put("options", new JsonObject().put("pause", "true")));
    await().atMost(WAIT).until(() -> stack.get(running).getLong("completedLength") > 256 * 1024);

    stack.undeploy();
    files.throttle(0);
    stack.deployStack(config());

    stack.awaitStatus(running, "complete", WAIT);
    assertThat(sha256Of("resume.bin")).isEqualTo(sha);
    JsonObject stillPaused = stack.get(paused.getString("id"));
    assertThat(stillPaused.getString("status")).isEqualTo("paused");
    assertThat(stillPaused.getString("gid")).isEqualTo(paused.getString("gid"));
  }

  @Test
  void aBatchOfAHundredSmallFilesFinishesWithRightCounts() throws Exception {
    JsonArray items = new JsonArray();
    for (int i = 0; i < 100; i++) {
      files.addRandomFile("f" + i, 2048 + i, 100 + i);
      items.add(
          new JsonObject()
              .put("uris", new JsonArray().add(files.url("f" + i)))
              .put("out", "f" + i));
    }
    items.add(
        new JsonObject()
            .put("uris", new JsonArray().add("http://127.0.0.1:" + files.port() + "/files/nope")));
    stack.deployStack(config());

    JsonObject batch =
        stack.request(
            Addresses.BATCHES_ADD, new JsonObject().put("items", items).put("dir", "batch1"));

    assertThat(batch.getJsonArray("downloads")).hasSize(101);
    String id = batch.getString("id");
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                stack
                    .request(Addresses.BATCHES_GET, new JsonObject().put("id", id))
                    .getBoolean("done"));
    JsonObject stats = stack.request(Addresses.BATCHES_GET, new JsonObject().put("id", id));
    assertThat(stats.getInteger("total")).isEqualTo(101);
    assertThat(stats.getInteger("complete")).isEqualTo(100);
    assertThat(stats.getInteger("failed")).isEqualTo(1);
    assertThat(stats.getInteger("percent")).isEqualTo(99);
    assertThat(Files.list(root.resolve("downloads/batch1")).count()).isEqualTo(100);
    await()
        .atMost(WAIT)
        .until(
            () -> stack.batchEvents().stream().anyMatch(e -> e.getString("type").equals("done")));
    assertThat(stack.batchEvents().stream().filter(e -> e.getString("type").equals("done")))
        .hasSize(1);
    assertThat(
            stack
                .request(Addresses.DOWNLOADS_LIST, new JsonObject().put("batchId", id))
                .getJsonArray("downloads"))
        .hasSize(101);
  }

  @Test
  void aRepeatedRequestIdAddsOneDownload() throws Exception {
    files.addRandomFile("once.bin", 1024, 9);
    stack.deployStack(config());
    JsonObject body =
        new JsonObject()
            .put("uris", new JsonArray().add(files.url("once.bin")))
            .put("requestId", "client-42");

    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      replies.add(stack.send(Addresses.DOWNLOADS_ADD, body));
    }
    List<String> ids = new ArrayList<>();
    for (Future<JsonObject> f : replies) {
      ids.add(SupervisorHarness.await(f).getString("id"));
    }

    assertThat(ids).containsOnly(ids.get(0));
    assertThat(stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getJsonArray("downloads"))
        .hasSize(1);
  }

  @Test
  void pauseResumeAndRemoveWithFilesLeavesNoControlFileOnceAria2HasStopped() throws Exception {
    files.addRandomFile("slow.bin", 64 << 20, 10);
    files.throttle(256 * 1024);
    stack.deployStack(config());
    String id = add("slow.bin").getString("id");
    stack.awaitStatus(id, "active", WAIT);

    assertThat(
            stack
                .request(Addresses.DOWNLOADS_PAUSE, new JsonObject().put("id", id))
                .getString("status"))
        .isEqualTo("paused");
    // "active" when aria2's notification that it started again overtook the answer to unpause
    assertThat(
            stack
                .request(Addresses.DOWNLOADS_RESUME, new JsonObject().put("id", id))
                .getString("status"))
        .isIn("waiting", "active");
    stack.awaitStatus(id, "active", WAIT);
    // aria2 writes the control file of an unfinished download when it actually stops it, after
    // forceRemove has answered; megabytes in its disk cache to flush first make that later
    files.throttle(16 << 20);
    await().atMost(WAIT).until(() -> stack.get(id).getLong("completedLength") > 8 << 20);

    JsonObject removed =
        stack.request(
            Addresses.DOWNLOADS_REMOVE, new JsonObject().put("id", id).put("deleteFiles", true));

    assertThat(removed.getString("status")).isEqualTo("removed");
    // Once aria2 has forgotten the GID it has stopped the download: the files must still be gone
    Aria2Rpc rpc = SupervisorHarness.rpc(vertx);
    String gid = removed.getString("gid");
    await().atMost(Duration.ofSeconds(5)).until(() -> aria2Status(rpc, gid) == null);
    assertThat(root.resolve("downloads/slow.bin")).doesNotExist();
    assertThat(root.resolve("downloads/slow.bin.aria2")).doesNotExist();
    assertThat(stack.get(id).getString("status")).isEqualTo("removed");
    assertThat(
            stack.failure(Addresses.DOWNLOADS_PAUSE, new JsonObject().put("id", id)).failureCode())
        .isEqualTo(ErrorCode.CONFLICT.code());
  }

  /**
   * Holds the manual retry of a failed download on its way to aria2 (aria2c stopped with SIGSTOP),
   * sends {@code address} for the download while it is held, lets aria2c go on, and returns the
   * retry's answer (which names the new GID) and the command's answer.
   */
  private List<JsonObject> commandWhileARetryIsOnItsWay(
      String name, String address, JsonObject body) throws Exception {
    files.addRandomFile(name, 16 << 20, 23);
    files.fail503(name, 1);
    files.throttle(256 * 1024);
    // aria2c is held stopped on purpose: no hang detection meanwhile
    stack.deployStack(config("downloads.maxRetries", "0", "supervisor.failureThreshold", "100"));
    String id = add(name).getString("id");
    stack.awaitStatus(id, "failed", WAIT);
    long pid = SupervisorHarness.aria2Pid(vertx);

    Signals.stop(pid);
    Future<JsonObject> retry;
    Future<JsonObject> command;
    try {
      retry = stack.send(Addresses.DOWNLOADS_RETRY, new JsonObject().put("id", id));
      await().atMost(WAIT).until(() -> stack.get(id).getString("status").equals("retrying"));
      command = stack.send(address, body.copy().put("id", id));
      // The downloads verticle handles requests in order: this answer comes after the command's
      // handler ran
      stack.get(id);
    } finally {
      Signals.cont(pid);
    }
    return List.of(SupervisorHarness.await(retry), SupervisorHarness.await(command));
  }

  @Test
  void aPauseWhileARetryIsOnItsWayToAria2PausesItThereOnceItArrives() throws Exception {
    List<JsonObject> answers =
        commandWhileARetryIsOnItsWay("held.bin", Addresses.DOWNLOADS_PAUSE, new JsonObject());

    String id = answers.get(1).getString("id");
    String gid = answers.get(0).getString("gid");
    assertThat(answers.get(1).getString("status")).isEqualTo("paused");
    assertThat(aria2Status(SupervisorHarness.rpc(vertx), gid)).isEqualTo("paused");
    assertThat(stack.get(id).getString("status")).isEqualTo("paused");
    await().atMost(WAIT).until(() -> stack.transitions(id).contains("paused"));
    assertThat(stack.transitions(id)).endsWith("paused");
  }

  @Test
  void aRemovalWhileARetryIsOnItsWayToAria2StopsItThereAndDeletesItsFiles() throws Exception {
    List<JsonObject> answers =
        commandWhileARetryIsOnItsWay(
            "dropped.bin", Addresses.DOWNLOADS_REMOVE, new JsonObject().put("deleteFiles", true));

    String id = answers.get(1).getString("id");
    String gid = answers.get(0).getString("gid");
    assertThat(answers.get(1).getString("status")).isEqualTo("removed");
    Aria2Rpc rpc = SupervisorHarness.rpc(vertx);
    await().atMost(Duration.ofSeconds(5)).until(() -> aria2Status(rpc, gid) == null);
    assertThat(root.resolve("downloads/dropped.bin")).doesNotExist();
    assertThat(root.resolve("downloads/dropped.bin.aria2")).doesNotExist();
    assertThat(stack.get(id).getString("status")).isEqualTo("removed");
    await().atMost(WAIT).until(() -> stack.transitions(id).contains("removed"));
    assertThat(stack.transitions(id)).endsWith("removed");
  }

  @Test
  void requestsWaitDuringARestartAndFailFastWhenStopped() throws Exception {
    files.addRandomFile("during.bin", 1024, 11);
    stack.deployStack(config());
    long pid = stack.request(Addresses.SUPERVISOR_STATUS, new JsonObject()).getLong("pid");

    Signals.kill9(pid);
    JsonObject added = add("during.bin");

    assertThat(added.getString("status")).isIn("waiting", "active", "complete");
    stack.awaitStatus(added.getString("id"), "complete", WAIT);

    stack.request(Addresses.SUPERVISOR_STOP, new JsonObject());
    long t0 = System.nanoTime();
    ReplyException down =
        stack.failure(
            Addresses.DOWNLOADS_ADD,
            new JsonObject().put("uris", new JsonArray().add(files.url("during.bin"))));
    assertThat(down.failureCode()).isEqualTo(ErrorCode.NOT_RUNNING.code());
    assertThat(down.getMessage()).contains("not running");
    assertThat((System.nanoTime() - t0) / 1_000_000).as("fails fast").isLessThan(1000);
    assertThat(stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getJsonArray("downloads"))
        .hasSize(1);
  }

  @Test
  void progressEventsCarryOnlyWhatChangedAndStopWhenIdle() throws Exception {
    files.addRandomFile("prog.bin", 1 << 20, 12);
    files.throttle(512 * 1024);
    stack.deployStack(config());
    String id = add("prog.bin").getString("id");
    stack.awaitStatus(id, "complete", WAIT);
    await().atMost(WAIT).until(() -> !stack.progressEvents().isEmpty());
    JsonObject some = stack.progressEvents().get(0);
    assertThat(some.getJsonArray("downloads").getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(some.getJsonObject("global").containsKey("downloadSpeed")).isTrue();

    int afterDone = stack.progressEvents().size();
    // nothing is active: for five progress intervals no event may appear
    await()
        .during(Duration.ofMillis(1000))
        .atMost(WAIT)
        .until(() -> stack.progressEvents().size() == afterDone);
  }

  @Test
  void badInputIsRejectedNamingTheFieldAndNothingIsAdded() throws Exception {
    stack.deployStack(config());
    Files.createSymbolicLink(root.resolve("downloads/escape"), Path.of("/tmp"));
    String ok = "http://127.0.0.1:" + files.port() + "/files/x";
    Object[][] cases = {
      {new JsonObject(), "uris"},
      {new JsonObject().put("uris", "http://x/y"), "uris"},
      {new JsonObject().put("uris", new JsonArray()), "uris"},
      {new JsonObject().put("uris", new JsonArray().add("file:///etc/passwd")), "uris[0]"},
      {new JsonObject().put("uris", new JsonArray().add(42)), "uris[0]"},
      {new JsonObject().put("uris", new JsonArray().add("javascript:alert(1)")), "uris[0]"},
      {new JsonObject().put("uris", new JsonArray().add(ok)).put("dir", "../outside"), "dir"},
      {new JsonObject().put("uris", new JsonArray().add(ok)).put("dir", "/etc"), "dir"},
      {new JsonObject().put("uris", new JsonArray().add(ok)).put("dir", "escape/inside"), "dir"},
      {new JsonObject().put("uris", new JsonArray().add(ok)).put("out", "../x"), "out"},
      {new JsonObject().put("uris", new JsonArray().add(ok)).put("out", "a/b"), "out"},
      {
        new JsonObject()
            .put("uris", new JsonArray().add(ok))
            .put("options", new JsonObject().put("dir", "/")),
        "options.dir"
      },
      {
        new JsonObject()
            .put("uris", new JsonArray().add(ok))
            .put("options", new JsonObject().put("rpc-secret", "x")),
        "options.rpc-secret"
      },
      {
        new JsonObject()
            .put("uris", new JsonArray().add(ok))
            .put("options", new JsonObject().put("user-agent", "a\nb")),
        "options.user-agent"
      },
      {new JsonObject().put("uris", new JsonArray().add(ok)).put("color", "red"), "color"},
    };
    for (Object[] c : cases) {
      ReplyException e = stack.failure(Addresses.DOWNLOADS_ADD, (JsonObject) c[0]);
      assertThat(e.failureCode()).as(c[0].toString()).isEqualTo(ErrorCode.BAD_REQUEST.code());
      assertThat(e.getMessage()).as(c[0].toString()).startsWith(c[1] + ":");
    }
    JsonArray items =
        new JsonArray()
            .add(new JsonObject().put("uris", new JsonArray().add(ok)))
            .add(new JsonObject().put("uris", new JsonArray().add("gopher://x/")));
    assertThat(
            stack.failure(Addresses.BATCHES_ADD, new JsonObject().put("items", items)).getMessage())
        .startsWith("items[1].uris[0]:");
    assertThat(
            stack
                .failure(Addresses.DOWNLOADS_GET, new JsonObject().put("id", "nope"))
                .failureCode())
        .isEqualTo(ErrorCode.NOT_FOUND.code());
    assertThat(
            stack
                .failure(Addresses.DOWNLOADS_LIST, new JsonObject().put("status", "sleeping"))
                .getMessage())
        .startsWith("status:");
    // An allowed option with a value aria2 would refuse is a 400 that says what aria2 wants
    // (aria2 itself only says "We encountered a problem while processing the option"), and leaves
    // nothing behind.
    ReplyException refused =
        stack.failure(
            Addresses.DOWNLOADS_ADD,
            new JsonObject()
                .put("uris", new JsonArray().add(ok))
                .put("options", new JsonObject().put("split", "many")));
    assertThat(refused.failureCode()).isEqualTo(ErrorCode.BAD_REQUEST.code());
    assertThat(refused.getMessage()).isEqualTo("options.split: must be a whole number from 1 up");

    assertThat(stack.request(Addresses.DOWNLOADS_LIST, new JsonObject()).getJsonArray("downloads"))
        .isEmpty();
  }
}
