package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.PAUSED;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.request.DownloadRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Adds of validated requests, single and batch, and adoptions of a lost cluster node's downloads,
 * each acknowledged once it is stored in the registry, so an acknowledged download is always
 * durable. A single add that finds room in aria2's {@link Window} is sent to aria2 as well, and
 * acknowledged once both are done (aria2's refusal is the caller's answer; if either fails, the
 * other is undone); everything else joins the end of the queue, and the window sends it to aria2 in
 * turn. A crash in between loses nothing that was acknowledged: after a restart, the reconcile
 * removes from aria2 any GID the registry does not hold. Event-loop confined.
 */
public final class AddPipeline {
  private final DownloadIndex index;
  private final RegistryStore store;
  private final Aria2Side aria2;
  private final Window window;
  private final Transitions transitions;
  private final AddsInFlight inFlight;
  private final Forgetting forgetting;
  private final DownloadEvents events;
  private final DownloadJson json;
  private final ColdTier cold;
  private final ColdQueue coldQueue;

  AddPipeline(
      DownloadIndex index,
      RegistryStore store,
      Aria2Side aria2,
      Window window,
      Transitions transitions,
      AddsInFlight inFlight,
      Forgetting forgetting,
      DownloadEvents events,
      DownloadJson json,
      ColdTier cold,
      ColdQueue coldQueue) {
    this.cold = cold;
    this.coldQueue = coldQueue;
    this.index = index;
    this.store = store;
    this.aria2 = aria2;
    this.window = window;
    this.transitions = transitions;
    this.inFlight = inFlight;
    this.forgetting = forgetting;
    this.events = events;
    this.json = json;
  }

  /**
   * Adds one download and answers with its public JSON. A request id seen before answers with that
   * download; a torrent whose info hash a live download has is a conflict.
   */
  public Future<JsonObject> add(DownloadRequest request) {
    Download existing = index.byRequestId(request.requestId());
    if (existing != null) {
      return acknowledged(existing);
    }
    if (request.requestId() != null && index.coldSize() > 0) {
      // one added with it may have ended long ago: its row answers
      return cold.peekRequest(request.requestId())
          .compose(
              d -> {
                Download now = index.byRequestId(request.requestId());
                if (now != null) {
                  return acknowledged(now); // added meanwhile
                }
                return d != null ? Future.succeededFuture(json.of(d)) : addNew(request);
              });
    }
    return addNew(request);
  }

  private Future<JsonObject> addNew(DownloadRequest request) {
    if (aria2.stopped() != null) {
      return Future.failedFuture(aria2.stopped());
    }
    ServiceException same = SameContent.check(index.all(), List.of(request));
    if (same != null) {
      return Future.failedFuture(same);
    }
    return addOne(newDownload(null, request), null).map(json::of);
  }

  /** A download of a lost cluster node to take over here: its id, batch, request and state. */
  public record Adoption(
      String id, String batchId, long createdAt, DownloadRequest request, boolean paused) {}

  /**
   * Takes over downloads of a lost cluster node: the same ids, batches and requests, new GIDs, all
   * stored in one transaction and queued in the order given (the window sends them when their turn
   * comes). Idempotent: one this node already has (by id or request id) is left as it is.
   */
  public Future<Void> adopt(List<Adoption> adoptions) {
    if (index.coldSize() == 0) {
      return adopt(adoptions, java.util.Set.of());
    }
    List<String> ids = adoptions.stream().map(Adoption::id).toList();
    return store
        .read(r -> io.aria2sv.downloads.registry.QueueRows.existing(r, ids))
        .compose(known -> adopt(adoptions, known));
  }

