package io.aria2sv.cluster;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.ClusterMaps;
import io.aria2sv.downloads.engine.Download;
import io.aria2sv.downloads.engine.DownloadEvents;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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

  /** Downloads both waiting and under way (a change made while the one before is written). */
  private int both;

  /** Whether {@link #drain} runs (a write that completes at once calls it again). */
  private boolean draining;

  /** Who waits for every write to be done ({@link #written}). */
  private final List<Promise<Void>> drained = new ArrayList<>();

  ClusterCatalog(
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

  /** How many changes wait to be written (or are under way). */
  public int backlog() {
    return pending.size() + writing.size();
  }

  @Override
  public void remove(Collection<String> gone) {
    for (String id : gone) {
      write(id, null);
    }
  }

  /**
   * Completes once every change made so far is written (or failed and logged), or after {@code
   * within} with a warning naming how many are not: those downloads are then not handed over by a
   * graceful leave and stay in this node's registry for its return.
   */
  public Future<Void> written(Duration within) {
    if (pending.isEmpty() && writing.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    drained.add(done);
    return done.future()
        .timeout(within.toMillis(), TimeUnit.MILLISECONDS)
        .recover(
            err -> {
              LOG.warn(
                  "{} downloads' latest changes are not in the cluster catalog after {} ms: they"
                      + " are not handed over with this node's leave, and stay here for its return",
                  pending.size() + writing.size() - both,
                  within.toMillis());
              return Future.succeededFuture();
            });
  }

  /**
   * Queues the write of {@code id}'s entry ({@code null}: its removal), replacing one of it still
   * waiting, and writes what waits.
   */
  void write(String id, JsonObject entry) {
    if (pending.put(id, Optional.ofNullable(entry)) == null && writing.contains(id)) {
      both++;
    }
    drain();
  }

  /**
   * Starts waiting writes while fewer than {@link #IN_FLIGHT} are under way, never two of one id at
   * once (so the last change is the one that stays). A write that completes at once (a map that is
   * not remote) frees its place for the loop already running, which is never entered twice.
   */
  private void drain() {
    if (draining) {
      return;
    }
    draining = true;
    try {
      // again while a pass started something: a write done at once may free an id skipped before
      boolean started = true;
      while (started) {
        started = false;
        Iterator<Map.Entry<String, Optional<JsonObject>>> it = pending.entrySet().iterator();
        while (writing.size() < IN_FLIGHT && it.hasNext()) {
          Map.Entry<String, Optional<JsonObject>> next = it.next();
          String id = next.getKey();
          if (writing.contains(id)) {
            continue;
          }
          it.remove();
          writing.add(id);
          started = true;
          Optional<JsonObject> entry = next.getValue();
          Future<?> w = entry.isPresent() ? catalog.put(id, entry.get()) : catalog.remove(id);
          w.onComplete(
              ar -> {
                writing.remove(id);
                if (pending.containsKey(id)) {
                  both--;
                }
                if (ar.failed()) {
                  LOG.warn(
                      "cannot {} download {} in the cluster catalog: {}",
                      entry.isPresent() ? "list" : "drop",
                      id,
                      ar.cause().getMessage());
                }
                drain();
              });
        }
      }
    } finally {
      draining = false;
    }
    unwritten.set(pending.size() + writing.size() - both);
    if (pending.isEmpty() && writing.isEmpty()) {
      drained.forEach(Promise::tryComplete);
      drained.clear();
    }
  }
}
