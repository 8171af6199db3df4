package io.aria2sv.downloads;

import static io.aria2sv.downloads.DownloadStatus.ACTIVE;
import static io.aria2sv.downloads.DownloadStatus.COMPLETE;
import static io.aria2sv.downloads.DownloadStatus.FAILED;
import static io.aria2sv.downloads.DownloadStatus.PAUSED;
import static io.aria2sv.downloads.DownloadStatus.REMOVED;
import static io.aria2sv.downloads.DownloadStatus.RETRYING;
import static io.aria2sv.downloads.DownloadStatus.WAITING;

import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.config.AppConfig;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2Client;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every requested download moving: adds them to aria2 with a GID of our choosing (so a
 * retried add is recognised, never duplicated), applies aria2's status to our registry, re-adds
 * downloads that failed with a transient error, and reconciles with aria2 after every restart.
 * Each status transition is stored and published exactly once. Confined to the downloads
 * verticle's event loop; blocking work goes through {@link RegistryStore}.
 */
final class DownloadManager {
  private static final Logger LOG = LoggerFactory.getLogger(DownloadManager.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  static final JsonArray STATUS_KEYS = new JsonArray(List.of(
      "gid", "status", "totalLength", "completedLength", "downloadSpeed", "errorCode", "errorMessage", "files"));

  /** aria2's "file exists but has no control file". */
  private static final int FILE_EXISTS = 13;
  /** aria2's "the server cannot resume" (it ignored the Range of a resumed download). */
  private static final int RESUME_UNSUPPORTED = 8;
  /**
   * File times come from the kernel's coarse clock, which may lag the time a download was requested
   * by a clock tick (up to 10 ms at HZ=100); a file written within this much before is still ours.
   */
  private static final long FILE_TIME_SLACK_MS = 20;
  /** aria2's statuses of a download it still runs. */
  private static final List<String> UNSTOPPED = List.of("active", "waiting", "paused");
  /** How often, and at most how long, a removal asks aria2 whether it has stopped the download. */
  private static final long STOP_POLL_MS = 5;
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  /** Why a download is added again. */
  private enum ReAdd { AUTOMATIC, MANUAL, RESUME }

  private final Vertx vertx;
  private final Aria2Client aria2;
  private final AddCoalescer adds;
  private final RegistryStore store;
  private final DownloadFiles downloadFiles;
  private RetryDecider decider;
  private final DownloadEvents events;
  private final Path root;
  private final Map<String, Download> byId = new LinkedHashMap<>();
  private final Map<String, String> idByGid = new HashMap<>();
  private final Map<String, String> idByRequestId = new HashMap<>();
  private final Map<String, Future<Download>> addsInFlight = new HashMap<>();
  /** Downloads whose first add is under way: reconcile leaves them alone, events wait for "added". */
  private final Map<String, DownloadStatus> firstAdd = new HashMap<>();
  private final Map<String, Long> reAddTimers = new HashMap<>();
  final Batches batches = new Batches();
  /** Downloads with status ACTIVE, kept by index, unindex and transition. */
  private int activeCount;

  DownloadManager(Vertx vertx, Aria2Client aria2, RegistryStore store, AppConfig.Downloads config, DownloadEvents events, Path root) {
    this.vertx = vertx;
    this.aria2 = aria2;
    this.adds = new AddCoalescer(vertx.getOrCreateContext(), aria2::multicall);
    this.store = store;
    this.downloadFiles = new DownloadFiles(vertx, root);
    store.rebuildFrom(this::everything);
    this.decider = new RetryDecider(config);
    this.events = events;
    this.root = root;
  }

  // ---- loading and lookups ---------------------------------------------------------------------

  void load(List<Download> downloads, List<JsonObject> batchRows) {
    batchRows.forEach(b -> batches.register(b.getString("id"), b.getInteger("total"), b.getLong("createdAt")));
    for (Download d : downloads) {
      index(d);
    }
    batches.markLoadedDone();
  }

  private void index(Download d) {
    if (byId.put(d.id, d) == null) {
      Metrics.downloadStatus(null, d.status.wire());
      activeCount += d.status == ACTIVE ? 1 : 0;
    }
    idByGid.put(d.gid, d.id);
    if (d.request.requestId() != null) {
      idByRequestId.put(d.request.requestId(), d.id);
    }
    batches.track(d);
  }

  private void unindex(Download d) {
    if (byId.remove(d.id) != null) {
      Metrics.downloadStatus(d.status.wire(), null);
      activeCount -= d.status == ACTIVE ? 1 : 0;
    }
    d.gids.forEach(idByGid::remove);
    if (d.request.requestId() != null) {
      idByRequestId.remove(d.request.requestId());
    }
    batches.untrack(d);
  }

  Download find(String id) {
    Download d = id == null ? null : byId.get(id);
    if (d == null) {
      throw BusReplies.failure(ErrorCode.NOT_FOUND, "download " + id + " not found");
    }
    return d;
  }

  Collection<Download> all() {
    return byId.values();
  }

  /** Every batch and download as registry writes, for a registry file that has to be written anew. */
  private List<Registry.Write> everything() {
    List<Registry.Write> out = new ArrayList<>(byId.size() + 16);
    for (JsonObject b : batches.rows()) {
      out.add(new Registry.InsertBatch(b.getString("id"), b.getInteger("total"), b.getLong("createdAt")));
    }
    byId.values().forEach(d -> out.add(new Registry.Save(Registry.Snapshot.of(d))));
    return out;
  }

  JsonObject json(Download d) {
    return d.toJson(decider.maxRetries(), d.status == FAILED || decider.canRetry(d.errorCode, d.retryCount));
  }

  /** O(1): the progress ticker asks this at every tick. */
  boolean anyActive() {
    return activeCount > 0;
  }

  Download byGid(String gid) {
    String id = idByGid.get(gid);
    return id == null ? null : byId.get(id);
  }

  // ---- adding ----------------------------------------------------------------------------------

  /**
   * Adds a validated request: stored in the registry and sent to aria2 at the same time, and
   * acknowledged only once both are done, so an acknowledged download is always durable. If either
   * fails, the other is undone. A crash in between loses nothing that was acknowledged: after a
   * restart, reconcile removes from aria2 any GID the registry does not hold and re-adds what the
   * registry holds and aria2 lost.
   */
  Future<Download> add(DownloadRequest request) {
    String existing = request.requestId() == null ? null : idByRequestId.get(request.requestId());
    if (existing != null) {
      Future<Download> inFlight = addsInFlight.get(existing);
      return inFlight != null ? inFlight : Future.succeededFuture(byId.get(existing));
    }
    Download d = newDownload(null, request);
    index(d);
    firstAdd.put(d.id, d.status);
    Future<Void> saved = store.add(List.of(d), null);
    Future<Void> sent = sendAdd(d, false);
    Future<Download> f = Future.join(saved, sent)
        .map(v -> {
          announceAdded(d);
          return d;
        })
        .recover(err -> {
          // aria2's refusal says more to the caller than a registry failure.
          Throwable why = sent.failed() ? sent.cause() : saved.cause();
          Future<Void> undo = sent.succeeded() ? forgetInAria2(List.of(d)) : Future.succeededFuture();
          return undo.compose(v -> forget(List.of(d), null)).transform(ar -> Future.failedFuture(why));
        })
        .eventually(() -> {
          addsInFlight.remove(d.id);
          return Future.succeededFuture();
        });
    addsInFlight.put(d.id, f);
    return f;
  }

  /** Adds a validated batch: all stored in one transaction, then sent in multicall chunks. */
  Future<JsonObject> addBatch(List<DownloadRequest> requests) {
    String batchId = "b" + randomHex(7);
    long now = System.currentTimeMillis();
    List<Download> items = new ArrayList<>();
    batches.register(batchId, requests.size(), now);
    for (DownloadRequest r : requests) {
      Download d = newDownload(batchId, r);
      index(d);
      firstAdd.put(d.id, d.status);
      items.add(d);
    }
    JsonObject batchRow = new JsonObject().put("id", batchId).put("total", items.size()).put("createdAt", now);
    return store.add(items, batchRow)
        .compose(v -> sendBatch(items))
        .map(v -> {
          events.batchAdded(batchId, items.size());
          items.forEach(d -> announceAdded(d, false));
          return new JsonObject().put("id", batchId)
              .put("downloads", new JsonArray(items.stream().map(d -> d.id).toList()));
        })
        .recover(err -> forgetInAria2(items).compose(v -> forget(items, batchId)).transform(ar -> Future.failedFuture(err)));
  }

  /**
   * Publishes "added" once the first add is acknowledged, then the status it reached meanwhile (a
   * fast download may already be active or complete), so subscribers always see "added" first.
   */
  private void announceAdded(Download d) {
    announceAdded(d, true);
  }

  private void announceAdded(Download d, boolean log) {
    DownloadStatus initial = firstAdd.remove(d.id);
    events.transition("added", json(d), log);
    if (initial != null && d.status != initial) {
      events.transition(d.status.wire(), json(d));
    }
  }

  private Future<Void> sendBatch(List<Download> items) {
    List<List<Download>> chunks = BatchChunks.split(items, this::approximateSize);
    Future<Void> chain = Future.succeededFuture();
    for (List<Download> chunk : chunks) {
      chain = chain.compose(v -> aria2.multicall(chunk.stream().map(d -> addCall(d, false)).toList()))
          .compose(results -> {
            List<Download> refused = new ArrayList<>();
            List<Aria2RpcException> why = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
              if (results.get(i) instanceof Aria2RpcException e) {
                refused.add(chunk.get(i));
                why.add(e);
              }
            }
            return refused.isEmpty() ? Future.succeededFuture() : failUnlessPresent(refused, why);
          });
    }
    return chain;
  }

