package io.aria2sv.downloads.engine;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.downloads.registry.StoredDownload;
import io.aria2sv.downloads.request.DownloadRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One download as the registry knows it. {@code id} is ours and stable across re-adds; {@code gid}
 * is aria2's current one, and {@code gids} the chain of every GID it had. Mutable, confined to the
 * downloads verticle's event loop.
 */
public final class Download {
  final String id;
  final String batchId;

  /** What the user asked for; its options change with {@link DownloadCommands#changeOptions}. */
  DownloadRequest request;

  final long createdAt;
  String gid;

  /** Sized for the one GID most downloads ever have: a million queued downloads hold this list. */
  final List<String> gids = new ArrayList<>(1);

  DownloadStatus status;
  long completedLength;
  long totalLength;
  long downloadSpeed;

  /**
   * BitTorrent figures (zero for other downloads): bytes uploaded, upload speed, seeders and peers
   * connected.
   */
  long uploadLength;

  long uploadSpeed;
  int numSeeders;
  int connections;
  Integer errorCode;
  String errorMessage;
  int retryCount;

  /** The file aria2 writes, once known (absolute). */
  String path;

  long updatedAt;

  /**
   * Its place in the queue of waiting and paused downloads: lower goes first (see {@link
   * DownloadQueue}); zero until the queue gives it one.
   */
  long position;

  /**
   * Whether aria2 holds its current GID, or an add of it is on the way: a queued download that
   * aria2 does not hold waits in the registry only, until the {@link Window} has room for it.
   */
  boolean held;

  /** Its place in the index's list of every download in the order they were added. */
  int slot;

  /**
   * Its place in the order downloads were added, across restarts and in the registry: the index
   * gives it one when it is first added.
   */
  long seq;

  /**
   * While its first add is under way, the status it had when the add began (its events wait, and it
   * is not in the queue yet: see {@link Transitions#firstAddBegins}); null otherwise.
   */
  DownloadStatus firstAddFrom;

  /**
   * Bumped when a command on this download (pause, resume, remove) is sent to aria2 and again when
   * it is answered: a status read that spans a change of it may predate the command.
   */
  int commandEpoch;

  /**
   * Whether a pass of {@link Forgetting#forgetEnded} holds it in a page still to come: a later pass
   * (the next tick of {@code downloads.keepEnded}, a purge) leaves it to that one.
   */
  boolean forgetting;

  /**
   * A re-add of this download on its way to aria2 (a retry, an automatic re-add, the reconcile's),
   * until it is answered and its outcome applied; null when there is none.
   */
  Future<?> pendingAdd;

  /**
   * Removed with its files (kept in the registry): files aria2 writes again, for a download it
   * brings back from a session older than the removal, are deleted too.
   */
  boolean filesDeleted;

  /**
   * What runs after it ended complete ({@code {state, step, target, finalPath, reason, at}}), or
   * null when nothing does.
   */
  JsonObject completion;

  /** The public JSON last built for this download (see {@link DownloadJson}); null before. */
  DownloadJson.Shown shown;

  /** The failed attempts that led to re-adds, oldest first, at most {@link #MAX_ERRORS}. */
  final List<Failure> errors = new ArrayList<>();

  /** Most failed attempts a download keeps in memory (the registry keeps all). */
  static final int MAX_ERRORS = 20;

  /** One failed attempt: when, under which GID, and aria2's error. */
  record Failure(long at, String gid, Integer errorCode, String errorMessage) {
    JsonObject toJson() {
      return new JsonObject()
          .put("at", at)
          .put("gid", gid)
          .put("errorCode", errorCode)
          .put("errorMessage", errorMessage);
    }
  }

  Download(
      String id,
      String batchId,
      DownloadRequest request,
      long createdAt,
      String gid,
      DownloadStatus status) {
    this.id = id;
    this.batchId = batchId;
    this.request = request;
    this.createdAt = createdAt;
    this.gid = gid;
    this.gids.add(gid);
    this.status = status;
    this.updatedAt = createdAt;
  }

  /** This download as a registry row. */
  StoredDownload stored() {
    return new StoredDownload(
        id,
        gid,
        batchId,
        request.toJson().encode(),
        status.name(),
        completedLength,
        totalLength,
        errorCode,
        errorMessage,
        retryCount,
        new JsonArray(new ArrayList<>(gids)).encode(),
        path,
        createdAt,
        updatedAt,
        filesDeleted,
        completion == null ? null : completion.encode(),
        position,
        seq);
  }

