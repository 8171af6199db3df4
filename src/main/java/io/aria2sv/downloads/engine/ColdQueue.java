package io.aria2sv.downloads.engine;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.downloads.registry.ColdRows;
import io.aria2sv.downloads.registry.QueueRows;
import io.aria2sv.downloads.registry.RegistryStore;
import io.vertx.core.Future;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue beyond its head: memory holds the first {@code downloads.queueInMemory} waiting and
 * paused downloads, the registry the rest (cold, after the queue's {@link DownloadQueue#boundary}).
 * New downloads past the head are stored cold and never held; the next of the cold queue is read
 * back, in order, when memory holds fewer than half; a pause or resume of all changes the cold
 * queue in the registry in one statement. {@link ColdTier}'s sweep makes downloads that moved past
 * the boundary cold again. Event-loop confined.
 */
final class ColdQueue {
  private static final Logger LOG = LoggerFactory.getLogger(ColdQueue.class);

  private final DownloadIndex index;
  private final RegistryStore store;

  /** How many queued downloads memory holds ({@code downloads.queueInMemory}). */
  private int queueInMemory;

  private boolean refilling;

  /** Told when queued downloads were read back: the window may take them. */
  private Runnable refilled = () -> {};

  ColdQueue(DownloadIndex index, RegistryStore store, int queueInMemory) {
    this.index = index;
    this.store = store;
    this.queueInMemory = queueInMemory;
  }

  void queueInMemory(int n) {
    queueInMemory = n;
  }

  void onRefilled(Runnable r) {
    refilled = r;
  }

  /**
   * The registry's cold queue at start: its first position ({@code coldFirst}, null when empty) and
   * the highest position given ({@code last}).
   */
  void queueLoaded(Long coldFirst, long last) {
    DownloadQueue q = index.queue();
    q.lastAtLeast(last);
    q.boundary(coldFirst == null ? Long.MAX_VALUE : coldFirst - 1);
    if (coldFirst == null && q.size() > queueInMemory) {
      // a queue an earlier version held in memory: the tail goes cold, a sweep at a time
      q.boundary(q.positionOf(queueInMemory));
    }
  }

  /**
   * Places the new download {@code d} at the end of the queue and tells whether it goes cold: a
   * waiting or paused download once memory holds {@code queueInMemory} queued ones (or the registry
   * holds a cold queue already). Torrents and magnets stay in memory (a second add of the same
   * content is refused against them).
   */
  boolean placeNew(Download d) {
    DownloadQueue q = index.queue();
    boolean queued =
        (d.status == DownloadStatus.WAITING || d.status == DownloadStatus.PAUSED) && !torrent(d);
    if (queued && q.boundary() == Long.MAX_VALUE && heldQueued() >= queueInMemory) {
      q.boundary(q.last());
    }
    q.place(d);
    index.assignSeq(d);
    return queued && d.position > q.boundary();
  }

  /** How many waiting and paused downloads memory holds (first adds under way included). */
  private int heldQueued() {
    return index.count(DownloadStatus.WAITING)
        - index.coldCount(DownloadStatus.WAITING)
        + index.count(DownloadStatus.PAUSED)
        - index.coldCount(DownloadStatus.PAUSED);
  }

  private static boolean torrent(Download d) {
    return d.request.torrent() != null || d.request.infoHash() != null;
  }

  /**
   * Every cold download with status {@code from} takes {@code to} (a pause or resume of all): in
   * the registry, its counts and its batches' figures. How many.
   */
  Future<Integer> restatus(DownloadStatus from, DownloadStatus to) {
    return store
        .read(r -> QueueRows.restatus(r, from.name(), to.name()))
        .compose(
            n -> {
              index.coldRestatus(from, to, n);
              return store.read(ColdRows::tallies).map(tallies -> recount(tallies, n));
            });
  }

  /** The batches' cold figures, counted again from {@code tallies}; returns {@code n}. */
  private int recount(List<ColdRows.Tally> tallies, int n) {
    index.batches().resetCold();
    for (ColdRows.Tally t : tallies) {
      if (t.batchId() != null) {
        index
            .batches()
            .coldAtStart(
                t.batchId(),
                DownloadStatus.valueOf(t.status()),
                t.count(),
                t.completed(),
                t.total());
      }
    }
    return n;
  }

  /** {@code items}, stored cold, count among the registry's downloads from now on. */
  void addedCold(List<Download> items) {
    items.forEach(index::coldAdded);
  }

  /** Downloads read back from the cold queue, and the first position still cold (null: none). */
  private record Refill(List<Download> rows, Long first) {}

  /**
   * Reads the next of the cold queue back when memory holds fewer than half of {@code
   * queueInMemory} queued downloads: half as many, in order.
   */
  void topUp() {
    DownloadQueue q = index.queue();
    if (refilling || q.boundary() == Long.MAX_VALUE || heldQueued() >= queueInMemory / 2) {
      return;
    }
    refilling = true;
    int n = Math.max(1, queueInMemory / 2);
    store
        .read(
            r ->
                new Refill(
                    ColdTier.restoreAll(QueueRows.warmQueue(r, n), r), QueueRows.queueBounds(r)[0]))
        .onSuccess(
            res -> {
              List<Download> rows = res.rows();
              Long first = res.first();
              for (Download d : rows) {
                if (index.byId(d.id) == null) {
                  index.warm(d);
                }
              }
              q.boundary(first == null ? Long.MAX_VALUE : first - 1);
              LOG.debug("{} queued downloads read back from the registry", rows.size());
              refilled.run();
            })
        .onFailure(err -> LOG.warn("cannot read the queue back: {}", err.getMessage()))
        .onComplete(ar -> refilling = false);
  }

  /**
   * Whether the queued download {@code d} could leave memory: it comes after the boundary, aria2
   * does not hold it, and nothing runs for it.
   */
  static boolean beyond(Download d, long boundary) {
    return (d.status == DownloadStatus.WAITING || d.status == DownloadStatus.PAUSED)
        && d.position > boundary
        && !d.held
        && d.pendingAdd == null
        && d.firstAddFrom == null
        && !torrent(d);
  }
}
