package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.config.AppConfig;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.request.DownloadRequest;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.testing.FakeAria2;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
  private static final AppConfig.Downloads CONFIG =
      new AppConfig.Downloads(
          true,
          3,
          Duration.ofSeconds(30),
          Duration.ofSeconds(1),
          Set.of(1, 2, 6),
          Duration.ZERO,
          1.0,
          Duration.ofHours(1));

  @TempDir Path root;
  private Context ctx;
  private FakeAria2 aria2;
  private RegistryStore store;
  private DownloadManager manager;
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    ctx = vertx.getOrCreateContext();
    aria2 = new FakeAria2();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_DOWNLOAD, m -> events.add(m.body()));
    store = on(() -> RegistryStore.open(vertx, root));
    TorrentStore torrents = TorrentStore.open(root.resolve("data"));
    on(
        () -> {
          manager =
              new DownloadManager(
                  vertx,
                  aria2,
                  store,
                  CONFIG,
                  new DownloadEvents(vertx.eventBus()),
                  root,
                  Metrics.standalone(),
                  torrents);
          return Future.succeededFuture();
        });
  }

  @AfterEach
  void tearDown() throws Exception {
    on(() -> store.close());
  }

  /** Runs {@code action} on the manager's event loop and waits for its future. */
  private <T> T on(Supplier<Future<T>> action) throws Exception {
    return SupervisorHarness.on(ctx, action);
  }

  /** Runs {@code action} on the event loop, and waits until it and the tasks it queued are done. */
  private void run(Runnable action) throws Exception {
    CompletableFuture<Void> out = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          action.run();
          ctx.runOnContext(w -> out.complete(null));
        });
    out.get(10, TimeUnit.SECONDS);
  }

  private static DownloadRequest request() {
    return new DownloadRequest(List.of("http://127.0.0.1:9/f.bin"), "", "f.bin", Map.of(), null);
  }

  private List<String> typesOf(String id) {
    return events.stream()
        .filter(e -> id.equals(e.getJsonObject("download").getString("id")))
        .map(e -> e.getString("type"))
        .toList();
  }

  private Download added() throws Exception {
    return manager.find(on(() -> manager.adds().add(request())).getString("id"));
  }

  @Test
  void aStatusReachedDuringTheFirstAddIsPublishedAfterAdded() throws Exception {
    aria2.hold("aria2.addUri");
    CompletableFuture<Download> add = new CompletableFuture<>();
    run(
        () ->
            manager
                .adds()
                .add(request())
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
