package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.FAILED;
import static io.aria2sv.bus.DownloadStatus.METADATA;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.aria2sv.bittorrent.TorrentStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A magnet link in two phases, both under GIDs we choose: aria2 first fetches only the metadata
 * ({@code bt-metadata-only}, written to the data directory by {@code bt-save-metadata}); once it
 * reports that GID complete, the metadata is taken into the {@link TorrentStore} and the download
 * goes on as a torrent under a new GID of ours ({@code addTorrent}), never under the child GID
 * aria2 would pick. A restart after that never fetches the metadata again. Event-loop confined.
 */
final class MagnetFollower {
  private static final Logger LOG = LoggerFactory.getLogger(MagnetFollower.class);

  private final Vertx vertx;
  private final DownloadIndex index;
  private final Transitions transitions;
  private final Aria2Side aria2;
  private final AddsInFlight inFlight;
  private final TorrentStore torrents;

  MagnetFollower(
      Vertx vertx,
      DownloadIndex index,
      Transitions transitions,
      Aria2Side aria2,
      AddsInFlight inFlight,
      TorrentStore torrents) {
    this.vertx = vertx;
    this.index = index;
    this.transitions = transitions;
    this.aria2 = aria2;
    this.inFlight = inFlight;
    this.torrents = torrents;
  }

  /** aria2 reports the metadata GID of {@code d} complete: go on with the data. */
  void metadataFetched(Download d) {
    if (AddsInFlight.reAddUnderway(d)) {
      return; // already on its way (a second read of the same completion)
    }
    String metadataGid = d.gid;
    String hash = d.request.infoHash();
    aria2.dropResult(metadataGid);
    Future<Download> next =
        vertx
            .executeBlocking(
                () -> {
                  torrents.adoptMetadata(hash);
                  return null;
                },
                false)
            .compose(
                v -> {
                  // from now on it is a torrent: a resume after a pause, and any re-add, add it as
                  // one
                  d.request = d.request.withTorrent(hash);
                  if (d.status != METADATA && d.status != WAITING) {
                    if (!d.status.terminal()) {
                      transitions.changed(d); // paused meanwhile: stored, for its resume
                    }
                    return Future.succeededFuture(d);
                  }
                  index.newGid(d);
                  d.completedLength = 0;
                  d.totalLength = 0;
                  if (d.status == WAITING) {
                    transitions.changed(d); // stored with its torrent and new GID
                  } else {
                    transitions.move(d, WAITING);
                  }
                  LOG.info(
                      "download {}: metadata of {} fetched under {}; data follows under {}",
                      d.id,
                      hash,
                      metadataGid,
                      d.gid);
                  return aria2.add(d, true).map(d);
                })
            .recover(
                err -> {
                  LOG.warn(
                      "download {}: cannot go on after the metadata of {}: {}",
                      d.id,
                      hash,
                      err.getMessage());
                  d.errorMessage =
                      "the metadata of the magnet was fetched, but " + err.getMessage();
                  transitions.move(d, FAILED);
                  return Future.succeededFuture(d);
                });
    inFlight.reAdd(d, next);
  }
}
