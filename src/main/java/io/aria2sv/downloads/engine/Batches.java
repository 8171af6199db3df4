package io.aria2sv.downloads.engine;

import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Batch membership and progress (seed 002's fields plus bytes and speed). Event-loop confined. */
public final class Batches {
  private static final class Batch {
    int total;
    long createdAt;
    final List<Download> items = new ArrayList<>();
    boolean doneAnnounced;

    /** Its cold downloads (in the registry only): how many have each status, and their bytes. */
    final int[] cold = new int[DownloadStatus.values().length];

    int coldSize;
    long coldCompleted;
    long coldTotal;

    void tally(DownloadStatus status, int n, long completed, long total) {
      cold[status.ordinal()] += n;
      coldSize += n;
      coldCompleted += completed;
      coldTotal += total;
    }

    Batch(int total, long createdAt) {
      this.total = total;
      this.createdAt = createdAt;
    }
  }

  private final Map<String, Batch> byId = new HashMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();

  void register(String id, int total, long createdAt) {
    Batch b = byId.putIfAbsent(id, new Batch(total, createdAt));
    if (b != null && b.createdAt == 0) {
      // counted from its cold downloads before its row was read
      b.total = total;
      b.createdAt = createdAt;
    }
  }

  /** Whether the batch {@code id} is registered here. */
  boolean known(String id) {
    return byId.containsKey(id);
  }

  void track(Download d) {
    if (d.batchId != null) {
      List<Download> items = byId.computeIfAbsent(d.batchId, k -> new Batch(0, d.createdAt)).items;
      // in the order they were added: one read back from the registry goes where it was
      int at = items.size();
      while (at > 0 && items.get(at - 1).seq > d.seq) {
        at--;
      }
      items.add(at, d);
    }
  }

  /** The downloads of batch {@code id} in the order they were added; empty when none. */
  List<Download> items(String id) {
    Batch b = byId.get(id);
    return b == null ? List.of() : b.items;
  }

  /** After loading the registry: batches already done have nothing left to announce. */
  void markLoadedDone() {
    byId.forEach((id, b) -> b.doneAnnounced = stats(id, b).getBoolean("done"));
  }

  /** {@code d} went cold: it counts in its batch's figures without being held. */
  void cool(Download d) {
    if (d.batchId != null) {
      byId.computeIfAbsent(d.batchId, k -> new Batch(0, d.createdAt))
          .tally(d.status, 1, d.completedLength, d.totalLength);
    }
  }

  /** {@code d} was read back from the registry: {@link #track} counts it from now on. */
  void warm(Download d) {
    Batch b = d.batchId == null ? null : byId.get(d.batchId);
    if (b != null) {
      b.tally(d.status, -1, -d.completedLength, -d.totalLength);
    }
  }

  /** The registry's cold downloads of batch {@code id} with {@code status}, counted at start. */
  void coldAtStart(String id, DownloadStatus status, int n, long completed, long total) {
    byId.computeIfAbsent(id, k -> new Batch(0, 0)).tally(status, n, completed, total);
  }

  /** Forgets every batch's cold figures (they are counted again). */
  void resetCold() {
    for (Batch b : byId.values()) {
      java.util.Arrays.fill(b.cold, 0);
      b.coldSize = 0;
      b.coldCompleted = 0;
      b.coldTotal = 0;
    }
  }

  /** How many of batch {@code id}'s downloads are cold. */
  int coldSize(String id) {
    Batch b = byId.get(id);
    return b == null ? 0 : b.coldSize;
  }

  /** How many of batch {@code id}'s cold downloads have {@code status}. */
  int coldCount(String id, DownloadStatus status) {
    Batch b = byId.get(id);
    return b == null ? 0 : b.cold[status.ordinal()];
  }

  void untrack(Download d) {
    Batch b = d.batchId == null ? null : byId.get(d.batchId);
    if (b != null) {
      b.items.remove(d);
    }
  }

  /** Every batch as the registry stores it: {@code {id, total, createdAt}}. */
  List<JsonObject> rows() {
    List<JsonObject> out = new ArrayList<>(byId.size());
    byId.forEach(
        (id, b) ->
            out.add(
                new JsonObject()
                    .put("id", id)
                    .put("total", b.total)
                    .put("createdAt", b.createdAt)));
    return out;
  }

  void forget(String id) {
    byId.remove(id);
    dirty.remove(id);
  }

  void changed(String id) {
    dirty.add(id);
  }

  /** The batches that changed since the last call. */
  List<String> drainChanged() {
    List<String> out = new ArrayList<>(dirty);
    dirty.clear();
    return out;
  }

  /** True exactly once per batch: when it first becomes done. */
  boolean announceDone(String id) {
    Batch b = byId.get(id);
    if (b == null || b.doneAnnounced || !stats(id, b).getBoolean("done")) {
      return false;
    }
    b.doneAnnounced = true;
    return true;
  }

  public JsonObject stats(String id) {
    Batch b = id == null ? null : byId.get(id);
    if (b == null) {
      throw BusReplies.failure(ErrorCode.NOT_FOUND, "batch " + id + " not found");
    }
    return stats(id, b);
  }

  private static JsonObject stats(String id, Batch b) {
    Map<DownloadStatus, Integer> counts = new HashMap<>();
    long completed = b.coldCompleted;
    long total = b.coldTotal;
    long speed = 0;
    for (DownloadStatus s : DownloadStatus.values()) {
      if (b.cold[s.ordinal()] != 0) {
        counts.put(s, b.cold[s.ordinal()]);
      }
    }
    for (Download d : b.items) {
      counts.merge(d.status, 1, Integer::sum);
      completed += d.completedLength;
      total += d.totalLength;
      speed += d.downloadSpeed;
    }
    int size = Math.max(b.total, b.items.size() + b.coldSize);
    int terminal = 0;
    JsonObject out = new JsonObject().put("id", id).put("total", size);
    for (DownloadStatus s : DownloadStatus.values()) {
      int n = counts.getOrDefault(s, 0);
      out.put(s.wire(), n);
      if (s.terminal()) {
        terminal += n;
      }
    }
    int finished = counts.getOrDefault(DownloadStatus.COMPLETE, 0);
    return out.put("percent", size == 0 ? 100 : finished * 100 / size)
        .put("completedLength", completed)
        .put("totalLength", total)
        .put("downloadSpeed", speed)
        .put("createdAt", b.createdAt)
        .put("done", terminal == size);
  }
}
