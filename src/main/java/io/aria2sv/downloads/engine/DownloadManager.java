package io.aria2sv.downloads.engine;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.config.AppConfig;
import io.aria2sv.downloads.registry.Registry;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.registry.StoredDownload;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * The downloads engine, wired: it builds the parts that keep every download moving and hands them
 * to the downloads verticle. Adds go through {@link AddPipeline}, commands through {@link
 * DownloadCommands}, aria2's reports through {@link StatusApplier} and {@link Reconciler}, re-adds
 * through {@link ReAdds}. The ordering between them lives in {@link Transitions} (first add),
 * {@link CommandFence} (commands against status reads) and {@link AddsInFlight} (re-adds against
 * commands). Confined to the downloads verticle's event loop; blocking work goes through {@link
 * RegistryStore} and {@link DownloadFiles}.
 */
public final class DownloadManager {
  private final DownloadIndex index;
  private final DownloadJson json;
  private final Aria2Side aria2;
  private final ReAdds reAdds;
  private final StatusApplier applier;
  private final DownloadCommands commands;
  private final BulkCommands bulk;
  private final Reconciler reconciler;
  private final FileListing files;
  private final Forgetting forgetting;
  private final AddPipeline adds;
  private final Completions completions;
  private final Transitions transitions;
  private final Window window;
  private final RegistryStore store;
  private final ColdTier cold;
  private final ColdQueue coldQueue;
  private final WholeQueue queue;

  /** The engine over {@code rpc} and {@code store}, for downloads under {@code root}. */
  public DownloadManager(
      Vertx vertx,
      Aria2 rpc,
      RegistryStore store,
      AppConfig.Downloads config,
      DownloadEvents events,
      Path root,
      Metrics metrics,
      TorrentStore torrents) {
    this.store = store;
    AddsInFlight inFlight = new AddsInFlight();
    // commands and status reads go in multicalls: a bulk action on thousands is a few requests
    Aria2 batched = new BatchingAria2(vertx.getOrCreateContext(), rpc);
    CommandFence fence = new CommandFence(batched);
    DownloadFiles downloadFiles = new DownloadFiles(vertx, root);
    this.index = new DownloadIndex(metrics);
    this.cold = new ColdTier(vertx, index, store, config.coldAfter());
    this.coldQueue = new ColdQueue(index, store, config.queueInMemory());
    this.queue = new WholeQueue(index, cold, store);
    this.aria2 = new Aria2Side(vertx, batched, fence, root, torrents, index.queue());
    aria2.seeding(config.seedRatio(), config.seedTime());
    RetryDecider decider = new RetryDecider(config);
    this.json = new DownloadJson(torrents, events.node(), decider);
    this.transitions = new Transitions(index, store, events, json::of);
    this.window =
        new Window(vertx, rpc, index, aria2, transitions, inFlight, config.windowMargin());
    transitions.window(window::kick);
    window.beforeFill(coldQueue::topUp);
    coldQueue.onRefilled(window::kick);
    this.forgetting = new Forgetting(index, transitions, store, events);
    this.reAdds =
        new ReAdds(
            vertx, index, transitions, aria2, inFlight, store, downloadFiles, metrics, decider);
    MagnetFollower magnets =
        new MagnetFollower(vertx, index, transitions, aria2, inFlight, torrents);
    this.applier = new StatusApplier(index, transitions, reAdds, aria2, fence, magnets);
    this.commands =
        new DownloadCommands(
            index, store, transitions, reAdds, aria2, fence, inFlight, downloadFiles, queue);
    this.bulk = new BulkCommands(index, commands, cold, coldQueue);
    this.reconciler =
        new Reconciler(
            rpc, index, transitions, applier, aria2, fence, inFlight, reAdds, commands, cold);
    this.files = new FileListing(rpc, root);
    this.adds =
        new AddPipeline(
            index,
            store,
            aria2,
            window,
            transitions,
            inFlight,
            forgetting,
            events,
            json,
            cold,
            coldQueue);
    this.completions =
        new Completions(
            vertx,
            transitions,
            store,
            root,
            torrents,
            d ->
                index.all().stream()
                    .anyMatch(
                        o ->
                            o != d
                                && d.request.torrent().equals(o.request.torrent())
                                && !o.status.terminal()));
    transitions.onComplete(completions::begin);
    store.rebuildFrom(() -> RegistryRows.everything(index));
  }

