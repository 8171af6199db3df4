package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.testing.FakeAria2;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three orderings of the downloads core, each staged against a {@link FakeAria2} that holds an
 * answer back: the first add ({@link Transitions}), a command crossing a status read ({@link
 * CommandFence}), and a command arriving during a re-add ({@link AddsInFlight}). Each test fails
 * when its mechanism is taken out.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class DownloadOrderingTest {
  @TempDir Path root;
  private EngineHarness h;
  private FakeAria2 aria2;
  private DownloadManager manager;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    h = new EngineHarness(vertx, root);
    aria2 = h.aria2;
    manager = h.manager;
  }

  @AfterEach
  void tearDown() throws Exception {
    h.close();
  }

  private Download added() throws Exception {
    return h.added();
  }

  private void run(Runnable action) throws Exception {
    h.run(action);
  }

  private List<String> typesOf(String id) {
    return h.typesOf(id);
  }

  @Test
  void aStatusReachedDuringTheFirstAddIsPublishedAfterAdded() throws Exception {
    aria2.hold("aria2.addUri");
    CompletableFuture<Download> add = new CompletableFuture<>();
    run(
        () ->
            manager
                .adds()
                .add(EngineHarness.request())
                .map(j -> manager.find(j.getString("id")))
                .onSuccess(add::complete));
    Download d = manager.all().iterator().next();
    aria2.status(d.gid, "active");
    run(() -> manager.onNotification("aria2.onDownloadStart", d.gid));
    aria2.forget(d.gid);
    run(() -> manager.reconcile());
    assertThat(typesOf(d.id)).as("nothing published before the add is acknowledged").isEmpty();
    assertThat(aria2.calls("aria2.addUri")).as("the reconcile leaves a first add alone").hasSize(1);

    run(() -> aria2.release("aria2.addUri"));

    assertThat(add.get(5, TimeUnit.SECONDS).status).isEqualTo(DownloadStatus.ACTIVE);
    // Published events reach the test's consumer on its own event loop, after the add's answer.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(typesOf(d.id)).containsExactly("added", "active"));
  }

  @Test
  void aDownloadShownRunningThatAria2NoLongerRunsIsReadAgainWhenItsNotificationWasLost()
      throws Exception {
    Download d = added();
    aria2.status(d.gid, "active");
    run(() -> manager.onNotification("aria2.onDownloadStart", d.gid));
    assertThat(d.status).isEqualTo(DownloadStatus.ACTIVE);
    aria2.status(
        d.gid,
        "complete",
        "completedLength",
        "10",
        "totalLength",
        "10"); // its onDownloadComplete never arrives

    run(() -> manager.applier().recheckVanished(java.util.Set.of()));
    run(
        () ->
            manager
                .applier()
                .recheckVanished(java.util.Set.of())); // once complete, it is not read again

    assertThat(d.status).isEqualTo(DownloadStatus.COMPLETE);
    assertThat(typesOf(d.id)).containsExactly("added", "active", "complete");
    assertThat(aria2.calls("aria2.tellStatus")).hasSize(2);
  }

  @Test
  void aStatusReadCrossedByAPauseIsReadAgainInsteadOfUndoingThePause() throws Exception {
    Download d = added();
    aria2.status(d.gid, "active");
    aria2.hold("aria2.tellStatus");
    run(() -> manager.onNotification("aria2.onDownloadStart", d.gid)); // reads "active", held

    CompletableFuture<Download> paused = new CompletableFuture<>();
    run(
        () ->
            manager
                .commands()
                .pause(d)
                .onSuccess(paused::complete)); // forcePause answered; its length read held too
    run(
        () ->
            aria2.release(
                "aria2.tellStatus")); // the stale "active" arrives after the pause was sent

    assertThat(paused.get(5, TimeUnit.SECONDS).status).isEqualTo(DownloadStatus.PAUSED);
    assertThat(d.status).isEqualTo(DownloadStatus.PAUSED);
    // the notification's read, the pause's length read, and the notification's read again
    assertThat(aria2.calls("aria2.tellStatus")).as("read again after the pause").hasSize(3);
    assertThat(typesOf(d.id)).containsExactly("added", "paused");
  }

  @Test
  void aPauseDuringARetryWaitsForTheReAddAndThenPausesItInAria2() throws Exception {
    Download d = added();
    aria2.status(d.gid, "error", "errorCode", "3", "errorMessage", "not found");
    run(() -> manager.onNotification("aria2.onDownloadError", d.gid));
    assertThat(d.status).isEqualTo(DownloadStatus.FAILED);

    aria2.hold("aria2.addUri");
    CompletableFuture<Download> retried = new CompletableFuture<>();
    CompletableFuture<Download> paused = new CompletableFuture<>();
    run(() -> manager.commands().retry(d).onSuccess(retried::complete));
    run(() -> manager.commands().pause(d).onSuccess(paused::complete));
    String newGid = d.gid;
    assertThat(aria2.calls("aria2.forcePause"))
        .as("the pause waits for aria2's answer to the re-add")
        .isEmpty();

    run(() -> aria2.release("aria2.addUri"));

    assertThat(paused.get(5, TimeUnit.SECONDS).status).isEqualTo(DownloadStatus.PAUSED);
    assertThat(retried.get(5, TimeUnit.SECONDS).gid).isEqualTo(newGid);
    List<Aria2Call> pauses = aria2.calls("aria2.forcePause");
    assertThat(pauses).extracting(Aria2Call::gid).containsExactly(newGid);
    assertThat(aria2.methods().lastIndexOf("aria2.addUri"))
        .isLessThan(aria2.methods().indexOf("aria2.forcePause"));
  }
}
