package io.aria2sv.downloads.engine;

import io.aria2sv.downloads.registry.Registry;
import io.aria2sv.downloads.registry.StoredDownload;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Between the registry's plain rows and the engine's downloads, in both directions. */
final class RegistryRows {
  private RegistryRows() {}

  /**
   * Fills {@code index} with what the registry holds; returns the downloads that had no place in
   * the queue yet (rows of an earlier version), which get one after every stored one, in the order
   * they were added.
   */
  /**
   * The downloads the registry rows {@code stored} hold, without their failed attempts: parsing
   * only, no engine state touched, so that it can run on a worker thread.
   */
  static List<Download> restore(List<StoredDownload> stored) {
    List<Download> out = new ArrayList<>(stored.size());
    for (StoredDownload s : stored) {
      out.add(Download.restore(s));
    }
    return out;
  }

  static List<Download> load(
      DownloadIndex index,
      List<Download> restored,
      List<Registry.RecordRetry> retries,
      List<JsonObject> batchRows) {
    Batches batches = index.batches();
    batchRows.forEach(
        b -> batches.register(b.getString("id"), b.getInteger("total"), b.getLong("createdAt")));
    Map<String, Download> byId = new HashMap<>();
    List<Download> unplaced = new ArrayList<>();
    for (Download d : restored) {
      byId.put(d.id, d);
      if (d.position == 0) {
        unplaced.add(d);
      } else {
        index.add(d);
      }
    }
    unplaced.forEach(index::add);
    for (Registry.RecordRetry r : retries) {
      Download d = byId.get(r.downloadId());
      if (d != null) {
        d.failedAttempt(new Download.Failure(r.at(), r.gid(), r.errorCode(), r.errorMessage()));
      }
    }
    batches.markLoadedDone();
    return unplaced;
  }

  /** Every batch and download of {@code index} as registry writes, for a file written anew. */
  static List<Registry.Write> everything(DownloadIndex index) {
    List<Registry.Write> out = new ArrayList<>(index.all().size() + 16);
    for (JsonObject b : index.batches().rows()) {
      out.add(
          new Registry.InsertBatch(
              b.getString("id"), b.getInteger("total"), b.getLong("createdAt")));
    }
    index.all().forEach(d -> out.add(new Registry.Save(d.stored())));
    return out;
  }
}
