package io.aria2sv.downloads;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.cluster.ClusterMaps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downloads service's part in a cluster: at start it leaves out what other nodes took over
 * while this one was away, and it adopts the downloads of a lost node that are placed here.
 */
final class ClusterMember {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

  private final Vertx vertx;
  private final RegistryStore store;
  private final TorrentStore torrents;
  private final Duration timeout;

  ClusterMember(Vertx vertx, RegistryStore store, TorrentStore torrents, Duration timeout) {
    this.vertx = vertx;
    this.store = store;
    this.torrents = torrents;
    this.timeout = timeout;
  }

  /**
   * The registry's downloads without those another node took over while this one was away (see
   * {@link io.aria2sv.cluster.ClusterNode}): they are deleted from the registry, never run here
   * again. The cluster's record of them goes once the delete is done, so a crash in between cannot
   * bring them back.
   */
  Future<List<Download>> withoutHandedOver(List<Download> all) {
    var local = vertx.sharedData().<String, Boolean>getLocalMap(ClusterMaps.HANDED_OVER_LOCAL);
    Set<String> gone = Set.copyOf(local.keySet());
    List<Download> kept = all.stream().filter(d -> !gone.contains(d.id)).toList();
    List<String> dropped = all.stream().filter(d -> gone.contains(d.id)).map(d -> d.id).toList();
    if (dropped.isEmpty()) {
      local.clear();
      return Future.succeededFuture(kept);
    }
    LOG.info(
        "{} downloads were taken over by other nodes while this one was away: dropped here ({})",
        dropped.size(),
        String.join(", ", dropped.size() > 10 ? dropped.subList(0, 10) : dropped));
    return store
        .delete(dropped, null)
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .onSuccess(x -> local.clear())
        .onFailure(
            err ->
                LOG.warn(
                    "cannot drop the {} taken-over downloads from the registry yet ({}); "
                        + "they stay out of this run and are dropped at the next start",
                    dropped.size(),
                    err.getMessage()))
        .transform(ar -> Future.succeededFuture(kept));
  }

  /**
   * Takes over a download of a lost node, fetching its shared {@code .torrent} first when it has
   * one.
   */
  Future<JsonObject> adopt(DownloadManager manager, JsonObject body) {
    DownloadRequest r = DownloadRequest.fromJson(body.getJsonObject("request"));
    return torrentKept(r.torrent())
        .compose(
            v ->
                manager.adopt(
                    body.getString("id"),
                    body.getString("batchId"),
                    body.getLong("createdAt"),
                    r,
                    body.getBoolean("paused", false)))
        .map(manager::json);
  }

  private Future<Void> torrentKept(String infoHash) {
    if (infoHash == null || torrents.base64(infoHash) != null) {
      return Future.succeededFuture();
    }
    return vertx
        .sharedData()
        .<String, JsonObject>getAsyncMap(ClusterMaps.TORRENTS)
        .compose(map -> map.get(infoHash))
        .compose(
            t -> {
              if (t == null) {
                return Future.failedFuture(
                    new ValidationException(
                        "request.torrent",
                        "torrent " + infoHash + " is not shared in the cluster"));
              }
              byte[] data = Base64.getDecoder().decode(t.getString("data"));
              return vertx.executeBlocking(
                  () -> {
                    torrents.put(infoHash, data);
                    return null;
                  },
                  false);
            });
  }
}
