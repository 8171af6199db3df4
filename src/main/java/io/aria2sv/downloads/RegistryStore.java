package io.aria2sv.downloads;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The registry seen from the event loop: every call runs on a worker through ordered
 * {@code executeBlocking}, so writes reach SQLite in the order they were made and the event loop
 * never waits for the disk. Writes that queue up while one is under way are committed together in
 * one transaction (group commit), in order. Downloads are copied into {@link Registry.Snapshot}s
 * on the event loop before the worker sees them. Confined to the downloads verticle's context.
 */
final class RegistryStore {
  /** One queued write: downloads to save, or another piece of work. */
  private record Op(List<Registry.Snapshot> saves, Callable<Void> work, Promise<Void> done) {}

  private final Vertx vertx;
  private final Registry registry;
  private final ArrayDeque<Op> queue = new ArrayDeque<>();
  private boolean writing;

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
    if (newBatch != null) {
      return enqueue(null, () -> {
        registry.save(copies, newBatch);
        return null;
      });
    }
    return enqueue(copies, null);
  }

  Future<Void> delete(List<String> ids, String batchId) {
    return enqueue(null, () -> {
      registry.delete(ids, batchId);
      return null;
    });
  }

  private Future<Void> enqueue(List<Registry.Snapshot> saves, Callable<Void> work) {
    Promise<Void> done = Promise.promise();
    queue.add(new Op(saves, work, done));
    if (!writing) {
      writeNext();
    }
    return done.future();
  }

  /** Takes the next write, or every consecutive save at the head of the queue as one transaction. */
  private void writeNext() {
    Op head = queue.poll();
    if (head == null) {
      writing = false;
      return;
    }
    writing = true;
    List<Op> taken = new ArrayList<>(List.of(head));
    Callable<Void> work = head.work();
    if (head.saves() != null) {
      List<Registry.Snapshot> merged = new ArrayList<>(head.saves());
      while (!queue.isEmpty() && queue.peek().saves() != null) {
        Op next = queue.poll();
        merged.addAll(next.saves());
        taken.add(next);
      }
      work = () -> {
        registry.save(merged, null);
        return null;
      };
    }
    vertx.executeBlocking(work, true).onComplete(ar -> {
      taken.forEach(op -> op.done().handle(ar));
      writeNext();
    });
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
      for (Path f : files) {
        if (!Files.exists(f)) {
          continue;
        }
        Path real = realPathInside(root, f);
        if (real == null) {
          throw new IOException("refusing to delete " + f + ": outside the download root");
        }
        Files.delete(real);
      }
      return null;
    }, false);
  }

  /**
   * Deletes {@code file} if it is a partial file this download left behind: a regular file inside
   * {@code root}, last written at or after {@code notBefore} (epoch ms), that is after the download
   * was requested. A file that was there before is the user's and stays. With {@code
   * withControlFile} its control file goes too; without, a file that has one is left alone.
   *
   * @return whether it was deleted
   */
  Future<Boolean> deleteOwnPartialFile(Path root, Path file, long notBefore, boolean withControlFile) {
    return vertx.executeBlocking(() -> {
      Path control = Path.of(file + ".aria2");
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || (!withControlFile && Files.exists(control))) {
        return false;
      }
      Path real = realPathInside(root, file);
      if (real == null || Files.getLastModifiedTime(real).toMillis() < notBefore) {
        return false;
      }
      Files.delete(real);
      Path realControl = Files.isRegularFile(control, LinkOption.NOFOLLOW_LINKS) ? realPathInside(root, control) : null;
      if (realControl != null) {
        Files.delete(realControl);
      }
      return true;
    }, false);
  }

  /** The real location of an existing {@code file} if it lies below {@code root}'s, else null. */
  private static Path realPathInside(Path root, Path file) throws IOException {
    Path realRoot = root.toRealPath();
    Path real = file.toRealPath();
    return real.startsWith(realRoot) && !real.equals(realRoot) ? real : null;
  }

  Future<Void> close() {
    return vertx.executeBlocking(() -> {
      registry.close();
      return null;
    }, true);
  }
}