  /** Refused adds may be retries of adds that went through: only those aria2 does not know fail. */
  private Future<Void> failUnlessPresent(List<Download> refused, List<Aria2RpcException> why) {
    List<JsonObject> lookups = refused.stream()
        .map(d -> call("aria2.tellStatus", new JsonArray().add(d.gid).add(new JsonArray().add("gid"))))
        .toList();
    return aria2.multicall(lookups).map(found -> {
      for (int i = 0; i < refused.size(); i++) {
        Download d = refused.get(i);
        if (found.get(i) instanceof Aria2RpcException && !d.status.terminal()) {
          d.errorCode = why.get(i).aria2Code();
          d.errorMessage = "aria2 refused the download: " + why.get(i).getMessage();
          transition(d, FAILED);
        }
      }
      return null;
    });
  }

  private Download newDownload(String batchId, DownloadRequest request) {
    DownloadStatus initial = "true".equals(request.options().get("pause")) ? PAUSED : WAITING;
    return new Download("d" + randomHex(7), batchId, request, System.currentTimeMillis(), newGid(), initial);
  }

  private Future<Void> forget(List<Download> items, String batchId) {
    items.forEach(d -> {
      unindex(d);
      firstAdd.remove(d.id);
    });
    if (batchId != null) {
      batches.forget(batchId);
    }
    return store.delete(items.stream().map(d -> d.id).toList(), batchId);
  }

