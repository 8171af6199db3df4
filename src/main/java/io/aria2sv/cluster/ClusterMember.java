package io.aria2sv.cluster;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ClusterMaps;
import io.aria2sv.config.AppConfig;
import io.aria2sv.downloads.ClusterRole;
import io.aria2sv.downloads.engine.AddPipeline;
import io.aria2sv.downloads.engine.DownloadEvents;
import io.aria2sv.downloads.engine.DownloadManager;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.registry.StoredDownload;
import io.aria2sv.downloads.request.DownloadRequest;
import io.aria2sv.downloads.request.ValidationException;
import io.aria2sv.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downloads service's part in a cluster: at start it leaves out what other nodes took over
 * while this one was away, and it adopts the downloads of a lost node that are placed here.
 */
public final class ClusterMember implements ClusterRole {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

  private final Vertx vertx;
  private final RegistryStore store;
  private final TorrentStore torrents;
  private final Duration timeout;
  private final String node;
  private final AtomicInteger catalogPending;
  private ClusterCatalog catalog;

  /** The role of this node, whose registry is {@code store}, counting in {@code metrics}. */
  public ClusterMember(
      Vertx vertx, RegistryStore store, TorrentStore torrents, AppConfig config, Metrics metrics) {
    this.catalogPending = metrics.catalogPending();
    this.vertx = vertx;
    this.store = store;
    this.torrents = torrents;
    this.timeout = config.rpc().timeout();
    this.node = config.cluster().nodeName();
  }

  @Override
  public Future<Void> join(DownloadManager manager, DownloadEvents events, String adoptAddress) {
    // nothing runs before the cluster node says this node holds its lease (ClusterNode)
    manager.fence("no lease on its downloads yet");
    vertx
        .eventBus()
        .<JsonObject>consumer(
            adoptAddress, m -> BusReplies.answer(m, body -> adopt(manager, body)));
    vertx
        .eventBus()
        .<JsonObject>localConsumer(
            ClusterMaps.FENCE, m -> BusReplies.answer(m, body -> fence(manager, body)));
    vertx
        .eventBus()
        .<JsonObject>localConsumer(
            ClusterMaps.MERGED,
            m -> {
              if (catalog != null && manager.fenced() == null) {
                republish(manager);
              }
            });
    vertx
        .eventBus()
        .<JsonObject>localConsumer(
            ClusterMaps.DROP_TAKEN_OVER,
            m ->
                BusReplies.answer(
                    m,
                    body ->
                        manager
                            .dropTakenOver(
                                body.getJsonArray("ids").stream().map(String::valueOf).toList())
                            .map(n -> new JsonObject().put("dropped", n))));
    return ClusterCatalog.open(vertx, node, torrents, catalogPending)
        .map(
            opened -> {
              catalog = opened;
              events.catalog(catalog);
              republish(manager);
              return null;
            });
  }

  /**
   * Fences the downloads ({@code {fenced: true, why}}) or lifts the fence; once lifted, every
   * download of this node goes into the catalog again (a partition's merge may have kept the other
   * side's copy of what this node wrote meanwhile).
   */
  private Future<JsonObject> fence(DownloadManager manager, JsonObject body) {
    boolean on = body.getBoolean("fenced", true);
    return manager
        .fence(on ? body.getString("why", "fenced") : null)
        .map(
            v -> {
              if (!on && catalog != null) {
                republish(manager);
              }
              return new JsonObject().put("fenced", on);
            });
  }

  /** Every download of this node into the catalog: those in memory, then the cold ones. */
  private void republish(DownloadManager manager) {
    catalog.putAll(manager.all(), manager::json);
    catalogCold(manager, null);
  }

  /**
   * Puts the downloads only the registry holds (cold) into the catalog too, a page at a time, each
   * once the catalog has written most of the one before: a lost node's cold queue is taken over
   * like the rest, without a million entries waiting in memory.
   */
  private void catalogCold(DownloadManager manager, Long afterSeq) {
    if (catalog.backlog() > COLD_PAGE) {
      vertx.setTimer(100, t -> catalogCold(manager, afterSeq));
      return;
    }
    manager
        .coldPage(afterSeq, COLD_PAGE)
        .onSuccess(
            page -> {
              page.forEach(d -> catalog.put(d, manager.json(d)));
              if (page.size() == COLD_PAGE) {
                catalogCold(manager, page.get(page.size() - 1).seq());
              }
            })
        .onFailure(
            err ->
                LOG.warn(
                    "cannot list the registry's cold downloads in the cluster's catalog: {}",
                    err.getMessage()));
  }

  /** How many cold downloads go into the catalog at a time. */
  private static final int COLD_PAGE = 1000;

  @Override
  public Future<Void> leave(Duration within) {
    return catalog == null ? Future.succeededFuture() : catalog.written(within);
  }

  /**
   * The registry's downloads without those another node took over while this one was away (see
   * {@link io.aria2sv.cluster.ClusterNode}): they are deleted from the registry, never run here
   * again. The cluster's record of them goes once the delete is done, so a crash in between cannot
   * bring them back.
   */
  @Override
  public Future<List<StoredDownload>> withoutHandedOver(List<StoredDownload> all) {
    var local = vertx.sharedData().<String, Boolean>getLocalMap(ClusterMaps.HANDED_OVER_LOCAL);
    Set<String> gone = Set.copyOf(local.keySet());
    List<StoredDownload> kept = all.stream().filter(d -> !gone.contains(d.id())).toList();
    // cold ones too (the registry alone holds them): every id handed over goes
    List<String> dropped = List.copyOf(gone);
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
   * Takes over downloads of a lost node {@code {from, downloads: [{id, batchId, createdAt, request,
   * paused}]}}, in their order, fetching their shared {@code .torrent} files first; answers {@code
   * {node}}.
   */
  private Future<JsonObject> adopt(DownloadManager manager, JsonObject body) {
    List<AddPipeline.Adoption> adoptions = new ArrayList<>();
    Future<Void> torrentsKept = Future.succeededFuture();
    for (Object o : body.getJsonArray("downloads")) {
      JsonObject e = (JsonObject) o;
      DownloadRequest r = DownloadRequest.fromJson(e.getJsonObject("request"));
      adoptions.add(
          new AddPipeline.Adoption(
              e.getString("id"),
              e.getString("batchId"),
              e.getLong("createdAt"),
              r,
              e.getBoolean("paused", false)));
      if (r.torrent() != null) {
        torrentsKept = torrentsKept.compose(v -> torrentKept(r.torrent()));
      }
    }
    return torrentsKept
        .compose(v -> manager.adds().adopt(adoptions))
        .map(v -> new JsonObject().put("node", node));
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
