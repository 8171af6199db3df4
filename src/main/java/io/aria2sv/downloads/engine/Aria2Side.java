package io.aria2sv.downloads.engine;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.rpc.Aria2;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aria2 side of adds and removals: adds a download under the GID we chose (so a retried add is
 * recognised, never duplicated), in coalesced multicalls or in batch chunks; withdraws adds that
 * could not be stored; asks aria2 to remove a download and waits until it has stopped it; drops
 * results aria2 keeps. Event-loop confined.
 */
final class Aria2Side {
  private static final Logger LOG = LoggerFactory.getLogger(Aria2Side.class);

  /** aria2's statuses of a download it still runs. */
  static final List<String> UNSTOPPED = List.of("active", "waiting", "paused");

  /** How often, and at most how long, a removal asks aria2 whether it has stopped the download. */
  private static final long STOP_POLL_MS = 5;

  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final Aria2 aria2;
  private final CommandFence fence;
  private final CallCoalescer adds;
  private final Path root;
  private final TorrentStore torrents;
  private final DownloadQueue queue;

  /** aria2's seed-ratio and seed-time (minutes) for torrents whose add does not set them. */
  private String fenced;

  private String seedRatio = "1.0";

  private String seedTime = "60";

  Aria2Side(
      Vertx vertx,
      Aria2 aria2,
      CommandFence fence,
      Path root,
      TorrentStore torrents,
      DownloadQueue queue) {
    this.queue = queue;
    this.vertx = vertx;
    this.aria2 = aria2;
    this.fence = fence;
    this.adds = new CallCoalescer(vertx.getOrCreateContext(), aria2::multicall);
    this.root = root;
    this.torrents = torrents;
  }

  /**
   * The seeding policy of torrents added from now on ({@code downloads.seedRatio}, {@code
   * downloads.seedTime}).
   */
  void seeding(double ratio, Duration time) {
    seedRatio = Double.toString(ratio);
    seedTime =
        BigDecimal.valueOf(time.toMillis())
            .divide(BigDecimal.valueOf(60_000), 4, RoundingMode.HALF_UP)
            .stripTrailingZeros()
            .toPlainString();
  }

  /**
   * {@code aria2.addUri} with our GID. If aria2 refuses it, the GID is looked up: an earlier
   * attempt whose answer was lost may have added it already, and then this add succeeded. Otherwise
   * it fails with {@link AddRefused}. {@code resume} adds {@code continue=true}. {@code d} counts
   * as held by aria2 from the call on, and no longer once the add failed.
   */
  Future<Void> add(Download d, boolean resume) {
    return add(d, resume, null);
  }

  /** As {@link #add(Download, boolean)}, at {@code position} of aria2's waiting downloads. */
  Future<Void> add(Download d, boolean resume, Integer position) {
    if (fenced != null) {
      return Future.failedFuture(
          new io.aria2sv.bus.ServiceException(
              io.aria2sv.bus.ErrorCode.NOT_RUNNING, "download " + d.id + " waits: " + fenced));
    }
    queue.hold(d);
    String gid = d.gid;
    return adds.submit(addCall(d, resume).at(position), approximateSize(d))
        .<Void>mapEmpty()
        .recover(
            err -> {
              if (!(err instanceof Aria2RpcException e)
                  || e.kind() != Aria2RpcException.Kind.ARIA2) {
                return Future.failedFuture(err);
              }
              return aria2
                  .call(Aria2Call.tellStatus(d.gid, List.of("gid")))
                  .<Void>mapEmpty()
                  .recover(
                      notThere ->
                          Future.failedFuture(new AddRefused(e.aria2Code(), e.getMessage())));
            })
        .onFailure(
            err -> {
              if (gid.equals(d.gid)) {
                queue.release(d);
              }
            });
  }

  /** Refuses every add to aria2c while {@code why} is non-null (see {@link Window#fence}). */
  void fence(String why) {
    fenced = why;
  }

  /**
   * Takes {@code d}, which has just been given a new GID, out of aria2 and back into the queue:
   * aria2 removes its {@code old} GID (what it says of that one changes nothing here) and keeps its
   * partial file and control file, which the next add resumes.
   */
  void giveBack(Download d, String old) {
    queue.release(d);
    aria2
        .call(Aria2Call.forceRemove(old))
        .<Void>mapEmpty()
        .compose(v -> stopped(old))
        .onComplete(ar -> dropResult(old));
  }

  /**
   * Why adds are refused now: aria2c was stopped by the user or given up on (a queue nobody will
   * run is no place for a new download); null while it runs or is on its way.
   */
  Aria2RpcException stopped() {
    return aria2.stopped();
  }