  /**
   * Forgets downloads that ended (complete, failed, removed) before {@code endedBefore} (epoch ms):
   * gone from the registry, the list and their retry history. A batch goes as a whole, once all of
   * its downloads have ended before then, so its figures never count a part of it.
   *
   * @return how many downloads were forgotten
   */
  int forgetEnded(long endedBefore) {
    List<Download> single = new ArrayList<>();
    Map<String, List<Download>> byBatch = new HashMap<>();
    Set<String> batchesStillGoing = new HashSet<>();
    for (Download d : byId.values()) {
      boolean old = d.status.terminal() && d.updatedAt < endedBefore && d.pendingAdd == null;
      if (d.batchId == null) {
        if (old) {
          single.add(d);
        }
      } else if (old) {
        byBatch.computeIfAbsent(d.batchId, k -> new ArrayList<>()).add(d);
      } else {
        batchesStillGoing.add(d.batchId);
      }
    }
    int n = single.size();
    if (!single.isEmpty()) {
      forget(single, null).onFailure(err -> LOG.warn("cannot forget {} ended downloads in the registry: {}", single.size(), err.getMessage()));
    }
    for (Map.Entry<String, List<Download>> b : byBatch.entrySet()) {
      if (!batchesStillGoing.contains(b.getKey())) {
        n += b.getValue().size();
        forget(b.getValue(), b.getKey()).onFailure(err -> LOG.warn("cannot forget batch {} in the registry: {}", b.getKey(), err.getMessage()));
      }
    }
    return n;
  }

  private Future<Void> forgetInAria2(List<Download> items) {
    if (aria2.current() == null) {
      return Future.succeededFuture();
    }
    List<JsonObject> calls = items.stream()
        .map(d -> call("aria2.forceRemove", new JsonArray().add(d.gid)))
        .toList();
    return aria2.multicall(calls).<Void>mapEmpty().otherwiseEmpty();
  }

  private JsonObject addCall(Download d, boolean resume) {
    return call("aria2.addUri", new JsonArray().add(new JsonArray(d.request.uris())).add(addOptions(d, resume)));
  }

  private static JsonObject call(String method, JsonArray params) {
    return new JsonObject().put("methodName", method).put("params", params);
  }

