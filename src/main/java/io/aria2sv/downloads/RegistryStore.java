package io.aria2sv.downloads;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The registry seen from the event loop: every call runs on a worker through ordered
 * {@code executeBlocking}, so writes reach SQLite in the order they were made and the event loop
 * never waits for the disk. Downloads are copied into {@link Registry.Snapshot}s on the event loop
 * before the worker sees them.
 */
final class RegistryStore {
  private final Vertx vertx;
  private final Registry registry;

  private RegistryStore(Vertx vertx, Registry registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  static Future<RegistryStore> open(Vertx vertx, Path dataDir) {
    return vertx.executeBlocking(() -> new RegistryStore(vertx, Registry.open(dataDir)), true);
  }

  Future<List<Download>> loadAll() {
    return vertx.executeBlocking(registry::loadAll, true);
  }

  Future<List<JsonObject>> loadBatches() {
    return vertx.executeBlocking(registry::loadBatches, true);
  }

  Future<Void> save(List<Download> downloads, JsonObject newBatch) {
    List<Registry.Snapshot> copies = downloads.stream().map(Registry.Snapshot::of).toList();
    return vertx.executeBlocking(() -> {
      registry.save(copies, newBatch);
      return null;
    }, true);
  }

  Future<Void> delete(List<String> ids, String batchId) {
    return vertx.executeBlocking(() -> {
      registry.delete(ids, batchId);
      return null;
    }, true);
  }

  void recordRetry(String downloadId, String gid, Integer code, String message) {
    long at = System.currentTimeMillis();
    vertx.executeBlocking(() -> {
      registry.recordRetry(downloadId, gid, code, message, at);
      return null;
    }, true);
  }

  /** Deletes files, each only if its real location is inside {@code root}. */
  Future<Void> deleteFiles(Path root, List<Path> files) {
    return vertx.executeBlocking(() -> {
      Path realRoot = root.toRealPath();
      for (Path f : files) {
        if (!Files.exists(f)) {
          continue;
        }
        Path real = f.toRealPath();
        if (!real.startsWith(realRoot) || real.equals(realRoot)) {
          throw new IOException("refusing to delete " + f + ": outside the download root");
        }
        Files.delete(real);
      }
      return null;
    }, false);
  }

  Future<Void> close() {
    return vertx.executeBlocking(() -> {
      registry.close();
      return null;
    }, true);
  }
}
