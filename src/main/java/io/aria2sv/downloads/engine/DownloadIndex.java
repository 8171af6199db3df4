package io.aria2sv.downloads.engine;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.metrics.Metrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every download the registry holds, in the order they were added, found by our id, by any GID it
 * ever had, and by its request id; batch membership; and the count of active downloads and the
 * status gauges, kept in step with each change. Event-loop confined.
 */
final class DownloadIndex {
  private final Metrics metrics;
  private final Map<String, Download> byId = new LinkedHashMap<>();
  private final Map<String, String> idByGid = new HashMap<>();
  private final Map<String, String> idByRequestId = new HashMap<>();
  private final Batches batches = new Batches();
  private final DownloadQueue queue = new DownloadQueue();

  /**
   * Every download in the order it was added, null where one was forgotten (until the list is
   * compacted): a page of the list is read from either end without walking the rest.
   */
  private final List<Download> added = new ArrayList<>();

  private int forgottenSlots;

  /** How many downloads have each status, by the status's ordinal: cold ones included. */
  private final int[] counts = new int[DownloadStatus.values().length];

  /** How many of them are cold: in the registry only (see {@link ColdTier}). */
  private final int[] coldCounts = new int[DownloadStatus.values().length];

  private int coldSize;

  /** The highest {@link Download#seq} given so far. */
  private long lastSeq;

  /** Downloads with status ACTIVE or SEEDING. */
  private int activeCount;

  DownloadIndex(Metrics metrics) {
    this.metrics = metrics;
  }

  void add(Download d) {
    if (byId.put(d.id, d) == null) {
      metrics.downloadStatus(null, d.status);
      activeCount += d.status.transferring() ? 1 : 0;
      counts[d.status.ordinal()]++;
      slotIn(d);
    }
    d.gids.forEach(g -> idByGid.put(g, d.id));
    if (d.request.requestId() != null) {
      idByRequestId.put(d.request.requestId(), d.id);
    }
    batches.track(d);
    queue.place(d);
    queue.track(d);
  }

  void remove(Download d) {
    if (byId.remove(d.id) != null) {
      metrics.downloadStatus(d.status, null);
      activeCount -= d.status.transferring() ? 1 : 0;
      counts[d.status.ordinal()]--;
      unslot(d);
    }
    unindex(d);
  }

  /**
   * Gives {@code d} its place in the list in the order downloads were added: a new one (no {@code
   * seq} yet) at the end, one read back from the registry where its {@code seq} puts it.
   */
  private void slotIn(Download d) {
    assignSeq(d);
    int at = added.size();
    while (at > 0 && (added.get(at - 1) == null || added.get(at - 1).seq > d.seq)) {
      at--;
    }
    // skip back over forgotten slots only when an older one comes before them
    while (at < added.size() && added.get(at) == null) {
      at++;
    }
    added.add(at, d);
    for (int i = at; i < added.size(); i++) {
      if (added.get(i) != null) {
        added.get(i).slot = i;
      }
    }
  }

  private void unslot(Download d) {
    added.set(d.slot, null);
    forgottenSlots++;
    if (forgottenSlots > 1024 && forgottenSlots > added.size() / 2) {
      compact();
    }
  }

  /**
   * {@code d} goes cold: it leaves memory and is counted among the downloads only the registry
   * holds (it has ended, and nothing runs for it).
   */
  void evict(Download d) {
    if (byId.remove(d.id) != null) {
      coldCounts[d.status.ordinal()]++;
      coldSize++;
      unslot(d);
      unindex(d);
      batches.cool(d);
    }
  }

  /** {@code d}, read back from the registry where it was cold, is held in memory again. */
  void warm(Download d) {
    coldCounts[d.status.ordinal()]--;
    coldSize--;
    batches.warm(d);
    counts[d.status.ordinal()]--;
    metrics.downloadStatus(d.status, null);
    add(d);
  }

  /**
   * The cold downloads the registry counted at start, by status (and batch, in {@link Batches}).
   */
  void coldAtStart(DownloadStatus status, int n) {
    coldCounts[status.ordinal()] += n;
    coldSize += n;
    counts[status.ordinal()] += n;
    metrics.downloadsStatus(status, n);
  }

  /** Gives {@code d} its place in the order downloads were added, unless it has one. */
  void assignSeq(Download d) {
    if (d.seq == 0) {
      d.seq = ++lastSeq;
    } else {
      lastSeq = Math.max(lastSeq, d.seq);
    }
  }

  /** The new download {@code d} was stored cold (queued beyond what memory holds). */
  void coldAdded(Download d) {
    coldCounts[d.status.ordinal()]++;
    coldSize++;
    counts[d.status.ordinal()]++;
    metrics.downloadStatus(null, d.status);
    batches.cool(d);
  }

  /** {@code n} cold downloads went from {@code from} to {@code to} (a pause or resume of all). */
  void coldRestatus(DownloadStatus from, DownloadStatus to, int n) {
    coldCounts[from.ordinal()] -= n;
    coldCounts[to.ordinal()] += n;
    counts[from.ordinal()] -= n;
    counts[to.ordinal()] += n;
    metrics.downloadsStatus(from, -n);
    metrics.downloadsStatus(to, n);
  }

