package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.PAUSED;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.aria2sv.downloads.registry.QueueRows;
import io.aria2sv.downloads.registry.Registry;
import io.aria2sv.downloads.registry.RegistryStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The whole queue: the waiting and paused downloads memory holds ({@link DownloadQueue}) and, after
 * them, the registry's cold queue ({@link ColdTier}), paged and reordered as one, as aria2's {@code
 * tellWaiting} and {@code changePosition} see it. Event-loop confined.
 */
final class WholeQueue {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WholeQueue.class);

  private static final Comparator<Download> ORDER =
      Comparator.<Download>comparingLong(d -> d.position).thenComparing(d -> d.id);

  private final DownloadIndex index;
  private final ColdTier cold;
  private final RegistryStore store;

  WholeQueue(DownloadIndex index, ColdTier cold, RegistryStore store) {
    this.index = index;
    this.cold = cold;
    this.store = store;
  }

  private boolean allHeld() {
    return index.queue().boundary() == Long.MAX_VALUE
        && index.coldCount(WAITING) + index.coldCount(PAUSED) == 0;
  }

  /** How many downloads wait or are paused, cold ones included. */
  int size() {
    return index.queue().size() + index.coldCount(WAITING) + index.coldCount(PAUSED);
  }

  /**
   * {@code num} downloads from {@code offset}; a negative offset counts from the end (-1 is the
   * last) and goes towards the front, as aria2's {@code tellWaiting} does.
   */
  Future<List<Download>> page(int offset, int num) {
    if (allHeld()) {
      return Future.succeededFuture(index.queue().page(offset, num));
    }
    boolean back = offset < 0;
    return page(back, back ? -offset - 1 : offset, num, d -> true);
  }

  private Future<List<Download>> page(
      boolean back, int skip, int num, java.util.function.Predicate<Download> keep) {
    return MergedPages.page(
            new MergedPages.Spec(
                index.queue().iterator(back),
                MergedPages.cursor(
                    last ->
                        max ->
                            cold.shown(
                                r ->
                                    QueueRows.queue(
                                        r,
                                        back,
                                        last == null ? null : last.position,
                                        last == null ? null : last.id,
                                        max))),
                back ? ORDER.reversed() : ORDER,
                keep,
                id -> index.byId(id) != null,
                skip,
                num,
                false,
                // the cold queue comes after the boundary: what memory holds before it, first
                back ? d -> false : d -> d.position <= index.queue().boundary()))
        .map(MergedPages.Page::downloads);
  }

  /** {@code d}'s index in the whole queue, or -1 when it is not in it. */
  Future<Integer> indexOf(Download d) {
    int held = index.queue().indexOf(d);
    if (held < 0 || allHeld()) {
      return Future.succeededFuture(held);
    }
    return store.read(r -> QueueRows.queuedBefore(r, d.position, d.id)).map(n -> held + n);
  }

  /**
   * Moves {@code d}, which is in the queue (in memory), to index {@code target} of the whole queue
   * (clamped to it): it takes a position between its new neighbours, wherever they are. When there
   * is no room between them, the whole queue is numbered afresh first.
   */
  Future<DownloadQueue.Moved> moveTo(Download d, int target) {
    if (allHeld()) {
      return Future.succeededFuture(index.queue().moveTo(d, target));
    }
    int to = Math.max(0, Math.min(size() - 1, target));
    return page(false, Math.max(0, to - 1), 2, o -> o != d)
        .compose(
            around -> {
              Download prev = to == 0 || around.isEmpty() ? null : around.get(0);
              Download next =
                  to == 0
                      ? (around.isEmpty() ? null : around.get(0))
                      : (around.size() > 1 ? around.get(1) : null);
              Long at = between(prev, next);
              if (at == null) {
                return renumber().compose(v -> moveTo(d, target));
              }
              DownloadQueue q = index.queue();
              q.untrack(d);
              d.position = at;
              q.lastAtLeast(at);
              q.track(d);
              return Future.succeededFuture(new DownloadQueue.Moved(to, List.of(d)));
            });
  }

  /** A position between {@code prev} and {@code next} (either may be null), or null if none. */
  private Long between(Download prev, Download next) {
    DownloadQueue q = index.queue();
    if (prev == null && next == null) {
      return q.last() + DownloadQueue.STEP;
    }
    if (prev == null) {
      long p = next.position - DownloadQueue.STEP;
      return p == 0 ? -DownloadQueue.STEP : p; // zero means "no position yet"
    }
    if (next == null) {
      return q.last() + DownloadQueue.STEP;
    }
    long gap = next.position - prev.position;
    return gap >= 2 ? prev.position + gap / 2 : null;
  }

  /**
   * Numbers the whole queue afresh, in order, in the registry (after every change queued before),
   * then gives the downloads memory holds their new positions.
   */
  private Future<Void> renumber() {
    List<Registry.Write> writes = new ArrayList<>();
    for (Download o : index.all()) {
      if (o.status == WAITING || o.status == PAUSED) {
        writes.add(new Registry.Save(o.stored()));
      }
    }
    writes.add(new Registry.Renumber(DownloadQueue.STEP));
    return store
        .record(writes)
        .compose(v -> store.read(QueueRows::warmQueuePositions))
        .compose(
            positions -> {
              DownloadQueue q = index.queue();
              for (Map.Entry<String, Long> e : positions.entrySet()) {
                Download o = index.byId(e.getKey());
                if (o != null) {
                  q.untrack(o);
                  o.position = e.getValue();
                  q.lastAtLeast(o.position);
                  q.track(o);
                }
              }
              return store.read(QueueRows::queueBounds);
            })
        .map(
            bounds -> {
              DownloadQueue q = index.queue();
              q.lastAtLeast(bounds[1]);
              q.boundary(bounds[0] != null ? bounds[0] - 1 : Long.MAX_VALUE);
              LOG.info(
                  "the queue ({} downloads) was numbered afresh: a move found no room", size());
              return null;
            });
  }
}
