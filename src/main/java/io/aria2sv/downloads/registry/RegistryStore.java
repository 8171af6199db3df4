package io.aria2sv.downloads.registry;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry seen from the event loop: every call runs on a worker through ordered {@code
 * executeBlocking}, so writes reach SQLite in the order they were made and the event loop never
 * waits for the disk. Writes that queue up while one is under way are committed together in one
 * transaction (group commit), in order. Downloads are copied into {@link StoredDownload}s on the
 * event loop before the worker sees them. Confined to the downloads verticle's context.
 *
 * <p>When a write fails (full disk, read-only file system, a lock held by another process, the file
 * deleted or replaced), the store becomes <em>unwritable</em> with a {@link RegistryFault} that
 * says why, logged once. An add ({@link #add}) is then refused with that fault, so nothing is
 * acknowledged that was not stored. Other changes (status transitions, deletions, retry history)
 * are kept in memory, the newest per download, and written first once the registry can write again.
 * Each later write, and a probe every {@value #PROBE_MILLIS} ms, first reopens the connection (one
 * that saw a failed commit cannot be trusted); a registry whose file was deleted is written anew
 * from memory. The first write that succeeds makes the store writable again.
 */
public final class RegistryStore {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryStore.class);

  /** How often an unwritable registry tries again on its own, so readiness returns without adds. */
  public static final long PROBE_MILLIS = 1000;

  /** Most retry-history rows kept in memory while unwritable; older ones are dropped. */
  private static final int MAX_KEPT_HISTORY = 10_000;

  /** One queued write; {@code mustStore} ones fail when not stored, the others are kept. */
  private record Op(List<Registry.Write> writes, boolean mustStore, Promise<Void> done) {}

  private final Vertx vertx;
  private final Registry registry;
  private final ArrayDeque<Op> queue = new ArrayDeque<>();
  private boolean writing;
  private boolean probeRequested;
  private long probeTimer = -1;

  /** Why the registry cannot write; null while it can. */
  private RegistryFault fault;

  /** Changes not stored yet, the newest per download id (a save or a delete). */
  private final Map<String, Registry.Write> keptDownloads = new LinkedHashMap<>();

  /** Batch deletions and retry history not stored yet, in order. */
  private final List<Registry.Write> keptOther = new ArrayList<>();

  private int droppedHistory;
  private Consumer<RegistryFault> onCondition = f -> {};
  private Supplier<List<Registry.Write>> everything = List::of;
  private boolean closed;

  /** Told once the queue is written, after {@link #close} was asked. */
  private Promise<Void> onDrained;

  private RegistryStore(Vertx vertx, Registry registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  public static Future<RegistryStore> open(Vertx vertx, Path dataDir) {
    return vertx.executeBlocking(() -> new RegistryStore(vertx, Registry.open(dataDir)), true);
  }

  /**
   * Told the new fault when the registry becomes unwritable (or its cause changes), null when it
   * can write again.
   */
  public void onCondition(Consumer<RegistryFault> listener) {
    this.onCondition = listener;
  }

  /**
   * What to write into a new file when the registry's file was deleted: every download and batch.
   */
  public void rebuildFrom(Supplier<List<Registry.Write>> everything) {
    this.everything = everything;
  }

  /** Why the registry cannot write now, or null. */
  public RegistryFault fault() {
    return fault;
  }

  /** The registry's file. */
  public Path file() {
    return registry.file();
  }

  /** Every download, oldest first. */
  public Future<List<StoredDownload>> loadAll() {
    return vertx.executeBlocking(registry::loadAll, true);
  }

  /** The downloads that are not cold, in the order they were added. */
  public Future<List<StoredDownload>> loadWarm() {
    return read(Registry::loadWarm);
  }

  /** The failed attempts of the downloads that are not cold, oldest first. */
  public Future<List<Registry.RecordRetry>> loadWarmRetries() {
    return read(Registry::loadWarmRetries);
  }

  /** A read of the registry, run in turn with its writes. */
  @FunctionalInterface
  public interface Query<T> {
    T run(Registry registry) throws Exception;
  }

  /**
   * Runs {@code query} on a worker, after the writes handed to the worker before it (a write still
   * queued here, behind one under way, comes after it).
   */
  public <T> Future<T> read(Query<T> query) {
    return vertx
        .<T>executeBlocking(() -> query.run(registry), true)
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof ServiceException
                        ? err
                        : RegistryFault.classify(err, registry.file())));
  }

  /** Marks every ended download that nothing runs for any more cold (see {@link ColdRows}). */
  public Future<Integer> coolSettled() {
    return read(ColdRows::coolSettled);
  }

  /**
   * Marks {@code ids} cold once the writes queued before are stored; fails when it cannot be stored
   * (nothing is kept to be written later: the engine keeps them instead).
   */
  public Future<Void> cool(List<String> ids) {
    return enqueue(List.of(new Registry.Cool(ids)), true);
  }

  /** Batch rows {@code {id, total, createdAt}}. */
  public Future<List<JsonObject>> loadBatches() {
    return vertx.executeBlocking(registry::loadBatches, true);
  }

  /**
   * Stores new downloads (and their batch row, when given): the future succeeds only once they are
   * committed, and fails with a {@link RegistryFault} when they cannot be.
   */
  public Future<Void> add(List<StoredDownload> downloads, JsonObject newBatch) {
    return add(downloads, newBatch == null ? List.of() : List.of(newBatch));
  }

  /**
   * Stores new downloads and the new batches {@code {id, total, createdAt}} they belong to, in one
   * transaction.
   */
  public Future<Void> add(List<StoredDownload> downloads, List<JsonObject> newBatches) {
    return add(downloads, List.of(), newBatches);
  }

  /**
   * As {@link #add(List, List)}, with downloads the engine does not hold ({@code cold}: queued
   * beyond what it keeps in memory) in the same transaction.
   */
  public Future<Void> add(
      List<StoredDownload> downloads, List<StoredDownload> cold, List<JsonObject> newBatches) {
    List<Registry.Write> writes =
        new ArrayList<>(downloads.size() + cold.size() + newBatches.size());
    cold.forEach(d -> writes.add(new Registry.Save(d, true)));
    for (JsonObject b : newBatches) {
      writes.add(
          new Registry.InsertBatch(
              b.getString("id"), b.getInteger("total"), b.getLong("createdAt")));
    }
    downloads.forEach(d -> writes.add(new Registry.Save(d)));
    return enqueue(writes, true);
  }

  /** Stores a download's new state; while the registry cannot write, it is kept until it can. */
  public void update(StoredDownload d) {
    enqueue(List.of(new Registry.Save(d)), false);
  }

  /** Stores several downloads' new states in one transaction, kept like {@link #update}. */
  public void update(List<StoredDownload> downloads) {
    enqueue(downloads.stream().<Registry.Write>map(Registry.Save::new).toList(), false);
  }

  /**
   * A download's new state with more writes in the same transaction (its webhook messages); the
   * future completes once they are committed.
   */
  public Future<Void> update(StoredDownload d, List<Registry.Write> with) {
    List<Registry.Write> writes = new ArrayList<>(with.size() + 1);
    writes.add(new Registry.Save(d));
    writes.addAll(with);
    return enqueue(writes, false);
  }

  /** Writes that concern no download row (webhook attempts); the future completes once stored. */
  public Future<Void> record(List<Registry.Write> writes) {
    return enqueue(writes, false);
  }

  /** As {@link #update}; the future completes once it is committed. */
  public Future<Void> updateNow(StoredDownload d) {
    return enqueue(List.of(new Registry.Save(d)), false);
  }

  /** Deletes downloads (and their batch, when given); kept until it can be done, like an update. */
  public Future<Void> delete(List<String> ids, String batchId) {
    List<Registry.Write> writes = new ArrayList<>(ids.size() + 1);
    ids.forEach(id -> writes.add(new Registry.Delete(id)));
    if (batchId != null) {
      writes.add(new Registry.DeleteBatch(batchId));
    }
    return enqueue(writes, false);
  }

  /**
   * Appends a failed attempt to its download's retry history; kept until stored, like an update.
   */
  public void recordRetry(Registry.RecordRetry attempt) {
    enqueue(List.of(attempt), false);
  }

  private Future<Void> enqueue(List<Registry.Write> writes, boolean mustStore) {
    if (closed && !writing) {
      return mustStore
          ? Future.failedFuture(
              new ServiceException(
                  ErrorCode.NOT_RUNNING, "the registry is closed: the supervisor is stopping"))
          : Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    queue.add(new Op(writes, mustStore, done));
    if (!writing) {
      writeNext();
    }
    return done.future();
  }

  /**
   * Takes everything queued as one transaction; while unwritable, reopens first and writes what was
   * kept before it (after a deleted file, everything in memory).
   */
  private void writeNext() {
    if (queue.isEmpty() && (!probeRequested || closed)) {
      writing = false;
      if (onDrained != null) {
        onDrained.complete();
        onDrained = null;
      }
      return;
    }
    writing = true;
    probeRequested = false;
    List<Op> taken = new ArrayList<>(queue);
    queue.clear();
    RegistryFault before = fault;
    List<Registry.Write> writes = new ArrayList<>();
    if (before != null) {
      if (before.kind() == RegistryFault.Cause.GONE) {
        writes.addAll(everything.get());
      }
      writes.addAll(keptDownloads.values());
      writes.addAll(keptOther);
    }
    taken.forEach(op -> writes.addAll(op.writes()));
    vertx
        .executeBlocking(
            () -> {
              if (before != null) {
                if (before.kind() == RegistryFault.Cause.REPLACED) {
                  registry.checkSameFile(); // never write into a file someone else put there
                }
                if (before.kind() == RegistryFault.Cause.GONE) {
                  salvage();
                }
                registry.reopen();
              }
              // while unwritable, only a write that changes the file shows that it can write again
              registry.write(writes, before != null);
              return null;
            },
            true)
        .onComplete(
            ar -> {
              // the condition changes before any caller hears of the outcome, so readiness agrees
              // with it
              if (ar.succeeded()) {
                if (before != null) {
                  writable(keptDownloads.size() + keptOther.size());
                }
                taken.forEach(op -> op.done().complete());
              } else {
                RegistryFault f = RegistryFault.classify(ar.cause(), registry.file());
                unwritable(f);
                for (Op op : taken) {
                  if (op.mustStore()) {
                    op.done().fail(f);
                  } else {
                    op.writes().forEach(this::keep);
                    op.done().complete();
                  }
                }
              }
              writeNext();
            });
  }

  /**
   * Copies the deleted file's rows (the cold downloads only it holds) to the registry's path, once:
   * what the engine holds is written over them.
   */
  private void salvage() {
    try {
      if (!java.nio.file.Files.exists(registry.file())) {
        registry.salvage();
        LOG.warn("registry {} was deleted: its rows were copied back from the open file", file());
      }
    } catch (Exception e) {
      LOG.error(
          "registry {} was deleted and its rows cannot be copied back ({}): downloads that had"
              + " ended and left memory are lost",
          file(),
          e.getMessage());
    }
  }

  private void keep(Registry.Write w) {
    if (w instanceof Registry.Save s) {
      keptDownloads.put(s.download().id(), w);
    } else if (w instanceof Registry.Delete d) {
      keptDownloads.put(d.id(), w);
    } else {
      if (w instanceof Registry.RecordRetry && keptOther.size() >= MAX_KEPT_HISTORY) {
        droppedHistory++;
        return;
      }
      keptOther.add(w);
    }
  }

  private void unwritable(RegistryFault f) {
    boolean news = fault == null || fault.kind() != f.kind();
    fault = f;
    if (!news) {
      return;
    }
    LOG.error(
        "{}; adds are refused until it can write again (tried again every {} ms), other changes are kept in memory",
        f.getMessage(),
        PROBE_MILLIS);
    if (probeTimer < 0) {
      probeTimer =
          vertx.setPeriodic(
              PROBE_MILLIS,
              id -> {
                probeRequested = true;
                if (!writing) {
                  writeNext();
                }
              });
    }
    onCondition.accept(f);
  }

  private void writable(int keptChanges) {
    LOG.info(
        "registry {} can write again: stored {} changes kept in memory meanwhile{}",
        registry.file(),
        keptChanges,
        droppedHistory == 0 ? "" : " (" + droppedHistory + " retry-history rows were dropped)");
    fault = null;
    keptDownloads.clear();
    keptOther.clear();
    droppedHistory = 0;
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
      probeTimer = -1;
    }
    onCondition.accept(null);
  }

  /**
   * Writes what is queued, then closes the registry; writes asked for after this are refused (an
   * add) or dropped (a status change: aria2's session has it, and the next start reconciles).
   */
  public Future<Void> close() {
    closed = true;
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
      probeTimer = -1;
    }
    if (writing) {
      Promise<Void> drained = Promise.promise();
      onDrained = drained;
      return drained.future().compose(v -> closeNow());
    }
    return closeNow();
  }

  private Future<Void> closeNow() {
    return vertx.executeBlocking(
        () -> {
          registry.close();
          return null;
        },
        true);
  }
}