  private JsonObject addOptions(Download d, boolean resume) {
    JsonObject o = new JsonObject();
    d.request.options().forEach(o::put);
    o.put("gid", d.gid).put("dir", root.resolve(d.request.dir()).toString());
    if (d.request.out() != null) {
      o.put("out", d.request.out());
    }
    // Never write "name.1" beside an existing file: a clash is an error the user sees.
    o.put("auto-file-renaming", "false");
    if (resume) {
      o.put("continue", "true");
    }
    o.put("pause", d.status == PAUSED ? "true" : "false");
    return o;
  }

  /**
   * {@code aria2.addUri} with our GID. If aria2 refuses it, the GID is looked up: an earlier attempt
   * whose answer was lost may have added it already, and then this add succeeded.
   */
  private Future<Void> sendAdd(Download d, boolean resume) {
    return adds.submit(addCall(d, resume), approximateSize(d))
        .<Void>mapEmpty()
        .recover(err -> {
          if (!(err instanceof Aria2RpcException e) || e.kind() != Aria2RpcException.Kind.ARIA2) {
            return Future.failedFuture(err);
          }
          return aria2.call("aria2.tellStatus", d.gid, new JsonArray().add("gid")).<Void>mapEmpty()
              .recover(notThere -> Future.failedFuture(
                  BusReplies.failure(ErrorCode.BAD_REQUEST, "aria2 refused the download: " + e.getMessage())));
        });
  }

  /**
   * About the encoded size of {@code d}'s add call, without encoding it (a little over, never
   * under: the fixed part covers the options we add): URIs and options are validated (no control
   * characters), so JSON escaping adds little, and {@link BatchChunks} keeps a wide margin under
   * aria2's request size limit. Sizes both multicall batches and coalesced single adds.
   */
  private int approximateSize(Download d) {
    int size = 256 + root.toString().length() + (d.request.dir() == null ? 0 : d.request.dir().length());
    for (String uri : d.request.uris()) {
      size += uri.length() + 4;
    }
    for (Map.Entry<String, String> o : d.request.options().entrySet()) {
      size += o.getKey().length() + o.getValue().length() + 6;
    }
    return size + (d.request.out() == null ? 0 : d.request.out().length());
  }

  // ---- operations --------------------------------------------------------------------------------

  /**
   * Runs a command of the user's once a re-add of {@code d} on its way to aria2 has been answered and
   * applied. Sent before, a pause or removal would find nothing to stop in aria2 (the download is
   * {@code retrying} here and its new GID not there yet) and the add, landing after, would start
   * the download anyway; a resume would add it a second time. A command whose request timed out
   * meanwhile still runs.
   */
  private <T> Future<T> afterPendingAdd(Download d, Supplier<Future<T>> command) {
    Future<?> pending = d.pendingAdd;
    return pending == null ? command.get() : pending.transform(ar -> afterPendingAdd(d, command));
  }

  /** Records {@code add} as one of {@code d}'s re-adds in flight until it completes. */
  private <T> Future<T> pendingAdd(Download d, Future<T> add) {
    Future<?> all = d.pendingAdd == null ? add : Future.join(d.pendingAdd, add);
    d.pendingAdd = all;
    all.onComplete(ar -> {
      if (d.pendingAdd == all) {
        d.pendingAdd = null;
      }
    });
    return add;
  }

  Future<Download> pause(Download d) {
    return afterPendingAdd(d, () -> pauseNow(d));
  }

  private Future<Download> pauseNow(Download d) {
    switch (d.status) {
      case PAUSED:
        return Future.succeededFuture(d);
      case RETRYING:
        cancelReAdd(d);
        transition(d, PAUSED);
        return Future.succeededFuture(d);
      case WAITING:
      case ACTIVE:
        return command(d, "aria2.forcePause").map(v -> {
          transition(d, PAUSED);
          return d;
        });
      default:
        return conflict(d, "pause");
    }
  }

  Future<Download> resume(Download d) {
    return afterPendingAdd(d, () -> resumeNow(d));
  }

  private Future<Download> resumeNow(Download d) {
    if (d.status == WAITING || d.status == ACTIVE) {
      return Future.succeededFuture(d);
    }
    if (d.status != PAUSED) {
      return conflict(d, "resume");
    }
    return command(d, "aria2.unpause")
        .recover(err -> isAria2Error(err)
            // aria2 no longer has it (it was retrying when paused, or aria2 lost it): add it again.
            ? reAddNow(d, ReAdd.RESUME, WAITING).mapEmpty()
            : Future.failedFuture(err))
        .map(v -> {
          // A notification may have overtaken this answer and shown it active (or even complete)
          if (d.status == PAUSED) {
            transition(d, WAITING);
          }
          return d;
        });
  }

