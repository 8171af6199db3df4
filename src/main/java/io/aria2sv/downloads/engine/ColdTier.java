package io.aria2sv.downloads.engine;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.registry.ColdRows;
import io.aria2sv.downloads.registry.Registry;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.registry.StoredDownload;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ended downloads that nothing runs for any more leave memory ({@code downloads.coldAfter} after
 * they ended) and live in the registry only: a long history costs disk, not heap, and a start does
 * not read it. The index keeps their counts (by status, and by batch in {@link Batches}); a read of
 * one is answered from its row, and a command on one brings it back into memory first ({@link
 * #resolve}). Event-loop confined.
 */
final class ColdTier {
  private static final Logger LOG = LoggerFactory.getLogger(ColdTier.class);

  /** The most downloads one sweep makes cold: one registry transaction. */
  static final int SWEEP_MAX = 1000;

  private final Vertx vertx;
  private final DownloadIndex index;
  private final RegistryStore store;

  /** Reads of cold downloads under way, by our id: a second command on one waits for the first. */
  private final Map<String, Future<Download>> warming = new HashMap<>();

  private Duration after;
  private long timer = -1;
  private boolean sweeping;

  ColdTier(Vertx vertx, DownloadIndex index, RegistryStore store, Duration after) {
    this.vertx = vertx;
    this.index = index;
    this.store = store;
    this.after = after;
  }

  /** What the registry holds cold at start: counts by batch and status, and its highest seq. */
  void loaded(List<ColdRows.Tally> tallies, long maxSeq) {
    index.seqAbove(maxSeq);
    for (ColdRows.Tally t : tallies) {
      DownloadStatus s = DownloadStatus.valueOf(t.status());
      if (t.batchId() == null) {
        index.coldAtStart(s, t.count()); // every cold download, by status
      } else {
        index.batches().coldAtStart(t.batchId(), s, t.count(), t.completed(), t.total());
      }
    }
  }

  /** Sweeps now and then from now on: every quarter of {@code coldAfter}, at most every 5 s. */
  void start() {
    long every = Math.max(100, Math.min(5000, after.toMillis() / 4));
    timer = vertx.setPeriodic(every, id -> sweep());
  }

  void reconfigure(Duration next) {
    this.after = next;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      start();
    }
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /**
   * Whether {@code d} could leave memory: it has ended and nothing runs or waits for it (no re-add,
   * no completion step, no pass forgetting it, not held by aria2).
   */
  static boolean settled(Download d) {
    return d.status.terminal()
        && !d.held
        && d.pendingAdd == null
        && d.firstAddFrom == null
        && !d.forgetting
        && (d.completion == null
            || !("pending".equals(d.completion.getString("state"))
                || "running".equals(d.completion.getString("state"))));
  }

  /**
   * Makes the downloads that ended at least {@code coldAfter} ago and are settled cold, up to
   * {@link #SWEEP_MAX}; each leaves memory once its row says so, unless it changed meanwhile.
   */
  Future<Integer> sweep() {
    if (sweeping) {
      return Future.succeededFuture(0);
    }
    long before = System.currentTimeMillis() - after.toMillis();
    Map<Download, Long> chosen = new IdentityHashMap<>();
    for (Download d : index.queue().endedBefore(before)) {
      if (settled(d)) {
        chosen.put(d, d.updatedAt);
        if (chosen.size() >= SWEEP_MAX) {
          break;
        }
      }
    }
    long boundary = index.queue().boundary();
    for (Iterator<Download> it = index.queue().iterator(true);
        it.hasNext() && chosen.size() < SWEEP_MAX; ) {
      Download d = it.next();
      if (d.position <= boundary) {
        break;
      }
      if (ColdQueue.beyond(d, boundary)) {
        chosen.put(d, d.position);
      }
    }
    if (chosen.isEmpty()) {
      return Future.succeededFuture(0);
    }
    sweeping = true;
    List<String> ids = new ArrayList<>(chosen.size());
    chosen.keySet().forEach(d -> ids.add(d.id));
    return store
        .cool(ids)
        .map(
            v -> {
              int n = 0;
              List<StoredDownload> changed = new ArrayList<>();
              for (Map.Entry<Download, Long> e : chosen.entrySet()) {
                Download d = e.getKey();
                if (index.byId(d.id) != d) {
                  continue; // forgotten meanwhile
                }
                boolean queued = !d.status.terminal();
                if (queued
                    ? ColdQueue.beyond(d, index.queue().boundary()) && d.position == e.getValue()
                    : settled(d) && d.updatedAt == e.getValue()) {
                  index.evict(d);
                  n++;
                } else {
                  changed.add(d.stored()); // it stays: its row says so again
                }
              }
              if (!changed.isEmpty()) {
                store.update(changed);
              }
              LOG.debug("{} downloads left memory ({} in the registry only)", n, index.coldSize());
              if (chosen.size() >= SWEEP_MAX) {
                vertx.runOnContext(x -> sweep()); // more to go: the next pass at once
              }
              return n;
            })
        .onFailure(err -> LOG.warn("cannot make ended downloads cold: {}", err.getMessage()))
        .onComplete(ar -> sweeping = false);
  }

  /**
   * The download with our {@code id}, held in memory: a cold one is read back from the registry
   * (and is warm from then on); fails as NOT_FOUND when there is none.
   */
  Future<Download> resolve(String id) {
    String missing = "download " + id + " not found";
    return find(index.byId(id), id, missing, () -> warm(id, r -> ColdRows.warm(r, id), missing));
  }

  /** As {@link #resolve}, by any GID it had; fails as NOT_FOUND in aria2's words. */
  Future<Download> resolveGid(String gid) {
    String missing = "GID " + gid + " is not found";
    return find(
        index.byGid(gid),
        gid,
        missing,
        () ->
            warm(
                gid,
                r -> {
                  StoredDownload s = ColdRows.byGid(r, gid);
                  return s == null ? null : ColdRows.warm(r, s.id());
                },
                missing));
  }

  /**
   * The download that has or had {@code gid}, as shown: a cold one is read from its row and stays
   * cold (a poll of an ended download does not bring it back into memory).
   */
  Future<Download> peekGid(String gid) {
    String missing = "GID " + gid + " is not found";
    return find(index.byGid(gid), gid, missing, () -> read(r -> ColdRows.byGid(r, gid), missing));
  }

  /** As {@link #peekGid}, by our id. */
  Future<Download> peek(String id) {
    String missing = "download " + id + " not found";
    return find(index.byId(id), id, missing, () -> read(r -> ColdRows.byId(r, id), missing));
  }

  /**
   * The download added with {@code requestId}, held or cold (read, and left cold); succeeds with
   * null when there is none.
   */
  Future<Download> peekRequest(String requestId) {
    Download d = index.byRequestId(requestId);
    if (d != null || requestId == null || index.coldSize() == 0) {
      return Future.succeededFuture(d);
    }
    return read(r -> ColdRows.byRequestId(r, requestId), "no download has request id " + requestId)
        .recover(
            err ->
                err instanceof ServiceException e && e.code() == ErrorCode.NOT_FOUND
                    ? Future.succeededFuture(null)
                    : Future.failedFuture(err));
  }

  /**
   * {@code held} when memory has it; else, when anything is cold, what {@code cold} reads; else
   * NOT_FOUND with {@code missing}.
   */
  private Future<Download> find(
      Download held, String key, String missing, Supplier<Future<Download>> cold) {
    if (held != null) {
      return Future.succeededFuture(held);
    }
    if (key == null || index.coldSize() == 0) {
      return Future.failedFuture(new ServiceException(ErrorCode.NOT_FOUND, missing));
    }
    return cold.get();
  }

  /** The download of the row {@code query} reads (not held); NOT_FOUND with {@code missing}. */
  private Future<Download> read(RegistryStore.Query<StoredDownload> query, String missing) {
    return store
        .read(
            r -> {
              StoredDownload s = query.run(r);
              return s == null ? null : restore(s, r);
            })
        .compose(
            d ->
                d == null
                    ? Future.failedFuture(new ServiceException(ErrorCode.NOT_FOUND, missing))
                    : Future.succeededFuture(d));
  }

  /** Cold rows as downloads (not held: for showing), with their failed attempts. */
  Future<List<Download>> shown(RegistryStore.Query<List<StoredDownload>> read) {
    return store.read(r -> restoreAll(read.run(r), r));
  }

  /**
   * The downloads of the cold rows {@code rows} (not held), with their failed attempts read in one
   * query. Blocking: on the registry's worker.
   */
  static List<Download> restoreAll(List<StoredDownload> rows, Registry r) throws Exception {
    Map<String, List<Registry.RecordRetry>> retries =
        r.retriesOf(rows.stream().map(StoredDownload::id).toList());
    List<Download> out = new ArrayList<>(rows.size());
    for (StoredDownload s : rows) {
      Download d = Download.restore(s);
      for (Registry.RecordRetry f : retries.getOrDefault(s.id(), List.of())) {
        d.failedAttempt(new Download.Failure(f.at(), f.gid(), f.errorCode(), f.errorMessage()));
      }
      out.add(d);
    }
    return out;
  }

  /** The download of the cold row {@code s}, with its failed attempts (not held). */
  private static Download restore(StoredDownload s, Registry r) throws Exception {
    return restoreAll(List.of(s), r).get(0);
  }

  private Future<Download> warm(
      String key, RegistryStore.Query<StoredDownload> query, String missing) {
    Future<Download> underway = warming.get(key);
    if (underway != null) {
      return underway;
    }
    Future<Download> f =
        read(query, missing)
            .map(
                d -> {
                  Download held = index.byId(d.id);
                  if (held != null) {
                    return held; // warmed by another read meanwhile
                  }
                  index.warm(d);
                  return d;
                });
    warming.put(key, f);
    f.onComplete(ar -> warming.remove(key));
    return f;
  }
}