  /** A cold download with {@code status} was forgotten. */
  void forgetCold(DownloadStatus status) {
    coldCounts[status.ordinal()]--;
    coldSize--;
    counts[status.ordinal()]--;
    metrics.downloadsStatus(status, -1);
  }

  /** How many downloads only the registry holds. */
  int coldSize() {
    return coldSize;
  }

  /** How many downloads with {@code status} only the registry holds. */
  int coldCount(DownloadStatus status) {
    return coldCounts[status.ordinal()];
  }

  /** The next downloads get a {@code seq} above {@code max} (the registry's highest). */
  void seqAbove(long max) {
    lastSeq = Math.max(lastSeq, max);
  }

  private void unindex(Download d) {
    d.gids.forEach(idByGid::remove);
    if (d.request.requestId() != null) {
      idByRequestId.remove(d.request.requestId());
    }
    batches.untrack(d);
    queue.remove(d);
  }

  /**
   * Gives {@code d} a new GID of our choosing, kept in its chain ({@code retry.gids}) and found
   * here like every earlier one; returns the GID it had.
   */
  String newGid(Download d) {
    String old = d.gid;
    String gid = DownloadIds.newGid();
    d.gid = gid;
    d.gids.add(gid);
    idByGid.put(gid, d.id);
    return old;
  }

  /**
   * Changes {@code d}'s status to {@code to} at {@code at} (epoch ms), with the gauges, the count
   * and the lists.
   */
  void setStatus(Download d, DownloadStatus to, long at) {
    DownloadStatus from = d.status;
    metrics.downloadStatus(from, to);
    activeCount += (to.transferring() ? 1 : 0) - (from.transferring() ? 1 : 0);
    counts[from.ordinal()]--;
    counts[to.ordinal()]++;
    queue.untrack(d);
    d.status = to;
    d.updatedAt = at;
    queue.track(d);
  }

  /** {@code d} changed at {@code at} (epoch ms) without a change of status. */
  void touch(Download d, long at) {
    queue.untrack(d);
    d.updatedAt = at;
    queue.track(d);
  }

  /** The waiting and paused downloads in order, and what aria2 holds. */
  DownloadQueue queue() {
    return queue;
  }

  /** The download with our {@code id}; fails as NOT_FOUND when there is none. */
  Download find(String id) {
    Download d = id == null ? null : byId.get(id);
    if (d == null) {
      throw new ServiceException(ErrorCode.NOT_FOUND, "download " + id + " not found");
    }
    return d;
  }

  /** The download with our {@code id}, or null. */
  Download byId(String id) {
    return id == null ? null : byId.get(id);
  }

  /** The download that has or had {@code gid}, or null. */
  Download byGid(String gid) {
    String id = idByGid.get(gid);
    return id == null ? null : byId.get(id);
  }

  /** The download added with {@code requestId}, or null. */
  Download byRequestId(String requestId) {
    String id = requestId == null ? null : idByRequestId.get(requestId);
    return id == null ? null : byId.get(id);
  }

  /** Every download held in memory (none of the cold ones), oldest first. */
  Collection<Download> all() {
    return byId.values();
  }

  /** How many downloads there are, cold ones included. */
  int size() {
    return byId.size() + coldSize;
  }

  /** How many downloads have {@code status}. */
  int count(DownloadStatus status) {
    return counts[status.ordinal()];
  }

  /** Every download in the order they were added, or the newest first; read as it goes. */
  Iterable<Download> inOrder(boolean newestFirst) {
    return skippingForgotten(added, newestFirst);
  }

  /** {@code list} in its order or backwards, without its nulls. */
  static Iterable<Download> skippingForgotten(List<Download> list, boolean backwards) {
    return () ->
        new java.util.Iterator<>() {
          private int i = backwards ? list.size() - 1 : 0;
          private Download next = advance();

          private Download advance() {
            while (backwards ? i >= 0 : i < list.size()) {
              Download d = list.get(backwards ? i-- : i++);
              if (d != null) {
                return d;
              }
            }
            return null;
          }

          @Override
          public boolean hasNext() {
            return next != null;
          }

          @Override
          public Download next() {
            if (next == null) {
              throw new java.util.NoSuchElementException();
            }
            Download d = next;
            next = advance();
            return d;
          }
        };
  }

  /** Drops the forgotten slots; every download's slot follows. */
  private void compact() {
    int j = 0;
    for (int i = 0; i < added.size(); i++) {
      Download d = added.get(i);
      if (d != null) {
        d.slot = j;
        added.set(j++, d);
      }
    }
    added.subList(j, added.size()).clear();
    forgottenSlots = 0;
  }

  /** O(1): the progress ticker asks this at every tick. */
  /** How many downloads are shown running (metadata, active, seeding). */
  int activeCount() {
    return activeCount;
  }

  boolean anyActive() {
    return activeCount > 0;
  }

  Batches batches() {
    return batches;
  }

  /** Takes every download out of the status gauges (the verticle stops). */
  void leaveGauges() {
    byId.values().forEach(d -> metrics.downloadStatus(d.status, null));
    for (DownloadStatus s : DownloadStatus.values()) {
      metrics.downloadsStatus(s, -coldCounts[s.ordinal()]);
    }
  }
}