  Future<Download> retry(Download d) {
    return afterPendingAdd(d, () -> retryNow(d));
  }

  private Future<Download> retryNow(Download d) {
    if (d.status != FAILED) {
      return conflict(d, "retry");
    }
    return reAddNow(d, ReAdd.MANUAL, WAITING);
  }

  Future<Download> remove(Download d, boolean deleteFiles) {
    return afterPendingAdd(d, () -> removeNow(d, deleteFiles));
  }

  private Future<Download> removeNow(Download d, boolean deleteFiles) {
    cancelReAdd(d);
    boolean inAria2 = !d.status.terminal() && d.status != RETRYING;
    return (inAria2 ? askToRemove(d) : Future.<Void>succeededFuture())
        .compose(v -> {
          // From here on, should aria2c restart and bring the download back from its session, the
          // reconcile stops it again, and this wait ends
          d.filesDeleted |= deleteFiles;
          transition(d, REMOVED);
          return inAria2 ? stopped(d.gid) : Future.<Void>succeededFuture();
        })
        .compose(v -> dropStopped(d, d.gid, deleteFiles))
        .map(v -> d);
  }

  /** Once aria2 has stopped {@code gid}: drops its result, and deletes {@code d}'s files when asked. */
  private Future<Void> dropStopped(Download d, String gid, boolean deleteFiles) {
    removeResultLater(gid);
    return deleteFiles ? downloadFiles.delete(filesOf(d)) : Future.succeededFuture();
  }

  /** Sends {@code forceRemove} for {@code d}'s current GID; a GID aria2 no longer knows is fine. */
  private Future<Void> askToRemove(Download d) {
    return command(d, "aria2.forceRemove").<Void>mapEmpty()
        .recover(err -> isAria2Error(err) ? Future.succeededFuture() : Future.failedFuture(err));
  }

  /**
   * Completes once aria2 has stopped {@code gid}. {@code forceRemove} only asks: aria2 stops the
   * download a few milliseconds later and then writes the control file of an unfinished download,
   * so a file deleted before would come back, and its result could not yet be removed. Gives up
   * (with a warning) after {@link #STOP_WAIT}; an error means aria2 no longer knows the GID or is down,
   * either way nothing is left to write the file.
   */
  private Future<Void> stopped(String gid) {
    return stopped(gid, System.nanoTime() + STOP_WAIT.toNanos());
  }

  private Future<Void> stopped(String gid, long deadline) {
    return aria2.callObject("aria2.tellStatus", gid, new JsonArray().add("status"))
        .map(st -> !UNSTOPPED.contains(st.getString("status")))
        .otherwise(true)
        .compose(done -> {
          if (done) {
            return Future.succeededFuture();
          }
          if (System.nanoTime() - deadline > 0) {
            LOG.warn("aria2 has not stopped download {} within {} ms of its removal", gid, STOP_WAIT.toMillis());
            return Future.succeededFuture();
          }
          Promise<Void> later = Promise.promise();
          vertx.setTimer(STOP_POLL_MS, t -> stopped(gid, deadline).onComplete(later));
          return later.future();
        });
  }

  private List<Path> filesOf(Download d) {
    Path main = d.path != null ? Path.of(d.path)
        : d.request.out() != null ? root.resolve(d.request.dir()).resolve(d.request.out()) : null;
    return main == null ? List.of() : List.of(main, Path.of(main + ".aria2"));
  }

  private Future<Download> conflict(Download d, String what) {
    return Future.failedFuture(BusReplies.failure(ErrorCode.CONFLICT,
        "cannot " + what + " download " + d.id + ": it is " + d.status.wire()));
  }

  private static boolean isAria2Error(Throwable err) {
    return err instanceof Aria2RpcException e && e.kind() == Aria2RpcException.Kind.ARIA2;
  }

  // ---- what aria2 tells us ---------------------------------------------------------------------

  /** Sends a command on {@code d}'s GID, marking the status reads that it crosses as stale. */
  private Future<Object> command(Download d, String method) {
    d.commandEpoch++;
    return aria2.call(method, d.gid).andThen(ar -> d.commandEpoch++);
  }

  /** A WebSocket notification: fetch the status of that GID and apply it. */
  void onNotification(String method, String gid) {
    Download d = byGid(gid);
    if (d == null || !gid.equals(d.gid)) {
      return;
    }
    int epoch = d.commandEpoch;
    aria2.callObject("aria2.tellStatus", gid, STATUS_KEYS)
        .onSuccess(st -> {
          if (d.commandEpoch == epoch) {
            apply(d, st);
          } else {
            // a pause, resume or remove crossed this read, which may show the state before it
            onNotification(method, gid);
          }
        })
        .onFailure(err -> LOG.debug("status of {} after {} unavailable: {}", gid, method, err.getMessage()));
  }