  /** As {@link #adopt(List)}; {@code stored} are ids the registry holds cold already. */
  private Future<Void> adopt(List<Adoption> adoptions, java.util.Set<String> stored) {
    List<Download> items = new ArrayList<>();
    List<Download> coldItems = new ArrayList<>();
    List<JsonObject> batchRows = new ArrayList<>();
    for (Adoption a : adoptions) {
      if (stored.contains(a.id())
          || index.byId(a.id()) != null
          || index.byRequestId(a.request().requestId()) != null) {
        continue;
      }
      DownloadRequest r =
          a.paused() ? a.request().withOptions(Map.of("pause", "true")) : a.request();
      Download d =
          new Download(
              a.id(),
              a.batchId(),
              r,
              a.createdAt(),
              DownloadIds.newGid(),
              a.paused() ? PAUSED : WAITING);
      if (a.batchId() != null && !index.batches().known(a.batchId())) {
        index.batches().register(a.batchId(), 0, a.createdAt());
        batchRows.add(batchRow(a.batchId(), 0, a.createdAt()));
      }
      if (coldQueue.placeNew(d)) {
        coldItems.add(d);
        continue;
      }
      index.add(d);
      transitions.firstAddBegins(d);
      items.add(d);
    }
    if (items.isEmpty() && coldItems.isEmpty()) {
      return Future.succeededFuture();
    }
    return store
        .add(
            items.stream().map(Download::stored).toList(),
            coldItems.stream().map(Download::stored).toList(),
            batchRows)
        .map(
            v -> {
              coldQueue.addedCold(coldItems);
              items.forEach(d -> transitions.firstAddDone(d, false));
              coldItems.forEach(transitions::addedCold);
              return (Void) null;
            })
        .recover(err -> forgetting.forget(items, null).transform(ar -> Future.failedFuture(err)));
  }

  /**
   * Adds a validated batch: all stored in one transaction, acknowledged then, at the end of the
   * queue.
   */
  public Future<JsonObject> addBatch(List<DownloadRequest> requests) {
    if (aria2.stopped() != null) {
      return Future.failedFuture(aria2.stopped());
    }
    ServiceException same = SameContent.check(index.all(), requests);
    if (same != null) {
      return Future.failedFuture(same);
    }
    String batchId = DownloadIds.newBatchId();
    long now = System.currentTimeMillis();
    List<Download> items = new ArrayList<>();
    List<Download> coldItems = new ArrayList<>();
    JsonArray ids = new JsonArray();
    index.batches().register(batchId, requests.size(), now);
    for (DownloadRequest r : requests) {
      Download d = newDownload(batchId, r);
      ids.add(d.id);
      if (coldQueue.placeNew(d)) {
        coldItems.add(d); // queued beyond what memory holds: stored only
      } else {
        index.add(d);
        transitions.firstAddBegins(d);
        items.add(d);
      }
    }
    return store
        .add(
            items.stream().map(Download::stored).toList(),
            coldItems.stream().map(Download::stored).toList(),
            List.of(batchRow(batchId, requests.size(), now)))
        .map(
            v -> {
              events.batchAdded(batchId, requests.size());
              coldQueue.addedCold(coldItems);
              items.forEach(d -> transitions.firstAddDone(d, false));
              coldItems.forEach(transitions::addedCold);
              return new JsonObject().put("id", batchId).put("downloads", ids);
            })
        .recover(
            err -> forgetting.forget(items, batchId).transform(ar -> Future.failedFuture(err)));
  }

  /** A download added before: its first add's answer while that is under way, else as it is. */
  private Future<JsonObject> acknowledged(Download existing) {
    Future<Download> underway = inFlight.firstAddOf(existing.id);
    return (underway != null ? underway : Future.succeededFuture(existing)).map(json::of);
  }

  /**
   * Stores one new download, and sends it when the window has room; acknowledged once both are
   * done, undone if either fails.
   */
  private Future<Download> addOne(Download d, JsonObject batchRow) {
    if (coldQueue.placeNew(d)) {
      // queued beyond what memory holds: stored only, sent when its turn nears
      return store
          .add(List.of(), List.of(d.stored()), batchRow == null ? List.of() : List.of(batchRow))
          .map(
              v -> {
                coldQueue.addedCold(List.of(d));
                transitions.addedCold(d);
                return d;
              });
    }
    index.add(d);
    transitions.firstAddBegins(d);
    boolean now = window.hasRoom(d);
    Future<Void> saved = store.add(List.of(d.stored()), batchRow);
    Future<Void> sent = now ? aria2.add(d, false) : Future.succeededFuture();
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
                      now && sent.succeeded()
                          ? aria2.withdraw(List.of(d))
                          : Future.succeededFuture();
                  return undo.compose(v -> forgetting.forget(List.of(d), null))
                      .transform(ar -> Future.failedFuture(why));
                }));
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

  private static JsonObject batchRow(String id, int total, long createdAt) {
    return new JsonObject().put("id", id).put("total", total).put("createdAt", createdAt);
  }
}
