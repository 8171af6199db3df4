package io.aria2sv.cluster;

import io.aria2sv.bus.ClusterMaps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the unfinished downloads of lost nodes, exactly once: under the cluster lock {@link
 * ClusterMaps#TAKEOVER_LOCK}, the first survivor to see a lost member (its {@link
 * ClusterMaps#MEMBERS} entry still there) hands each of its waiting, active, paused or retrying
 * downloads to a live node chosen by the download's id (this one included), records them in {@link
 * ClusterMaps#HANDOVERS} for the lost node's return, and removes the member entry; a survivor that
 * gets the lock after it finds nothing left to do. A download is added afresh on its new node, with
 * the same id, request and batch.
 */
final class Takeover {
  private static final Logger LOG = LoggerFactory.getLogger(Takeover.class);

  /** A pass held up by the cluster's maps gives way to the next one (adoptions are idempotent). */
  private static final long PASS_TIMEOUT_MILLIS = 20_000;

  private static final Set<String> ADOPTED =
      Set.of("waiting", "metadata", "active", "paused", "retrying");

  private final Vertx vertx;
  private final ClusterView view;
  private final ClusterRouter router;
  private final Maps maps;
  private final DeliveryOptions adoptOptions;
  private boolean running;

  /** The cluster-wide maps a takeover reads and writes. */
  record Maps(
      AsyncMap<String, JsonObject> members,
      AsyncMap<String, JsonObject> catalog,
      AsyncMap<String, JsonObject> requests,
      AsyncMap<String, JsonObject> handovers) {}

  Takeover(Vertx vertx, ClusterView view, ClusterRouter router, Maps maps, long timeoutMillis) {
    this.vertx = vertx;
    this.view = view;
    this.router = router;
    this.maps = maps;
    this.adoptOptions = new DeliveryOptions().setSendTimeout(timeoutMillis);
  }

  /** One pass: nothing happens unless a member was lost; never two passes at once on this node. */
  void tick() {
    if (running || view.lost().isEmpty()) {
      return;
    }
    running = true;
    vertx
        .sharedData()
        .getLockWithTimeout(ClusterMaps.TAKEOVER_LOCK, 2000)
        .compose(
            lock ->
                takeOverAll(new ArrayList<>(view.lost()))
                    .timeout(PASS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .eventually(
                        () -> {
                          lock.release();
                          return Future.succeededFuture();
                        }))
        .onComplete(
            ar -> {
              running = false;
              if (ar.failed()) {
                LOG.warn(
                    "takeover of lost nodes did not finish (tried again in a second): {}",
                    ar.cause().getMessage());
              }
            });
  }

  private Future<Void> takeOverAll(List<String> lost) {
    Future<Void> chain = Future.succeededFuture();
    for (String node : lost) {
      chain =
          chain.compose(
              v ->
                  maps.members()
                      .get(node)
                      .compose(
                          entry ->
                              entry == null || view.alive(entry)
                                  ? Future.succeededFuture()
                                  : takeOver(node)));
    }
    return chain;
  }

  private Future<Void> takeOver(String lost) {
    long t0 = System.nanoTime();
    return Future.all(maps.catalog().values(), maps.handovers().get(lost))
        .compose(
            all -> {
              List<JsonObject> entries = all.resultAt(0);
              JsonObject done =
                  all.resultAt(1) == null
                      ? new JsonObject().put("downloads", new JsonArray())
                      : all.resultAt(1);
              Set<String> already = new HashSet<>();
              done.getJsonArray("downloads")
                  .forEach(o -> already.add(((JsonObject) o).getString("id")));
              List<JsonObject> mine =
                  entries.stream()
                      .filter(
                          e ->
                              lost.equals(e.getString("node"))
                                  && ADOPTED.contains(e.getString("status"))
                                  && !already.contains(e.getString("id")))
                      .toList();
              List<Future<JsonObject>> adopted = new ArrayList<>();
              for (JsonObject e : mine) {
                // Placed by id, not by turn: a pass repeated (after a timeout) sends each download
                // where the first did.
                adopted.add(
                    adopt(
                        e,
                        lost,
                        Math.floorMod(e.getString("id").hashCode(), view.live().size()),
                        view.live().size()));
              }
              return Future.join(adopted)
                  .transform(
                      ar -> {
                        JsonArray record = done.getJsonArray("downloads");
                        int failed = 0;
                        List<Future<?>> writes = new ArrayList<>();
                        for (int i = 0; i < mine.size(); i++) {
                          JsonObject e = mine.get(i);
                          if (adopted.get(i).failed()) {
                            failed++;
                            LOG.warn(
                                "download {} of lost node {}: not taken over yet: {}",
                                e.getString("id"),
                                lost,
                                adopted.get(i).cause().getMessage());
                            continue;
                          }
                          String to = adopted.get(i).result().getString("node");
                          record.add(
                              new JsonObject()
                                  .put("id", e.getString("id"))
                                  .put("gid", e.getString("gid"))
                                  .put("to", to));
                          String requestId = e.getJsonObject("request").getString("requestId");
                          if (requestId != null) {
                            writes.add(
                                maps.requests().put(requestId, new JsonObject().put("node", to)));
                          }
                        }
                        writes.add(maps.handovers().put(lost, done));
                        int failures = failed;
                        return Future.join(writes)
                            .compose(
                                v ->
                                    failures > 0
                                        ? Future.failedFuture(
                                            failures
                                                + " downloads of "
                                                + lost
                                                + " could not be placed")
                                        : maps.members()
                                            .remove(lost)
                                            .map(
                                                x -> {
                                                  LOG.info(
                                                      "node {} left the cluster: took over its {} unfinished downloads in {} ms",
                                                      lost,
                                                      mine.size(),
                                                      (System.nanoTime() - t0) / 1_000_000);
                                                  return null;
                                                }));
                      });
            });
  }

  /**
   * Adopts {@code e} on the live node at {@code at}, or the next ones while they are unreachable.
   */
  private Future<JsonObject> adopt(JsonObject e, String from, int at, int left) {
    List<String> live = view.live();
    String node = live.get(Math.floorMod(at, live.size()));
    JsonObject body =
        new JsonObject()
            .put("id", e.getString("id"))
            .put("batchId", e.getString("batchId"))
            .put("createdAt", e.getLong("createdAt"))
            .put("request", e.getJsonObject("request"))
            .put("paused", "paused".equals(e.getString("status")))
            .put("from", from);
    return router
        .send(node, ClusterMaps.ADOPT, body, adoptOptions)
        .recover(
            err ->
                err instanceof NodeUnreachable && left > 1
                    ? adopt(e, from, at + 1, left - 1)
                    : Future.failedFuture(err));
  }
}
