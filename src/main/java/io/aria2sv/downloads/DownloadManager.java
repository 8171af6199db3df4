package io.aria2sv.downloads;

import static io.aria2sv.downloads.DownloadStatus.FAILED;
import static io.aria2sv.downloads.DownloadStatus.PAUSED;
import static io.aria2sv.downloads.DownloadStatus.WAITING;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.config.AppConfig;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The downloads service in one place for its verticle: adds (single and batch, durable before they
 * are acknowledged), forgetting, and the doors to the parts that keep every download moving: {@link
 * DownloadCommands}, {@link StatusApplier}, {@link ReAdds}, {@link Reconciler}. It builds and wires
 * those parts; the ordering between them lives in {@link Transitions} (first add), {@link
 * CommandFence} (commands against status reads) and {@link AddsInFlight} (re-adds against
 * commands). Confined to the downloads verticle's event loop; blocking work goes through {@link
 * RegistryStore} and {@link DownloadFiles}.
 */
final class DownloadManager {
  private final DownloadIndex index;
  private final RegistryStore store;
  private final DownloadEvents events;
  private final Transitions transitions;
  private final Aria2Side aria2;
  private final AddsInFlight inFlight = new AddsInFlight();
  private final ReAdds reAdds;
  private final StatusApplier applier;
  private final DownloadCommands commands;
  private final Reconciler reconciler;
  private final FileListing files;
  private final Forgetting forgetting;
  private final TorrentStore torrents;

  DownloadManager(
      Vertx vertx,
      Aria2 rpc,
      RegistryStore store,
      AppConfig.Downloads config,
      DownloadEvents events,
      Path root,
      Metrics metrics,
      TorrentStore torrents) {
    this.index = new DownloadIndex(metrics);
    this.store = store;
    this.events = events;
    this.transitions = new Transitions(index, store, events, this::json);
    this.forgetting = new Forgetting(index, transitions, store, events);
    CommandFence fence = new CommandFence(rpc);
    DownloadFiles files = new DownloadFiles(vertx, root);
    this.aria2 = new Aria2Side(vertx, rpc, fence, root, torrents);
    aria2.seeding(config.seedRatio(), config.seedTime());
    this.reAdds =
        new ReAdds(
            vertx,
            index,
            transitions,
            aria2,
            inFlight,
            store,
            files,
            metrics,
            new RetryDecider(config));
    this.applier =
        new StatusApplier(
            index,
            transitions,
            reAdds,
            aria2,
            fence,
            new MagnetFollower(vertx, index, transitions, aria2, inFlight, torrents));
    this.commands = new DownloadCommands(transitions, reAdds, aria2, fence, inFlight, files);
    this.reconciler =
        new Reconciler(rpc, index, transitions, applier, aria2, fence, inFlight, reAdds, commands);
    this.files = new FileListing(rpc, root);
    this.torrents = torrents;
    store.rebuildFrom(this::everything);
  }

  // ---- loading and lookups ---------------------------------------------------------------------

  void load(List<Download> downloads, List<JsonObject> batchRows) {
    Batches batches = index.batches();
    batchRows.forEach(
        b -> batches.register(b.getString("id"), b.getInteger("total"), b.getLong("createdAt")));
    downloads.forEach(index::add);
    batches.markLoadedDone();
  }

  /** The download with our {@code id}; fails as NOT_FOUND when there is none. */
  Download find(String id) {
    return index.find(id);
  }

  /**
   * The download that has or had {@code gid}; fails as NOT_FOUND (in aria2's words) when there is
   * none.
   */
  Download findByGid(String gid) {
    Download d = index.byGid(gid);
    if (d == null) {
      throw new ServiceException(ErrorCode.NOT_FOUND, "GID " + gid + " is not found");
    }
    return d;
  }

  /** Forgets one ended download now (files stay); fails CONFLICT while it has not ended. */
  Future<Void> forget(Download d) {
    if (!d.status.terminal() || AddsInFlight.reAddUnderway(d)) {
      return Future.failedFuture(
          new ServiceException(
              ErrorCode.CONFLICT, "cannot forget download " + d.id + ": it is " + d.status.wire()));
    }
    return forget(List.of(d), null);
  }

  /** Oldest first. */
  Collection<Download> all() {
    return index.all();
  }

  /** O(1): the progress ticker asks this at every tick. */
  boolean anyActive() {
    return index.anyActive();
  }

  Batches batches() {
    return index.batches();
  }

