package io.aria2sv.cluster;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.ClusterMaps;
import io.aria2sv.downloads.engine.Download;
import io.aria2sv.downloads.engine.DownloadEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's downloads in the cluster-wide catalog ({@link ClusterMaps#CATALOG}): each
 * change of a download replaces its entry; a forgotten download leaves it. The {@code .torrent} of
 * a torrent download is shared once ({@link ClusterMaps#TORRENTS}) so that a node taking it over
 * can add it. Writes are asynchronous and best effort: a failed one is logged, and the next change
 * writes the whole entry again.
 */
public final class ClusterCatalog implements DownloadEvents.Catalog {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterCatalog.class);

  private final AsyncMap<String, JsonObject> catalog;
  private final AsyncMap<String, JsonObject> torrentMap;
  private final String node;
  private final TorrentStore torrents;
  private final Set<String> sharedTorrents = new HashSet<>();

  private ClusterCatalog(
      AsyncMap<String, JsonObject> catalog,
      AsyncMap<String, JsonObject> torrentMap,
      String node,
      TorrentStore torrents) {
    this.catalog = catalog;
    this.torrentMap = torrentMap;
    this.node = node;
    this.torrents = torrents;
  }

  public static Future<ClusterCatalog> open(Vertx vertx, String node, TorrentStore torrents) {
    Future<AsyncMap<String, JsonObject>> c = vertx.sharedData().getAsyncMap(ClusterMaps.CATALOG);
    Future<AsyncMap<String, JsonObject>> t = vertx.sharedData().getAsyncMap(ClusterMaps.TORRENTS);
    return Future.all(c, t).map(v -> new ClusterCatalog(c.result(), t.result(), node, torrents));
  }

  /** The catalog entry of {@code d}, whose public shape is {@code download}. */
  JsonObject entry(Download d, JsonObject download) {
    return new JsonObject()
        .put("id", d.id())
        .put("node", node)
        .put("status", d.status().wire())
        .put("gid", d.gid())
        .put("batchId", d.batchId())
        .put("createdAt", d.createdAt())
        .put("request", d.request().toJson())
        .put("download", download);
  }

  @Override
  public void put(Download d, JsonObject download) {
    catalog
        .put(d.id(), entry(d, download))
        .onFailure(
            err ->
                LOG.warn(
                    "cannot list download {} in the cluster catalog: {}",
                    d.id(),
                    err.getMessage()));
    String hash = d.request().torrent();
    if (hash != null && sharedTorrents.add(hash)) {
      String data = torrents.base64(hash);
      if (data != null) {
        torrentMap
            .put(hash, new JsonObject().put("data", data))
            .onFailure(
                err -> {
                  sharedTorrents.remove(hash);
                  LOG.warn("cannot share torrent {} with the cluster: {}", hash, err.getMessage());
                });
      }
    }
  }

  /**
   * Puts every download of {@code all}, in its public shape {@code json}: after a start, what the
   * registry holds.
   */
  public void putAll(Collection<Download> all, Function<Download, JsonObject> json) {
    all.forEach(d -> put(d, json.apply(d)));
  }

  @Override
  public void remove(Collection<Download> gone) {
    for (Download d : gone) {
      catalog
          .remove(d.id())
          .onFailure(
              err ->
                  LOG.warn(
                      "cannot drop download {} from the cluster catalog: {}",
                      d.id(),
                      err.getMessage()));
    }
  }
}
