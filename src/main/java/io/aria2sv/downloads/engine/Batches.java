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
    final int total;
    final long createdAt;
    final List<Download> items = new ArrayList<>();
    boolean doneAnnounced;

    Batch(int total, long createdAt) {
      this.total = total;
      this.createdAt = createdAt;
    }
  }

  private final Map<String, Batch> byId = new HashMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();

  void register(String id, int total, long createdAt) {
    byId.putIfAbsent(id, new Batch(total, createdAt));
  }

  /** Whether the batch {@code id} is registered here. */
  boolean known(String id) {
    return byId.containsKey(id);
  }

  void track(Download d) {
    if (d.batchId != null) {
      byId.computeIfAbsent(d.batchId, k -> new Batch(0, d.createdAt)).items.add(d);
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
    long completed = 0;
    long total = 0;
    long speed = 0;
    for (Download d : b.items) {
      counts.merge(d.status, 1, Integer::sum);
      completed += d.completedLength;
      total += d.totalLength;
      speed += d.downloadSpeed;
    }
    int size = Math.max(b.total, b.items.size());
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