  JsonObject json(Download d) {
    RetryDecider decider = reAdds.decider();
    return d.toJson(
            decider.maxRetries(), d.status == FAILED || decider.canRetry(d.errorCode, d.retryCount))
        .put("name", torrents.name(d.request.torrent()))
        .put("node", events.node());
  }

  /**
   * Every batch and download as registry writes, for a registry file that has to be written anew.
   */
  private List<Registry.Write> everything() {
    List<Registry.Write> out = new ArrayList<>(index.all().size() + 16);
    for (JsonObject b : index.batches().rows()) {
      out.add(
          new Registry.InsertBatch(
              b.getString("id"), b.getInteger("total"), b.getLong("createdAt")));
    }
    index.all().forEach(d -> out.add(new Registry.Save(Registry.Snapshot.of(d))));
    return out;
  }

  // ---- adding ----------------------------------------------------------------------------------

  /**
   * Adds a validated request: stored in the registry and sent to aria2 at the same time, and
   * acknowledged only once both are done, so an acknowledged download is always durable. If either
   * fails, the other is undone. A crash in between loses nothing that was acknowledged: after a
   * restart, reconcile removes from aria2 any GID the registry does not hold and re-adds what the
   * registry holds and aria2 lost. A request id seen before answers with that download.
   */
  Future<Download> add(DownloadRequest request) {
    Download existing = index.byRequestId(request.requestId());
    if (existing != null) {
      Future<Download> underway = inFlight.firstAddOf(existing.id);
      return underway != null ? underway : Future.succeededFuture(existing);
    }
    ServiceException same = SameContent.check(index.all(), List.of(request));
    if (same != null) {
      return Future.failedFuture(same);
    }
    return addOne(newDownload(null, request), null);
  }

  /**
   * Takes over a download of a lost cluster node: the same id, batch and request, a new GID, added
   * here as a first add is. Idempotent: a download this node already has (by id or request id)
   * answers as it is.
   */
  Future<Download> adopt(
      String id, String batchId, long createdAt, DownloadRequest request, boolean paused) {
    Download existing = index.byId(id);
    if (existing == null) {
      existing = index.byRequestId(request.requestId());
    }
    if (existing != null) {
      Future<Download> underway = inFlight.firstAddOf(existing.id);
      return underway != null ? underway : Future.succeededFuture(existing);
    }
    DownloadRequest r = paused ? request.withOptions(Map.of("pause", "true")) : request;
    Download d =
        new Download(id, batchId, r, createdAt, DownloadIds.newGid(), paused ? PAUSED : WAITING);
    JsonObject batchRow = null;
    if (batchId != null && !index.batches().known(batchId)) {
      index.batches().register(batchId, 0, createdAt);
      batchRow = new JsonObject().put("id", batchId).put("total", 0).put("createdAt", createdAt);
    }
    return addOne(d, batchRow);
  }

  /** Stores and sends one new download; acknowledged once both are done, undone if either fails. */
  private Future<Download> addOne(Download d, JsonObject batchRow) {
    index.add(d);
    transitions.firstAddBegins(d);
    Future<Void> saved = store.add(List.of(d), batchRow);
    Future<Void> sent = aria2.add(d, false);
    return inFlight.firstAdd(
        d.id,
        Future.join(saved, sent)
            .map(
                v -> {
                  transitions.firstAddDone(d, true);
                  return d;
                })
            .recover(
                err -> {
                  // aria2's refusal says more to the caller than a registry failure.
                  Throwable why = sent.failed() ? sent.cause() : saved.cause();
                  Future<Void> undo =
                      sent.succeeded() ? aria2.withdraw(List.of(d)) : Future.succeededFuture();
                  return undo.compose(v -> forget(List.of(d), null))
                      .transform(ar -> Future.failedFuture(why));
                }));
  }

