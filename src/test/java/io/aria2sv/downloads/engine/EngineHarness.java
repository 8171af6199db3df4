package io.aria2sv.downloads.engine;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.Addresses;
import io.aria2sv.config.AppConfig;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.request.DownloadRequest;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.testing.FakeAria2;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The downloads engine on one event loop against a {@link FakeAria2} and a real registry in a
 * temporary directory: what the engine's unit tests share. Everything the engine does runs on the
 * harness's context ({@link #on}, {@link #run}); events published on the bus are collected. No
 * aria2c runs here: torrents and magnets go to the fake, so there is no DHT, local peer discovery
 * or peer exchange to turn off, and nothing can leave 127.0.0.0/8. (Every real aria2c of the tests
 * runs with {@link io.aria2sv.testing.TestConfig#LOOPBACK_ONLY}: enable-dht, enable-dht6,
 * bt-enable-lpd and enable-peer-exchange false.)
 */
final class EngineHarness {
  /** Automatic re-adds on (for aria2 errors 1, 2 and 6), 3 at most, after 30 s; seeding 1.0/1 h. */
  static final AppConfig.Downloads CONFIG =
      new AppConfig.Downloads(
          true,
          3,
          Duration.ofSeconds(30),
          Duration.ofSeconds(1),
          Set.of(1, 2, 6),
          Duration.ZERO,
          1.0,
          Duration.ofHours(1),
          -1,
          Duration.ofMinutes(1),
          10_000);

  final Context ctx;
  final FakeAria2 aria2 = new FakeAria2();
  final RegistryStore store;
  final DownloadManager manager;
  final List<JsonObject> events = new CopyOnWriteArrayList<>();
  final DownloadEvents downloadEvents;

  EngineHarness(Vertx vertx, Path root) throws Exception {
    this(vertx, root, CONFIG);
  }

  EngineHarness(Vertx vertx, Path root, AppConfig.Downloads config) throws Exception {
    ctx = vertx.getOrCreateContext();
    // on the engine's own event loop, so an event is collected within the turns run() waits for
    on(
        () ->
            vertx
                .eventBus()
                .<JsonObject>consumer(Addresses.EVENTS_DOWNLOAD, m -> events.add(m.body()))
                .completion());
    store = on(() -> RegistryStore.open(vertx, root));
    downloadEvents = new DownloadEvents(vertx.eventBus());
    TorrentStore torrents = TorrentStore.open(root.resolve("data"));
    manager =
        on(
            () ->
                Future.succeededFuture(
                    new DownloadManager(
                        vertx,
                        aria2,
                        store,
                        config,
                        downloadEvents,
                        root,
                        Metrics.standalone(),
                        torrents)));
    // as the downloads verticle does once aria2c answers: the window opens after the reconcile
    on(manager::reconcile);
    run(manager::openWindow);
    aria2.calls().clear();
  }

  /**
   * Runs {@code action} on the engine's event loop and waits for its future, then for what it set
   * off on the turns after (as {@link #run} does): a call sent after the answer, such as the drop
   * of a removed download's result, is with the fake aria2 before the test goes on.
   */
  <T> T on(Supplier<Future<T>> action) throws Exception {
    T result = SupervisorHarness.on(ctx, action);
    run(() -> {});
    return result;
  }

  /** Reads {@code what} on the engine's event loop, where the fake aria2 and the engine live. */
  <T> T read(Supplier<T> what) throws Exception {
    return SupervisorHarness.on(ctx, () -> Future.succeededFuture(what.get()));
  }

  /**
   * Runs {@code action} on the event loop, and waits until it and what it set off are done: the
   * tasks it queued, and theirs, {@value #SETTLE_TURNS} event-loop turns deep (a call to the fake
   * aria2 is sent on the next turn, in a multicall, and its answer applied on that turn; an event
   * is delivered on the turn after its publication).
   */
  void run(Runnable action) throws Exception {
    CompletableFuture<Void> out = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          action.run();
          settle(SETTLE_TURNS, out);
        });
    out.get(10, TimeUnit.SECONDS);
  }

  private static final int SETTLE_TURNS = 8;

  private void settle(int turns, CompletableFuture<Void> out) {
    ctx.runOnContext(
        w -> {
          if (turns <= 1) {
            out.complete(null);
          } else {
            settle(turns - 1, out);
          }
        });
  }

  static DownloadRequest request() {
    return new DownloadRequest(List.of("http://127.0.0.1:9/f.bin"), "", "f.bin", Map.of(), null);
  }

  /** A download added and acknowledged. */
  Download added() throws Exception {
    return manager.find(on(() -> manager.adds().add(request())).getString("id"));
  }

  /** The types of the events published about download {@code id}, in order. */
  List<String> typesOf(String id) {
    return events.stream()
        .filter(e -> id.equals(e.getJsonObject("download").getString("id")))
        .map(e -> e.getString("type"))
        .toList();
  }

  void close() throws Exception {
    on(() -> store.close());
  }
}