  /** Applies aria2's view of a download's current GID; a no-op when nothing changed. */
  void apply(Download d, JsonObject st) {
    if (!d.gid.equals(st.getString("gid")) || d.status.terminal()) {
      return;
    }
    updateLengths(d, st);
    JsonArray files = st.getJsonArray("files");
    if (files != null && !files.isEmpty()) {
      String p = files.getJsonObject(0).getString("path");
      if (p != null && !p.isEmpty()) {
        d.path = p;
      }
    }
    switch (String.valueOf(st.getString("status"))) {
      case "active" -> transition(d, ACTIVE);
      case "waiting" -> transition(d, WAITING);
      case "paused" -> transition(d, PAUSED);
      case "complete" -> {
        d.errorCode = null;
        removeResultLater(d.gid);
        transition(d, COMPLETE);
      }
      case "removed" -> {
        removeResultLater(d.gid);
        transition(d, REMOVED);
      }
      case "error" -> failed(d, parseInt(st.getString("errorCode")), st.getString("errorMessage"));
      default -> { }
    }
  }

  private void failed(Download d, int code, String message) {
    if (d.status == FAILED || d.status == RETRYING) {
      return;
    }
    d.errorCode = code;
    d.errorMessage = message;
    String gid = d.gid;
    removeResultLater(gid);
    store.recordRetry(d.id, gid, code, message);
    var delay = decider.reAddDelay(code, d.retryCount);
    if ((code == FILE_EXISTS && delay.isEmpty() || code == RESUME_UNSUPPORTED) && startOverIfOwnPartialFile(d, code, message)) {
      return;
    }
    if (delay.isEmpty()) {
      LOG.info("download {} failed for good (aria2 error {}: {}) after {} re-adds", d.id, code, message, d.retryCount);
      transition(d, FAILED);
      return;
    }
    LOG.info("download {} failed (aria2 error {}: {}); re-adding in {} ms (re-add {} of {})",
        d.id, code, message, delay.get().toMillis(), d.retryCount + 1, decider.maxRetries());
    transition(d, RETRYING);
    scheduleReAdd(d, delay.get());
  }

  /**
   * Starts a download over from nothing, as a re-add, when its partial file is in the way:
   * <ul>
   *   <li>error 13: aria2 refuses to write over a file that has no control file. When aria2c was
   *       killed after creating the file and before saving its control file (saved every second),
   *       the file is this download's own, and aria2 restored the download from its session
   *       without {@code continue}.
   *   <li>error 8: the server ignored the Range of a download resumed after a pause or a restart;
   *       its partial file and control file can only be replaced.
   * </ul>
   * Only a file written after the download was requested is deleted. A file that existed before is
   * the user's: the download fails.
   *
   * @return whether the decision is under way (the download is RETRYING meanwhile)
   */
  private boolean startOverIfOwnPartialFile(Download d, int code, String message) {
    var delay = decider.nextDelay(d.retryCount);
    List<Path> files = filesOf(d);
    if (delay.isEmpty() || files.isEmpty()) {
      return false;
    }
    transition(d, RETRYING);
    boolean withControlFile = code == RESUME_UNSUPPORTED;
    downloadFiles.deleteOwnPartialFile(files.get(0), d.createdAt - FILE_TIME_SLACK_MS, withControlFile).onComplete(ar -> {
      if (d.status != RETRYING) {
        return; // paused or removed meanwhile
      }
      if (ar.succeeded() && ar.result()) {
        LOG.info("download {}: deleted its own partial file {} ({}); starting over in {} ms (re-add {} of {})", d.id, files.get(0),
            withControlFile ? "the server cannot resume" : "aria2c had not saved its control file", delay.get().toMillis(),
            d.retryCount + 1, decider.maxRetries());
        scheduleReAdd(d, delay.get());
      } else {
        LOG.info("download {} failed for good (aria2 error {}: {})", d.id, code, message);
        transition(d, FAILED);
      }
    });
    return true;
  }