  /** Takes back adds that could not be stored; a no-op while aria2c is down. Never fails. */
  Future<Void> withdraw(List<Download> items) {
    if (!aria2.running()) {
      return Future.succeededFuture();
    }
    return aria2
        .multicall(items.stream().map(d -> Aria2Call.forceRemove(d.gid)).toList())
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /** Sends {@code forceRemove} for {@code d}'s current GID; a GID aria2 no longer knows is fine. */
  Future<Void> askToRemove(Download d) {
    return fence
        .command(d, Aria2Call.forceRemove(d.gid))
        .<Void>mapEmpty()
        .recover(
            err ->
                Aria2RpcException.isAria2Error(err)
                    ? Future.succeededFuture()
                    : Future.failedFuture(err));
  }

  /** aria2's {@code completedLength} and {@code totalLength} of {@code gid} now. */
  Future<JsonObject> lengths(String gid) {
    return aria2.callObject(
        Aria2Call.tellStatus(gid, List.of("gid", "completedLength", "totalLength")));
  }

  /**
   * aria2's peers of {@code gid}, each {@code {ip, port, seeder, downloadSpeed, uploadSpeed}}; none
   * when aria2 does not know it.
   */
  Future<JsonArray> peers(String gid) {
    return aria2
        .call(Aria2Call.getPeers(gid))
        .map(
            r -> {
              JsonArray out = new JsonArray();
              if (r instanceof JsonArray peers) {
                for (Object o : peers) {
                  JsonObject p = (JsonObject) o;
                  out.add(
                      new JsonObject()
                          .put("ip", p.getString("ip"))
                          .put("port", Integer.parseInt(p.getString("port", "0")))
                          .put("seeder", "true".equals(p.getString("seeder")))
                          .put("downloadSpeed", Long.parseLong(p.getString("downloadSpeed", "0")))
                          .put("uploadSpeed", Long.parseLong(p.getString("uploadSpeed", "0"))));
                }
              }
              return out;
            })
        .otherwise(err -> new JsonArray());
  }

  /**
   * Removes {@code gid}'s result from aria2's list of stopped downloads, when aria2c runs; best
   * effort.
   */
  void dropResult(String gid) {
    if (aria2.running()) {
      aria2.call(Aria2Call.removeDownloadResult(gid)).onFailure(err -> {});
    }
  }

  /** Removes a GID aria2 runs that is not ours. */
  void removeStray(String gid) {
    aria2
        .call(Aria2Call.forceRemove(gid))
        .onFailure(err -> LOG.debug("cannot remove {} from aria2: {}", gid, err.getMessage()));
  }

  /**
   * Completes once aria2 has stopped {@code gid}. {@code forceRemove} only asks: aria2 stops the
   * download a few milliseconds later and then writes the control file of an unfinished download,
   * so a file deleted before would come back, and its result could not yet be removed. Gives up
   * (with a warning) after {@link #STOP_WAIT}; an error means aria2 no longer knows the GID or is
   * down, either way nothing is left to write the file.
   */
  Future<Void> stopped(String gid) {
    return stopped(gid, System.nanoTime() + STOP_WAIT.toNanos());
  }

  private Future<Void> stopped(String gid, long deadline) {
    return aria2
        .callObject(Aria2Call.tellStatus(gid, List.of("status")))
        .map(st -> !UNSTOPPED.contains(st.getString("status")))
        .otherwise(true)
        .compose(
            done -> {
              if (done) {
                return Future.succeededFuture();
              }
              if (System.nanoTime() - deadline > 0) {
                LOG.warn(
                    "aria2 has not stopped download {} within {} ms of its removal",
                    gid,
                    STOP_WAIT.toMillis());
                return Future.succeededFuture();
              }
              Promise<Void> later = Promise.promise();
              vertx.setTimer(STOP_POLL_MS, t -> stopped(gid, deadline).onComplete(later));
              return later.future();
            });
  }

  private Aria2Call addCall(Download d, boolean resume) {
    if (d.request.fetchesMetadata()) {
      // the metadata only, written as <info hash>.torrent where the supervisor keeps state
      JsonObject o = addOptions(d, false);
      o.put("dir", torrents.metadataDir().toString())
          .put("bt-metadata-only", "true")
          .put("bt-save-metadata", "true");
      return Aria2Call.addUri(d.request.uris(), o);
    }
    if (d.request.torrent() == null) {
      return Aria2Call.addUri(d.request.uris(), addOptions(d, resume));
    }
    JsonObject o = addOptions(d, resume);
    o.put("seed-ratio", d.request.options().getOrDefault("seed-ratio", seedRatio));
    o.put("seed-time", d.request.options().getOrDefault("seed-time", seedTime));
    // aria2's session does not hold added torrents (rpc-save-upload-metadata is off): after a
    // restart the reconcile adds it again, and it checks the pieces it has instead of fetching them
    // again (aria2 deletes the control file of a torrent whose data is complete)
    o.put("check-integrity", "true");
    return Aria2Call.addTorrent(torrents.base64(d.request.torrent()), d.request.uris(), o);
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
    o.put("pause", d.status == DownloadStatus.PAUSED ? "true" : "false");
    return o;
  }

  /**
   * About the encoded size of {@code d}'s add call, without encoding it (a little over, never
   * under: the fixed part covers the options we add): URIs and options are validated (no control
   * characters), so JSON escaping adds little, and {@link BatchChunks} keeps a wide margin under
   * aria2's request size limit. Sizes both multicall batches and coalesced single adds.
   */
  private int approximateSize(Download d) {
    String torrent = d.request.torrent() == null ? null : torrents.base64(d.request.torrent());
    int size =
        320
            + (torrent == null ? 0 : torrent.length())
            + root.toString().length()
            + (d.request.dir() == null ? 0 : d.request.dir().length());
    for (String uri : d.request.uris()) {
      size += uri.length() + 4;
    }
    for (Map.Entry<String, String> o : d.request.options().entrySet()) {
      size += o.getKey().length() + o.getValue().length() + 6;
    }
    return size + (d.request.out() == null ? 0 : d.request.out().length());
  }
}
