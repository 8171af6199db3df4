package io.aria2sv.cluster;

import io.aria2sv.bus.ClusterMaps;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.ClusterConfig;
import io.aria2sv.config.ConfigException;
import io.aria2sv.supervisor.Aria2ConfFile;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.spi.cluster.ClusterManager;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This supervisor as a member of a cluster. Deployed first, before aria2c starts: under the
 * takeover lock it learns what other nodes took over while it was away (those downloads leave
 * aria2's saved session now and the registry when the downloads service loads it), and enters
 * itself in {@link ClusterMaps#MEMBERS}. Then it routes the public downloads addresses ({@link
 * ClusterRouter}) and every second refreshes the live members and takes over lost ones ({@link
 * Takeover}). Stopping marks it as leaving, so that the others take its unfinished downloads over
 * at once.
 */
public final class ClusterNode extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
  private static final long TICK_MILLIS = 1000;
  private static final long FENCE_CHECK_MILLIS = 200;
  private static final int ENTRY_EVERY_TICKS = 5;

  private ClusterConfig cluster;
  private Path dataDir;
  private ClusterManager manager;
  private ClusterView view;
  private Takeover takeover;
  private AsyncMap<String, JsonObject> members;
  private AsyncMap<String, JsonObject> handovers;
  private Leases leases;
  private long timer = -1;
  private long renewTimer = -1;
  private long fenceTimer = -1;
  private SelfFence fence;
  private ClusterLock lock;
  private HandoverRecords records;
  private long ticks;
  private boolean leaving;

  /** A deployment of this verticle with the effective configuration. */
  public static DeploymentOptions options(JsonObject config) {
    return new DeploymentOptions().setConfig(config);
  }

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.from(config());
    cluster = config.cluster();
    dataDir = config.aria2().dataDir();
    manager = ((VertxInternal) vertx).clusterManager();
    if (manager == null) {
      return Future.failedFuture(
          new ConfigException(
              "cluster.enabled",
              "needs a clustered Vert.x (Aria2Supervisor.createClusteredVertx)"));
    }
    var shared = vertx.sharedData();
    Future<AsyncMap<String, JsonObject>> m = shared.getAsyncMap(ClusterMaps.MEMBERS);
    Future<AsyncMap<String, JsonObject>> c = shared.getAsyncMap(ClusterMaps.CATALOG);
    Future<AsyncMap<String, JsonObject>> r = shared.getAsyncMap(ClusterMaps.REQUESTS);
    Future<AsyncMap<String, JsonObject>> h = shared.getAsyncMap(ClusterMaps.HANDOVERS);
    Future<AsyncMap<String, String>> l = shared.getAsyncMap(ClusterMaps.LOCKS);
    return Future.all(List.of(m, c, r, h, l))
        .compose(
            v -> {
              members = m.result();
              handovers = h.result();
              view = new ClusterView(manager, cluster.nodeName(), members);
              lock = new ClusterLock(vertx, l.result(), cluster.nodeName(), view::isLive);
              records = new HandoverRecords(vertx, cluster.nodeName(), handovers);
              records.register();
              leases =
                  new Leases(
                      vertx,
                      cluster.nodeName(),
                      cluster.quorum(),
                      cluster.lease(),
                      this::others,
                      manager instanceof InfinispanCluster ic ? ic::viewTag : () -> "");
              leases.register();
              fence =
                  new SelfFence(
                      vertx, cluster.nodeName(), leases, handovers, dropping -> enter(dropping));
              ClusterRouter router =
                  new ClusterRouter(
                      vertx,
                      view,
                      c.result(),
                      r.result(),
                      handovers,
                      cluster.requestTimeout(),
                      () -> fence.notServing());
              takeover =
                  new Takeover(
                      vertx,
                      view,
                      router,
                      new Takeover.Maps(members, c.result(), r.result(), handovers),
                      cluster.requestTimeout().multipliedBy(3).toMillis(),
                      leases,
                      lock);
              return waitForOldSelf(
                      System.currentTimeMillis()
                          + cluster.failureTimeout().multipliedBy(2).plusSeconds(5).toMillis())
                  .compose(x -> join())
                  .compose(x -> view.refresh(handovers))
                  .map(
                      x -> {
                        router.register();
                        vertx
                            .eventBus()
                            .<JsonObject>localConsumer(
                                io.aria2sv.bus.Addresses.CLUSTER_STATUS,
                                msg ->
                                    msg.reply(
                                        new JsonObject()
                                            .put("enabled", true)
                                            .put("node", cluster.nodeName())
                                            .put("quorum", leases.quorum())
                                            .put("members", leases.seen())
                                            .put("holdsLease", leases.holds())
                                            .put("fenced", fence.fenced())
                                            .put("why", fence.notServing())
                                            .put("live", new JsonArray(view.live()))
                                            .put("lost", lostOnly())
                                            .put(
                                                "left",
                                                new JsonArray(
                                                    new java.util.ArrayList<>(view.left())))));
                        vertx
                            .eventBus()
                            .<JsonObject>localConsumer(ClusterMaps.MERGED, msg -> rewriteEntry());
                        timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
                        renewTimer =
                            vertx.setPeriodic(
                                1, leases.renewEvery().toMillis(), id -> leases.renew());
                        fenceTimer = vertx.setPeriodic(FENCE_CHECK_MILLIS, id -> fence.check());
                        LOG.info(
                            "node {} joined cluster {}: live nodes {}; {}",
                            cluster.nodeName(),
                            cluster.name(),
                            view.live(),
                            leases.describe());
                        return null;
                      });
            });
  }

  /**
   * After a merge, and every few seconds: this node's member entry again, unless it is fenced (its
   * rejoin writes it) or leaving.
   */
  private void rewriteEntry() {
    if (!fence.rejoinPending() && !leaving) {
      members
          .put(cluster.nodeName(), new JsonObject().put("nodeId", manager.getNodeId()))
          .onFailure(
              err -> LOG.warn("cannot write this node's member entry again: {}", err.getMessage()));
    }
  }

  /** The other nodes this one knows: live, lost or left, and the configured ones' names. */
  private Collection<String> others() {
    Set<String> all = new HashSet<>(view.known());
    all.addAll(view.live());
    all.remove(cluster.nodeName());
    return all;
  }

  /** Every second: who is live now (logged when it changes), then any takeover that is due. */
  private void tick() {
    // Every few seconds this node's entry again: a merge whose conflict resolution failed left
    // another node's copy of the members map without it (measured in ClusterPartitionTest).
    if (++ticks % ENTRY_EVERY_TICKS == 0) {
      rewriteEntry();
    }
    java.util.List<String> before = view.live();
    view.refresh(handovers)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.warn(
                    "node {}: cannot read the cluster's members: {}",
                    cluster.nodeName(),
                    ar.cause().toString());
                return;
              }
              if (!before.equals(view.live())) {
                LOG.info(
                    "cluster {}: live nodes now {}{}",
                    cluster.name(),
                    view.live(),
                    view.lost().isEmpty() ? "" : ", lost " + view.lost());
              }
              takeover.tick();
            });
  }

  /**
   * A node restarted quicker than the cluster drops its previous self waits for that; a live member
   * of the same name that stays is another node, and this one refuses to start.
   */
  private Future<Void> waitForOldSelf(long deadline) {
    return members
        .get(cluster.nodeName())
        .compose(
            entry -> {
              if (!view.alive(entry) || manager.getNodeId().equals(entry.getString("nodeId"))) {
                return Future.succeededFuture();
              }
              if (System.currentTimeMillis() > deadline) {
                return Future.failedFuture(
                    new ConfigException(
                        "cluster.nodeName",
                        "'"
                            + cluster.nodeName()
                            + "' is the name of another live member of cluster "
                            + cluster.name()));
              }
              LOG.info(
                  "node {}: its previous run is still a member of the cluster; waiting for the cluster to drop it",
                  cluster.nodeName());
              return vertx.timer(500).compose(x -> waitForOldSelf(deadline));
            });
  }

  /**
   * Under the takeover lock: what was handed over leaves the session; then this node is a member.
   */
  private Future<Void> join() {
    return enter(this::dropHandedOver);
  }

  /**
   * Under the takeover lock: {@code dropping} handles the record of what other nodes took over from
   * this one; then this node is a member (again).
   */
  private Future<Void> enter(java.util.function.Function<JsonObject, Future<Void>> dropping) {
    return lock.acquire(
            ClusterMaps.TAKEOVER_LOCK, cluster.requestTimeout().multipliedBy(6).toMillis())
        .compose(
            release ->
                records
                    .of(cluster.nodeName(), others(), cluster.requestTimeout().toMillis())
                    .compose(dropping)
                    .compose(
                        v ->
                            members.put(
                                cluster.nodeName(),
                                new JsonObject().put("nodeId", manager.getNodeId())))
                    .eventually(
                        () -> {
                          release.run();
                          return Future.succeededFuture();
                        }));
  }

  private Future<Void> dropHandedOver(JsonObject record) {
    JsonArray downloads =
        record == null ? new JsonArray() : record.getJsonArray("downloads", new JsonArray());
    if (downloads.isEmpty()) {
      return Future.succeededFuture();
    }
    LocalMap<String, Boolean> local = vertx.sharedData().getLocalMap(ClusterMaps.HANDED_OVER_LOCAL);
    Set<String> gids = new HashSet<>();
    downloads.forEach(
        o -> {
          JsonObject d = (JsonObject) o;
          local.put(d.getString("id"), Boolean.TRUE);
          gids.add(d.getString("gid"));
        });
    Path session = dataDir.resolve(Aria2ConfFile.SESSION);
    return vertx
        .executeBlocking(() -> SessionFile.strip(session, gids), false)
        .map(
            n -> {
              LOG.info(
                  "node {}: {} of its downloads were taken over while it was away; {} left aria2's session",
                  cluster.nodeName(),
                  downloads.size(),
                  n);
              return null;
            });
  }

  /**
   * Once the downloads service has dropped what was handed over, the record of it can go. Called by
   * {@link io.aria2sv.Aria2Supervisor} after that service started.
   */
  public Future<Void> settled() {
    if (!vertx.sharedData().getLocalMap(ClusterMaps.HANDED_OVER_LOCAL).isEmpty()) {
      return Future
          .succeededFuture(); // not dropped from the registry yet: the record stays for the next
      // start
    }
    return handovers.remove(cluster.nodeName()).mapEmpty();
  }

  /** The nodes lost by a failure, not those that left on purpose. */
  private JsonArray lostOnly() {
    java.util.List<String> out = new java.util.ArrayList<>(view.lost());
    out.removeAll(view.left());
    return new JsonArray(out);
  }

  @Override
  public Future<?> stop() {
    leaving = true;
    for (long t : new long[] {timer, renewTimer, fenceTimer}) {
      if (t >= 0) {
        vertx.cancelTimer(t);
      }
    }
    if (members == null) {
      return Future.succeededFuture();
    }
    LOG.info(
        view != null && view.live().size() > 1
            ? "node {} leaves cluster {}: the other nodes take over its unfinished downloads"
            : "node {} leaves cluster {} as its last node: its unfinished downloads stay here",
        cluster.nodeName(),
        cluster.name());
    return members
        .put(
            cluster.nodeName(),
            new JsonObject().put("nodeId", manager.getNodeId()).put("leaving", true))
        .otherwiseEmpty();
  }
}