  private void scheduleReAdd(Download d, Duration delay) {
    cancelReAdd(d);
    reAddTimers.put(d.id, vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
      reAddTimers.remove(d.id);
      if (d.status == RETRYING) {
        reAddNow(d, ReAdd.AUTOMATIC, WAITING).onFailure(err -> LOG.warn("re-add of download {} deferred: {}", d.id, err.getMessage()));
      }
    }));
  }

  private void cancelReAdd(Download d) {
    Long timer = reAddTimers.remove(d.id);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * Adds the download again under a new GID with {@code continue=true}, so aria2 resumes the partial
   * file. When aria2 is down the download stays RETRYING and the next reconcile adds it.
   */
  private Future<Download> reAddNow(Download d, ReAdd trigger, DownloadStatus after) {
    cancelReAdd(d);
    boolean countRetry = trigger != ReAdd.RESUME;
    if (countRetry) {
      Metrics.reAdd(trigger == ReAdd.AUTOMATIC);
    }
    String gid = newGid();
    d.gid = gid;
    d.gids.add(gid);
    idByGid.put(gid, d.id);
    if (countRetry) {
      d.retryCount++;
    }
    transition(d, RETRYING);
    // After "file exists" the file on disk is not a partial download of ours (ours was deleted):
    // without continue, aria2 refuses again rather than append to someone else's file.
    boolean resume = !Objects.equals(d.errorCode, FILE_EXISTS);
    return pendingAdd(d, sendAdd(d, resume)
        .map(v -> {
          transition(d, after);
          return d;
        })
        .recover(err -> {
          if (err instanceof io.vertx.core.eventbus.ReplyException re && re.failureCode() == ErrorCode.BAD_REQUEST.code()) {
            d.errorMessage = re.getMessage();
            transition(d, FAILED);
          }
          return Future.failedFuture(err);
        }));
  }

  /**
   * After a (re)connection to aria2: adopt what aria2 kept, re-add what it lost, apply every
   * transition that was missed, and drop results aria2 holds that are not ours.
   */
  Future<Void> reconcile() {
    List<JsonObject> calls = List.of(
        call("aria2.tellActive", new JsonArray().add(STATUS_KEYS)),
        call("aria2.tellWaiting", new JsonArray().add(0).add(1_000_000).add(STATUS_KEYS)),
        call("aria2.tellStopped", new JsonArray().add(0).add(1_000_000).add(STATUS_KEYS)));
    Map<Download, Integer> epochs = new IdentityHashMap<>();
    byId.values().forEach(d -> epochs.put(d, d.commandEpoch));
    return aria2.multicall(calls).map(results -> {
      Map<String, JsonObject> known = new HashMap<>();
      for (Object r : results) {
        if (r instanceof JsonArray list) {
          list.forEach(o -> known.put(((JsonObject) o).getString("gid"), (JsonObject) o));
        }
      }
      Map<Reconciled, Integer> counts = new EnumMap<>(Reconciled.class);
      for (Download d : new ArrayList<>(byId.values())) {
        JsonObject st = known.remove(d.gid);
        Integer epoch = epochs.get(d);
        Reconciled outcome = epoch != null && epoch != d.commandEpoch
            // a pause, resume or removal crossed these reads, which may show the state before it
            ? reconcileAgain(d)
            : reconcile(d, st);
        counts.merge(outcome, 1, Integer::sum);
      }
      for (String stray : known.keySet()) {
        String state = known.get(stray).getString("status");
        if (byGid(stray) == null) {
          if (!"complete".equals(state) && !"error".equals(state) && !"removed".equals(state)) {
            aria2.call("aria2.forceRemove", stray);
          }
          removeResultLater(stray);
        }
      }
      LOG.info("reconciled with aria2: {} adopted, {} re-added, {} ended downloads stopped again, {} read again, {} unknown dropped",
          counts.getOrDefault(Reconciled.ADOPTED, 0), counts.getOrDefault(Reconciled.RE_ADDED, 0),
          counts.getOrDefault(Reconciled.STOPPED_AGAIN, 0), counts.getOrDefault(Reconciled.READ_AGAIN, 0), known.size());
      return null;
    });
  }

  /** What the reconcile did with one download. */
  private enum Reconciled { ADOPTED, RE_ADDED, STOPPED_AGAIN, READ_AGAIN, NOTHING }

  /** Brings one download and aria2's view of its GID ({@code st}, null when aria2 does not know it) together. */
  private Reconciled reconcile(Download d, JsonObject st) {
    if (st != null && d.status.terminal() && UNSTOPPED.contains(st.getString("status"))) {
      // Ended here, but aria2 brought it back from a session saved before that
      stopAgain(d);
      return Reconciled.STOPPED_AGAIN;
    }
    if (st != null) {
      apply(d, st);
      return Reconciled.ADOPTED;
    }
    if (!needsAdd(d)) {
      return Reconciled.NOTHING;
    }
    DownloadStatus after = d.status == PAUSED ? PAUSED : WAITING;
    pendingAdd(d, sendAdd(d, true).andThen(ar -> {
      if (ar.failed()) {
        return;
      }
      if (d.status.terminal()) {
        // removed meanwhile by a removal sent before the reconcile, which found nothing to stop
        stopAgain(d);
      } else {
        transition(d, after);
      }
    })).onFailure(err -> LOG.warn("re-add of download {} after restart failed: {}", d.id, err.getMessage()));
    return Reconciled.RE_ADDED;
  }

  /** The reconcile of one download on a status read of its own, once no command crosses the read. */
  private Reconciled reconcileAgain(Download d) {
    int epoch = d.commandEpoch;
    String gid = d.gid;
    aria2.callObject("aria2.tellStatus", gid, STATUS_KEYS).onComplete(ar -> {
      if (!gid.equals(d.gid)) {
        return; // re-added meanwhile under a new GID: that add brought them together
      }
      if (d.commandEpoch != epoch) {
        reconcileAgain(d);
      } else if (ar.succeeded()) {
        reconcile(d, ar.result());
      } else if (isAria2Error(ar.cause())) {
        reconcile(d, null);
      } else {
        LOG.debug("status of {} for the reconcile unavailable: {}", gid, ar.cause().getMessage());
      }
    });
    return Reconciled.READ_AGAIN;
  }

  /**
   * Stops in aria2 a download that has ended here, and then drops its result; when it was removed
   * with its files, deletes what aria2 wrote meanwhile.
   */
  private void stopAgain(Download d) {
    String gid = d.gid;
    askToRemove(d)
        .compose(v -> stopped(gid))
        .compose(v -> dropStopped(d, gid, d.filesDeleted))
        .onFailure(err -> LOG.warn("cannot stop download {} again in aria2: {}", d.id, err.getMessage()));
  }

  private boolean needsAdd(Download d) {
    if (firstAdd.containsKey(d.id)) {
      return false;
    }
    return d.status == WAITING || d.status == ACTIVE || d.status == PAUSED
        || (d.status == RETRYING && !reAddTimers.containsKey(d.id));
  }

  // ---- progress ----------------------------------------------------------------------------------

  /** Applies one progress sample; true when a figure changed. */
  boolean progress(JsonObject st) {
    Download d = byGid(st.getString("gid"));
    if (d == null || !d.gid.equals(st.getString("gid"))) {
      return false;
    }
    long c = d.completedLength;
    long t = d.totalLength;
    long s = d.downloadSpeed;
    updateLengths(d, st);
    if (d.status == WAITING && "active".equals(st.getString("status"))) {
      transition(d, ACTIVE);
    }
    return c != d.completedLength || t != d.totalLength || s != d.downloadSpeed;
  }

  private static void updateLengths(Download d, JsonObject st) {
    d.completedLength = parseLong(st.getString("completedLength"), d.completedLength);
    d.totalLength = parseLong(st.getString("totalLength"), d.totalLength);
    d.downloadSpeed = "active".equals(st.getString("status")) ? parseLong(st.getString("downloadSpeed"), 0) : 0;
  }

  // ---- transitions -------------------------------------------------------------------------------

  /** Moves to {@code to}, storing and publishing the change once; nothing happens if unchanged. */
  private void transition(Download d, DownloadStatus to) {
    if (d.status == to) {
      return;
    }
    Metrics.downloadStatus(d.status.wire(), to.wire());
    activeCount += (to == ACTIVE ? 1 : 0) - (d.status == ACTIVE ? 1 : 0);
    d.status = to;
    d.updatedAt = System.currentTimeMillis();
    if (to != ACTIVE) {
      d.downloadSpeed = 0;
    }
    store.update(d);
    if (!firstAdd.containsKey(d.id)) {
      events.transition(to.wire(), json(d));
    }
    if (d.batchId != null) {
      batches.changed(d.batchId);
    }
  }

  private void removeResultLater(String gid) {
    if (aria2.current() != null) {
      aria2.call("aria2.removeDownloadResult", gid).onFailure(err -> { });
    }
  }

  /** New re-add settings, for every later decision. */
  void reconfigure(AppConfig.Downloads next) {
    decider = new RetryDecider(next);
  }

  void stop() {
    reAddTimers.values().forEach(vertx::cancelTimer);
    reAddTimers.clear();
    byId.values().forEach(d -> Metrics.downloadStatus(d.status.wire(), null));
  }

  static String newGid() {
    return randomHex(8);
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static int parseInt(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private static long parseLong(String s, long fallback) {
    try {
      return s == null ? fallback : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
