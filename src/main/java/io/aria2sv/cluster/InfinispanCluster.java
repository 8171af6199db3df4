package io.aria2sv.cluster;

import io.vertx.core.Completable;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.NodeInfo;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.ext.cluster.infinispan.InfinispanClusterManager;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachemanagerlistener.annotation.Merged;
import org.infinispan.notifications.cachemanagerlistener.event.MergeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vertx-infinispan's cluster manager on a cache manager of ours (built by {@link ClusterVertx}, not
 * started): started on a worker when Vert.x joins, stopped once Vert.x has left.
 *
 * <p>It also keeps this node reachable after a partition or a stall heals: while the others saw it
 * gone, their coordinator deleted its event-bus registrations and node info from Vert.x's shared
 * caches (and this node, alone, did the same to theirs). On every merge of views each node writes
 * its own again, from what it registered.
 */
final class InfinispanCluster extends InfinispanClusterManager {
  private static final Logger LOG = LoggerFactory.getLogger(InfinispanCluster.class);
  private final DefaultCacheManager caches;
  private final Map<String, Set<RegistrationInfo>> registered = new ConcurrentHashMap<>();
  private volatile NodeInfo info;
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

  /** Writes this node's node info and event-bus registrations again after views merged. */
  @Listener(sync = false)
  public class Merges {
    @Merged
    public void merged(MergeEvent e) {
      if (!isActive() || info == null) {
        return;
      }
      int n = registered.values().stream().mapToInt(Set::size).sum();
      LOG.info(
          "cluster views merged ({}): this node's {} registrations written again",
          e.getNewMembers(),
          n);
      vertx.runOnContext(
          x -> {
            InfinispanCluster.super.setNodeInfo(info, (v, err) -> {});
            registered.forEach(
                (address, infos) ->
                    infos.forEach(
                        i -> InfinispanCluster.super.addRegistration(address, i, (v, err) -> {})));
            // what the supervisor itself keeps in the shared maps is written again too
            vertx
                .eventBus()
                .publish(
                    io.aria2sv.bus.ClusterMaps.MERGED,
                    new io.vertx.core.json.JsonObject(),
                    new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true));
          });
    }
  }
}
