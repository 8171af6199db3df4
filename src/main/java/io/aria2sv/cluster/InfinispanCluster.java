package io.aria2sv.cluster;

import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.ext.cluster.infinispan.InfinispanClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachemanagerlistener.annotation.Merged;
import org.infinispan.notifications.cachemanagerlistener.event.MergeEvent;
import org.infinispan.remoting.transport.Address;
import org.infinispan.topology.CacheTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vertx-infinispan's cluster manager on a cache manager of ours (built by {@link ClusterVertx}, not
 * started): started on a worker when Vert.x joins, stopped once Vert.x has left.
 *
 * <p>It also keeps this node reachable after a partition or a stall heals: while the others saw it
 * gone, their coordinator deleted its event-bus registrations and node info from Vert.x's shared
 * caches (and this node, alone, did the same to theirs), and the merge itself may replace this
 * node's copy with the other side's. On every merge of views each node writes its own again, from
 * what it registered, once the caches have settled on the merged view.
 */
final class InfinispanCluster extends InfinispanClusterManager {
  private static final Logger LOG = LoggerFactory.getLogger(InfinispanCluster.class);

  /** How long a merge waits for the caches to settle before this node's entries are written. */
  static final long SETTLE_MS = 10_000;

  private final DefaultCacheManager caches;
  private final Map<String, Set<RegistrationInfo>> registered = new ConcurrentHashMap<>();
  private volatile NodeInfo info;
  private volatile boolean merging;
  private VertxInternal vertx;

  InfinispanCluster(DefaultCacheManager caches) {
    super(caches);
    this.caches = caches;
  }

  @Override
  public void init(Vertx vertx) {
    super.init(vertx);
    this.vertx = (VertxInternal) vertx;
  }

  @Override
  public void join(Completable<Void> promise) {
    vertx
        .<Void>executeBlocking(
            () -> {
              caches.start();
              caches.addListener(new Merges());
              return null;
            },
            false)
        .onComplete(
            (v, err) -> {
              if (err != null) {
                promise.fail(err);
              } else {
                super.join(promise);
              }
            });
  }

  @Override
  public void leave(Completable<Void> promise) {
    super.leave(
        (v, err) ->
            vertx
                .<Void>executeBlocking(
                    () -> {
                      caches.stop();
                      return null;
                    },
                    false)
                .onComplete((x, stopErr) -> promise.complete(null, err != null ? err : stopErr)));
  }

  @Override
  public void setNodeInfo(NodeInfo nodeInfo, Completable<Void> promise) {
    info = nodeInfo;
    super.setNodeInfo(nodeInfo, promise);
  }

  @Override
  public void addRegistration(
      String address, RegistrationInfo registrationInfo, Completable<Void> promise) {
    registered.computeIfAbsent(address, a -> ConcurrentHashMap.newKeySet()).add(registrationInfo);
    super.addRegistration(address, registrationInfo, promise);
  }

  @Override
  public void removeRegistration(
      String address, RegistrationInfo registrationInfo, Completable<Void> promise) {
    Set<RegistrationInfo> infos = registered.get(address);
    if (infos != null) {
      infos.remove(registrationInfo);
    }
    super.removeRegistration(address, registrationInfo, promise);
  }

  /**
   * After views merged, waits until every running cache has settled on the merged members (no
   * rebalance, no conflict resolution in progress, which could still replace what is written), then
   * writes this node's node info and registrations again and tells the supervisor to write its own
   * entries; gives up waiting after {@link #SETTLE_MS} and writes anyway.
   */
  private void settle(long deadline) {
    if (!isActive() || info == null) {
      merging = false;
      return;
    }
    String unsettled = unsettledCache();
    if (unsettled != null && System.nanoTime() < deadline) {
      vertx.setTimer(250, t -> settle(deadline));
      return;
    }
    if (unsettled != null) {
      LOG.warn(
          "cache {} has not settled on the merged view within {} ms; writing this node's entries"
              + " anyway",
          unsettled,
          SETTLE_MS);
    }
    // settled: what this node reads now is the merged cluster's
    merging = false;
    rewrite(3);
  }

  /**
   * The members of this node's view of the cluster, or null while the caches have not settled after
   * a merge of views (see {@link #settle}): a node that woke from a stall still has its view from
   * before it, which the others left long ago.
   */
  String viewTag() {
    if (merging || !isActive()) {
      return null;
    }
    return caches.getMembers().stream().map(Object::toString).sorted().toList().toString();
  }

  /** The first running cache still moving towards the current view, or null. */
  private String unsettledCache() {
    List<Address> view = caches.getMembers();
    for (String name : caches.getCacheNames()) {
      if (!caches.isRunning(name)) {
        continue;
      }
      var dm = caches.getCache(name).getAdvancedCache().getDistributionManager();
      if (dm == null) {
        continue;
      }
      var topology = dm.getCacheTopology();
      // CONFLICT_RESOLUTION too: a merge's resolution may still replace entries
      if (topology.getPhase() != CacheTopology.Phase.NO_REBALANCE
          || !topology.getMembers().containsAll(view)) {
        return name + " (" + topology.getPhase() + ", members " + topology.getMembers() + ")";
      }
    }
    return null;
  }

  private void rewrite(int attempts) {
    int n = registered.values().stream().mapToInt(Set::size).sum();
    List<Future<Void>> writes = new ArrayList<>();
    Promise<Void> node = Promise.promise();
    InfinispanCluster.super.setNodeInfo(info, node);
    writes.add(node.future());
    registered.forEach(
        (address, infos) ->
            infos.forEach(
                i -> {
                  Promise<Void> p = Promise.promise();
                  InfinispanCluster.super.addRegistration(address, i, p);
                  writes.add(p.future());
                }));
    Future.all(writes)
        // a write stuck behind a connection the stall left half-open must not hold the rest
        .timeout(SETTLE_MS, TimeUnit.MILLISECONDS)
        .onSuccess(
            x -> {
              LOG.info(
                  "cluster views merged ({}): this node's info and {} registrations written again",
                  caches.getMembers(),
                  n);
              // what the supervisor itself keeps in the shared maps is written again too
              vertx
                  .eventBus()
                  .publish(
                      io.aria2sv.bus.ClusterMaps.MERGED,
                      new io.vertx.core.json.JsonObject(),
                      new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true));
            })
        .onFailure(
            err -> {
              if (attempts > 1 && isActive()) {
                LOG.warn(
                    "writing this node's entries after a merge failed ({}); again in 1 s",
                    err.toString());
                vertx.setTimer(1000, t -> rewrite(attempts - 1));
              } else {
                LOG.error("writing this node's entries after a merge failed: {}", err.toString());
              }
            });
  }

  /** Starts {@link #settle} on every merge of views. */
  @Listener(sync = false)
  public class Merges {
    @Merged
    public void merged(MergeEvent e) {
      LOG.info("cluster views merged into {}: waiting for the caches to settle", e.getNewMembers());
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MS);
      merging = true;
      vertx.runOnContext(x -> settle(deadline));
    }
  }
}