  /** Adds a validated batch: all stored in one transaction, then sent in multicall chunks. */
  Future<JsonObject> addBatch(List<DownloadRequest> requests) {
    ServiceException same = SameContent.check(index.all(), requests);
    if (same != null) {
      return Future.failedFuture(same);
    }
    String batchId = DownloadIds.newBatchId();
    long now = System.currentTimeMillis();
    List<Download> items = new ArrayList<>();
    index.batches().register(batchId, requests.size(), now);
    for (DownloadRequest r : requests) {
      Download d = newDownload(batchId, r);
      index.add(d);
      transitions.firstAddBegins(d);
      items.add(d);
    }
    JsonObject batchRow =
        new JsonObject().put("id", batchId).put("total", items.size()).put("createdAt", now);
    return store
        .add(items, batchRow)
        .compose(v -> aria2.addAll(items, this::refused))
        .map(
            v -> {
              events.batchAdded(batchId, items.size());
              items.forEach(d -> transitions.firstAddDone(d, false));
              return new JsonObject()
                  .put("id", batchId)
                  .put("downloads", new JsonArray(items.stream().map(d -> d.id).toList()));
            })
        .recover(
            err ->
                aria2
                    .withdraw(items)
                    .compose(v -> forget(items, batchId))
                    .transform(ar -> Future.failedFuture(err)));
  }

  /** An add of a batch that aria2 refused: that download fails, the others go on. */
  private void refused(Download d, AddRefused why) {
    if (!d.status.terminal()) {
      d.errorCode = why.aria2Code();
      d.errorMessage = why.getMessage();
      transitions.move(d, FAILED);
    }
  }

  private static Download newDownload(String batchId, DownloadRequest request) {
    DownloadStatus initial = "true".equals(request.options().get("pause")) ? PAUSED : WAITING;
    return new Download(
        DownloadIds.newDownloadId(),
        batchId,
        request,
        System.currentTimeMillis(),
        DownloadIds.newGid(),
        initial);
  }

  // ---- forgetting ------------------------------------------------------------------------------

  private Future<Void> forget(List<Download> items, String batchId) {
    return forgetting.forget(items, batchId);
  }

  /**
   * @see Forgetting#forgetEnded
   */
  int forgetEnded(long endedBefore) {
    return forgetting.forgetEnded(endedBefore);
  }

  // ---- the parts
  // ---------------------------------------------------------------------------------

  Future<Download> pause(Download d) {
    return commands.pause(d);
  }

  Future<Download> resume(Download d) {
    return commands.resume(d);
  }

  Future<Download> retry(Download d) {
    return commands.retry(d);
  }

  Future<Download> remove(Download d, boolean deleteFiles) {
    return commands.remove(d, deleteFiles);
  }

  Future<Download> stopSeeding(Download d) {
    return commands.stopSeeding(d);
  }

  Future<JsonObject> peers(Download d) {
    return commands.peers(d);
  }

  Future<Download> changeOptions(Download d, Map<String, String> changes) {
    return commands.changeOptions(d, changes);
  }

  Future<Integer> move(Download d, CommandRequests.Move to) {
    return commands.move(d, to);
  }

  Future<JsonObject> files(Download d) {
    return files.of(d);
  }

  Future<JsonObject> pauseAll() {
    return BulkCommands.pauseAll(index.all(), commands);
  }

  Future<JsonObject> resumeAll() {
    return BulkCommands.resumeAll(index.all(), commands);
  }

  /** A WebSocket notification of aria2's about {@code gid}. */
  void onNotification(String method, String gid) {
    applier.onNotification(method, gid);
  }

  /** After a (re)connection to aria2. */
  Future<Void> reconcile() {
    return reconciler.reconcile();
  }

  /** Applies one progress sample; returns the download when a figure changed, else null. */
  Download progress(JsonObject st) {
    return applier.progress(st);
  }

  /**
   * After a progress sample of aria2's active downloads ({@code activeGids}): each download shown
   * running here that aria2 no longer runs has its status read again, so a notification whose read
   * failed (aria2c slow to answer) does not leave it running for ever.
   */
  void recheckVanished(Set<String> activeGids) {
    int found = 0;
    for (String gid : activeGids) {
      Download d = index.byGid(gid);
      found += d != null && gid.equals(d.gid) && d.status.transferring() ? 1 : 0;
    }
    if (found == index.activeCount()) {
      return; // the usual tick: every download shown running is among aria2's active ones, no scan
    }
    for (Download d : index.all()) {
      if (d.status.transferring()
          && !activeGids.contains(d.gid)
          && !AddsInFlight.reAddUnderway(d)
          && !transitions.firstAddUnderway(d)) {
        applier.onNotification("recheck", d.gid);
      }
    }
  }

  /** New re-add settings, for every later decision. */
  void reconfigure(AppConfig.Downloads next) {
    reAdds.reconfigure(new RetryDecider(next));
    aria2.seeding(next.seedRatio(), next.seedTime());
  }

  void stop() {
    reAdds.stop();
    index.leaveGauges();
  }
}
