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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's downloads in the cluster-wide catalog ({@link ClusterMaps#CATALOG}): each
 * change of a download replaces its entry; a forgotten download leaves it. The {@code .torrent} of
 * a torrent download is shared once ({@link ClusterMaps#TORRENTS}) so that a node taking it over
 * can add it. Writes are asynchronous and best effort: a few at a time, the newest change of a
 * download replacing one not written yet; a failed one is logged, and the next change writes the
 * whole entry again.
 */
public final class ClusterCatalog implements DownloadEvents.Catalog {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterCatalog.class);

  /** Catalog writes under way at most at once. */
  private static final int IN_FLIGHT = 32;

  private final AsyncMap<String, JsonObject> catalog;
  private final AsyncMap<String, JsonObject> torrentMap;
  private final String node;
  private final TorrentStore torrents;
  private final Set<String> sharedTorrents = new HashSet<>();

  /**
   * Writes not started yet, by download id in the order they came: a change of many downloads at
   * once (a batch, an adoption, a start) is written a few at a time, never holding up the event
   * loop with thousands of cluster writes; a later change of a waiting one replaces it.
   */
  private final Map<String, Optional<JsonObject>> pending = new LinkedHashMap<>();

  private final Set<String> writing = new HashSet<>();
  private final AtomicInteger unwritten;

  private ClusterCatalog(
      AsyncMap<String, JsonObject> catalog,
      AsyncMap<String, JsonObject> torrentMap,
      String node,
      TorrentStore torrents,
      AtomicInteger unwritten) {
    this.unwritten = unwritten;
    this.catalog = catalog;
    this.torrentMap = torrentMap;
    this.node = node;
    this.torrents = torrents;
  }

  /**
   * The catalog for node {@code node}, counting in {@code unwritten} the downloads whose change is
   * not written to it yet.
   */
  public static Future<ClusterCatalog> open(
      Vertx vertx, String node, TorrentStore torrents, AtomicInteger unwritten) {
    Future<AsyncMap<String, JsonObject>> c = vertx.sharedData().getAsyncMap(ClusterMaps.CATALOG);
    Future<AsyncMap<String, JsonObject>> t = vertx.sharedData().getAsyncMap(ClusterMaps.TORRENTS);
    return Future.all(c, t)
        .map(v -> new ClusterCatalog(c.result(), t.result(), node, torrents, unwritten));
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
        .put("position", d.position())
        .put("request", d.request().toJson())
        .put("download", download);
  }

  @Override
  public void put(Download d, JsonObject download) {
    write(d.id(), entry(d, download));
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
      write(d.id(), null);
    }
  }

  /**
   * Queues the write of {@code id}'s entry ({@code null}: its removal), replacing one of it still
   * waiting, and writes what waits.
   */
  private void write(String id, JsonObject entry) {
    pending.put(id, Optional.ofNullable(entry));
    drain();
    unwritten.set(pending.size() + writing.size());
  }

  /**
   * Starts waiting writes while fewer than {@link #IN_FLIGHT} are under way, never two of one id at
   * once (so the last change is the one that stays).
   */
  private void drain() {
    Iterator<Map.Entry<String, Optional<JsonObject>>> it = pending.entrySet().iterator();
    while (writing.size() < IN_FLIGHT && it.hasNext()) {
      Map.Entry<String, Optional<JsonObject>> next = it.next();
      String id = next.getKey();
      if (writing.contains(id)) {
        continue;
      }
      it.remove();
      writing.add(id);
      Optional<JsonObject> entry = next.getValue();
      Future<?> w = entry.isPresent() ? catalog.put(id, entry.get()) : catalog.remove(id);
      w.onComplete(
          ar -> {
            writing.remove(id);
            if (ar.failed()) {
              LOG.warn(
                  "cannot {} download {} in the cluster catalog: {}",
                  entry.isPresent() ? "list" : "drop",
                  id,
                  ar.cause().getMessage());
            }
            drain();
            unwritten.set(pending.size() + writing.size());
          });
    }
  }
}