  /** A download as the registry row {@code s} stored it (without its failed attempts). */
  static Download restore(StoredDownload s) {
    DownloadRequest req = DownloadRequest.fromJson(new JsonObject(s.request()));
    JsonArray gids = new JsonArray(s.gids());
    Download d =
        new Download(
            s.id(),
            s.batchId(),
            req,
            s.createdAt(),
            gids.getString(0),
            DownloadStatus.valueOf(s.status()));
    for (int i = 1; i < gids.size(); i++) {
      // the current GID is the last of the chain: one string for both
      d.gids.add(
          i == gids.size() - 1 && gids.getString(i).equals(s.gid()) ? s.gid() : gids.getString(i));
    }
    d.gid = gids.size() == 1 && gids.getString(0).equals(s.gid()) ? d.gids.get(0) : s.gid();
    d.completedLength = s.completedLength();
    d.totalLength = s.totalLength();
    d.errorCode = s.errorCode();
    d.errorMessage = s.errorMessage();
    d.retryCount = s.retryCount();
    d.path = s.path();
    d.updatedAt = s.updatedAt();
    d.filesDeleted = s.filesDeleted();
    d.completion = s.completion() == null ? null : new JsonObject(s.completion());
    d.position = s.position() == null ? 0 : s.position();
    d.seq = s.seq();
    return d;
  }

  /** Our id, stable across re-adds. */
  public String id() {
    return id;
  }

  /** aria2's current GID. */
  public String gid() {
    return gid;
  }

  /** The batch this download belongs to, or null. */
  public String batchId() {
    return batchId;
  }

  public DownloadStatus status() {
    return status;
  }

  public long createdAt() {
    return createdAt;
  }

  /** Its place in the order downloads were added. */
  public long seq() {
    return seq;
  }

  /** Its place in the queue (see {@link DownloadQueue}): lower goes first. */
  public long position() {
    return position;
  }

  /** What the user asked for, with its options as changed since. */
  public DownloadRequest request() {
    return request;
  }

  /** Records a failed attempt, keeping the newest {@link #MAX_ERRORS}. */
  void failedAttempt(Failure f) {
    errors.add(f);
    if (errors.size() > MAX_ERRORS) {
      errors.remove(0);
    }
  }

  int percent() {
    return totalLength <= 0
        ? (status == DownloadStatus.COMPLETE ? 100 : 0)
        : (int) Math.min(100, completedLength * 100 / totalLength);
  }

  Long etaSeconds() {
    if (status != DownloadStatus.ACTIVE || downloadSpeed <= 0 || totalLength <= 0) {
      return null;
    }
    return Math.max(0, (totalLength - completedLength) / downloadSpeed);
  }

  /** The public shape of a download. */
  JsonObject toJson(int maxRetries, boolean canRetry) {
    return new JsonObject()
        .put("id", id)
        .put("gid", gid)
        .put("batchId", batchId)
        .put("uris", new JsonArray(request.uris()))
        .put("dir", request.dir())
        .put("out", request.out())
        .put("status", status.wire())
        .put("completedLength", completedLength)
        .put("totalLength", totalLength)
        .put("downloadSpeed", downloadSpeed)
        .put("percent", percent())
        .put("etaSeconds", etaSeconds())
        .put("torrent", torrentJson())
        .put("errorCode", errorCode)
        .put("errorMessage", errorMessage)
        .put("options", options())
        .put("errors", new JsonArray(errors.stream().map(Failure::toJson).toList()))
        .put(
            "retry",
            new JsonObject()
                .put("count", retryCount)
                .put("max", maxRetries)
                .put("canRetry", canRetry)
                .put("gids", new JsonArray(new ArrayList<>(gids))))
        .put("createdAt", createdAt)
        .put("updatedAt", updatedAt);
  }

  /** The per-download aria2 options in force: those of the add, as changed since. */
  JsonObject options() {
    JsonObject o = new JsonObject();
    request.options().forEach(o::put);
    return o;
  }

  /**
   * {@code {infoHash, uploadLength, uploadSpeed, ratio, numSeeders, connections}} for a torrent,
   * else null.
   */
  JsonObject torrentJson() {
    if (request.infoHash() == null) {
      return null;
    }
    return new JsonObject()
        .put("infoHash", request.infoHash())
        .put("uploadLength", uploadLength)
        .put("uploadSpeed", uploadSpeed)
        .put(
            "ratio",
            completedLength == 0
                ? 0.0
                : Math.round(uploadLength * 1000.0 / completedLength) / 1000.0)
        .put("numSeeders", numSeeders)
        .put("connections", connections);
  }

  /** The compact shape used in progress events. */
  JsonObject progressJson() {
    JsonObject j = new JsonObject().put("id", id).put("batchId", batchId);
    if (request.category() != null) {
      j.put("category", request.category());
    }
    return j.put("completedLength", completedLength)
        .put("totalLength", totalLength)
        .put("downloadSpeed", downloadSpeed)
        .put("percent", percent())
        .put("etaSeconds", etaSeconds())
        .put("torrent", torrentJson());
  }
}