  /**
   * Loads what the registry holds: batch rows, the downloads that are not cold and their failed
   * attempts, and the counts of the cold ones ({@code tallies}, by batch and status) with the
   * highest {@code seq} given; then ended downloads start to go cold in turn.
   */
  public void load(
      List<Download> restored,
      List<Registry.RecordRetry> retries,
      List<JsonObject> batchRows,
      List<io.aria2sv.downloads.registry.ColdRows.Tally> tallies,
      long maxSeq,
      Long[] queueBounds) {
    cold.loaded(tallies, maxSeq);
    List<Download> placed = RegistryRows.load(index, restored, retries, batchRows);
    coldQueue.queueLoaded(queueBounds[0], queueBounds[1]);
    cold.start();
    // Rows of an earlier version: the places of those not ended are kept from now on. An ended one
    // gets its place again at each start (after every placed download) and keeps it once it is
    // stored again (a retry): a registry with a long history is not rewritten at every start.
    List<StoredDownload> queued =
        placed.stream().filter(d -> !d.status.terminal()).map(Download::stored).toList();
    if (!queued.isEmpty()) {
      store.update(queued);
    }
  }

  /**
   * The downloads of the registry rows {@code stored}, for {@link #load}: parsing only, to be run
   * on a worker thread (a million rows take seconds).
   */
  public static List<Download> restore(List<StoredDownload> stored) {
    return RegistryRows.restore(stored);
  }

  /**
   * Moves of complete downloads go under {@code finishedRoot}, then {@code command} runs; steps cut
   * short run again.
   */
  public void finishIn(Path finishedRoot, List<String> command, java.time.Duration commandTimeout) {
    completions.finishedRoot(finishedRoot);
    completions.command(command, commandTimeout);
    completions.resume(index.all());
  }

  /**
   * Webhook messages of every later transition go into the outbox with it; {@code written} is told
   * once they are committed.
   */
  public void webhooks(io.aria2sv.downloads.completion.Webhooks webhooks, Runnable written) {
    transitions.outbox(
        (event, json) -> webhooks.messages(event, json, System.currentTimeMillis()), written);
  }

  /** Runs a download's failed completion step again. */
  public Future<Download> retryCompletion(Download d) {
    return completions.retry(d);
  }

  /**
   * The download with our {@code id} held in memory (not a cold one: see {@link #resolve}); fails
   * as NOT_FOUND when there is none.
   */
  public Download find(String id) {
    return index.find(id);
  }

  /**
   * The download with our {@code id}, held in memory (a cold one is read back from the registry
   * first), or by any GID it had when {@code id} is null; fails as NOT_FOUND.
   */
  public Future<Download> resolve(String id, String gid) {
    return id == null && gid != null ? cold.resolveGid(gid) : cold.resolve(id);
  }

  /**
   * The download with our {@code id} (or GID), to show: a cold one is read from its row and stays
   * cold.
   */
  public Future<Download> peek(String id, String gid) {
    return id == null && gid != null ? cold.peekGid(gid) : cold.peek(id);
  }

  /** How many downloads there are, cold ones included. */
  public int size() {
    return index.size();
  }

  /**
   * Up to {@code n} of the downloads only the registry holds (cold; not held: to show), in the
   * order they were added, after the one with {@code afterSeq} (null: from the first).
   */
  public Future<List<Download>> coldPage(Long afterSeq, int n) {
    return cold.shown(
        r ->
            io.aria2sv.downloads.registry.ColdRows.page(
                r,
                new io.aria2sv.downloads.registry.ColdRows.Filter(
                    null, null, null, false, afterSeq),
                n));
  }

  /** How many of them have ended and are held by the registry alone (cold). */
  public int coldSize() {
    return index.coldSize();
  }

  /** Makes settled ended downloads cold now, as the next sweep would; how many went. */
  public Future<Integer> sweepCold() {
    return cold.sweep();
  }

  /** One page of the list {@code q} asks for, with how many match in all. */
  public Future<JsonObject> list(io.aria2sv.downloads.request.CommandRequests.ListQuery q) {
    return DownloadQuery.page(index, cold, q, json::of);
  }

  /** Every download, oldest first. */
  public Collection<Download> all() {
    return index.all();
  }

  boolean anyActive() {
    return index.anyActive();
  }

  public Batches batches() {
    return index.batches();
  }

  /** The public shape of {@code d}, built once per change (see {@link DownloadJson}). */
  public JsonObject json(Download d) {
    return json.of(d);
  }

  public AddPipeline adds() {
    return adds;
  }

  public DownloadCommands commands() {
    return commands;
  }

  public BulkCommands bulk() {
    return bulk;
  }

  public Forgetting forgetting() {
    return forgetting;
  }

  public FileListing files() {
    return files;
  }

  /** A WebSocket notification of aria2's about {@code gid}. */
  public void onNotification(String method, String gid) {
    applier.onNotification(method, gid);
  }

  /**
   * Fences this node's downloads ({@code why} non-null: aria2c holds none of them and none is sent,
   * their partial files stay) or lifts the fence (null: the queue runs again, a reconcile first so
   * that re-adds held up by the fence are made).
   */
  public Future<Void> fence(String why) {
    aria2.fence(why);
    window.fence(why);
    return why == null && window.wasReconciled() && aria2.stopped() == null
        ? reconcile().otherwiseEmpty()
        : Future.succeededFuture();
  }

  /** Why this node's downloads are fenced, or null. */
  public String fenced() {
    return window.fenced();
  }

  /**
   * Drops the downloads with {@code ids} that other nodes took over while this one was fenced
   * (those this node no longer knows are skipped): they never run here again.
   *
   * @return how many were dropped
   */
  public Future<Integer> dropTakenOver(Collection<String> ids) {
    List<Future<Download>> found = new java.util.ArrayList<>();
    for (String id : ids) {
      found.add(resolve(id, null).otherwiseEmpty());
    }
    return Future.join(found)
        .transform(
            ar -> {
              List<Download> items = new java.util.ArrayList<>();
              found.forEach(
                  f -> {
                    if (f.succeeded() && f.result() != null) {
                      items.add(f.result());
                    }
                  });
              return forgetting.dropTakenOver(items).map(items.size());
            });
  }

  /** After a (re)connection to aria2; {@link #openWindow} follows. */
  public Future<Void> reconcile() {
    return reconciler.reconcile();
  }

  /** After a reconcile (and a read of aria2c's max-concurrent-downloads): the window fills. */
  public void openWindow() {
    window.reconciled();
  }

  /**
   * {@code num} downloads of the queue (waiting and paused, in order) from {@code offset}
   * (negative: from the end, backwards): {@code {total, downloads:[…]}}.
   */
  public Future<JsonObject> queuePage(int offset, int num) {
    int total = queue.size();
    return queue.page(offset, num).map(page -> listed(page, total));
  }

  /**
   * {@code num} ended downloads from {@code offset} (oldest end first; negative: from the newest,
   * backwards): {@code {total, downloads:[…]}}.
   */
  public Future<JsonObject> stoppedPage(int offset, int num) {
    int coldEnded =
        index.coldCount(io.aria2sv.bus.DownloadStatus.COMPLETE)
            + index.coldCount(io.aria2sv.bus.DownloadStatus.FAILED)
            + index.coldCount(io.aria2sv.bus.DownloadStatus.REMOVED);
    int total = index.queue().stoppedSize() + coldEnded;
    if (coldEnded == 0) {
      return Future.succeededFuture(listed(index.queue().stoppedPage(offset, num), total));
    }
    boolean newestFirst = offset < 0;
    java.util.Comparator<Download> order =
        newestFirst ? DownloadQueue.ENDED.reversed() : DownloadQueue.ENDED;
    MergedPages.ColdCursor rows =
        MergedPages.cursor(
            last ->
                max ->
                    cold.shown(
                        r ->
                            io.aria2sv.downloads.registry.ColdRows.ended(
                                r,
                                newestFirst,
                                last == null ? null : last.updatedAt,
                                last == null ? null : last.id,
                                max)));
    return MergedPages.page(
            new MergedPages.Spec(
                index.queue().stopped(newestFirst),
                rows,
                order,
                d -> true,
                id -> index.byId(id) != null,
                newestFirst ? -offset - 1 : offset,
                num,
                false,
                d -> false))
        .map(p -> listed(p.downloads(), total));
  }

  /** {@code {total, downloads:[…]}} of a page of one of aria2's lists. */
  private JsonObject listed(List<Download> page, int total) {
    io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
    page.forEach(d -> out.add(json.of(d)));
    return new JsonObject().put("total", total).put("downloads", out);
  }

  Transitions transitions() {
    return transitions;
  }

  StatusApplier applier() {
    return applier;
  }

  /** New re-add and seeding settings, for every later decision. */
  public void reconfigure(AppConfig.Downloads next) {
    RetryDecider decider = new RetryDecider(next);
    reAdds.reconfigure(decider);
    json.reconfigure(decider);
    aria2.seeding(next.seedRatio(), next.seedTime());
    window.margin(next.windowMargin());
    cold.reconfigure(next.coldAfter());
    coldQueue.queueInMemory(next.queueInMemory());
  }

  /** Fills aria2c's window, if it has room (an add that failed on a time-out is tried again). */
  public void fill() {
    window.kick();
  }

  /** aria2c's {@code max-concurrent-downloads} now: the window is sized after it. */
  public void maxConcurrent(int n) {
    window.maxConcurrent(n);
  }

  public void stop() {
    cold.stop();
    reAdds.stop();
    index.leaveGauges();
  }
}
