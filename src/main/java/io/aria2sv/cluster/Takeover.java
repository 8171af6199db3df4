package io.aria2sv.cluster;

import io.aria2sv.bus.ClusterMaps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the unfinished downloads of lost nodes, exactly once: under the cluster lock {@link
 * ClusterMaps#TAKEOVER_LOCK}, the first survivor to see a lost member (its {@link
 * ClusterMaps#MEMBERS} entry still there) hands each of its waiting, active, paused or retrying
 * downloads to a live node chosen by the download's id (this one included; each node's share in
 * chunks, in the lost node's queue order: what it ran first, then its queue), records them in
 * {@link ClusterMaps#HANDOVERS} for the lost node's return, and removes the member entry; a
 * survivor that gets the lock after it finds nothing left to do. A download is added afresh on its
 * new node, with the same id, request and batch.
 */
final class Takeover {
  private static final Logger LOG = LoggerFactory.getLogger(Takeover.class);

  /** A pass held up by the cluster's maps gives way to the next one (adoptions are idempotent). */
  private static final long PASS_TIMEOUT_MILLIS = 20_000;

  private static final Set<String> ADOPTED =
      Set.of("waiting", "metadata", "active", "paused", "retrying");

  /** Those the lost node was running first, then its queue in order. */
  private static final Set<String> RUNNING = Set.of("metadata", "active", "retrying");

  private static final Comparator<JsonObject> QUEUE_ORDER =
      Comparator.<JsonObject>comparingInt(e -> RUNNING.contains(e.getString("status")) ? 0 : 1)
          .thenComparingLong(e -> e.getLong("position", 0L))
          .thenComparingLong(e -> e.getLong("createdAt", 0L))
          .thenComparing(e -> e.getString("id"));

  /** Downloads sent in one adoption: one registry transaction on the node taking them. */
  private static final int CHUNK = 1000;

  private final Vertx vertx;
  private final ClusterView view;
  private final ClusterRouter router;
  private final Maps maps;
  private final DeliveryOptions adoptOptions;
  private final Leases leases;
  private final ClusterLock lock;
  private boolean running;

  /** The cluster-wide maps a takeover reads and writes. */
  record Maps(
      AsyncMap<String, JsonObject> members,
      AsyncMap<String, JsonObject> catalog,
      AsyncMap<String, JsonObject> requests,
      AsyncMap<String, JsonObject> handovers) {}

  Takeover(
      Vertx vertx,
      ClusterView view,
      ClusterRouter router,
      Maps maps,
      long timeoutMillis,
      Leases leases,
      ClusterLock lock) {
    this.vertx = vertx;
    this.lock = lock;
    this.leases = leases;
    this.view = view;
    this.router = router;
    this.maps = maps;
    this.adoptOptions = new DeliveryOptions().setSendTimeout(timeoutMillis);
  }

  /**
   * One pass: nothing happens unless a member was lost and its lease has surely run out (or it left
   * on purpose), and only on a node that holds its own lease (so sees a majority); never two passes
   * at once on this node.
   */
  void tick() {
    if (running || view.lost().isEmpty() || !leases.holds()) {
      return;
    }
    List<String> due =
        view.lost().stream().filter(n -> view.left().contains(n) || leases.expired(n)).toList();
    if (due.isEmpty()) {
      return;
    }
    running = true;
    lock.acquire(ClusterMaps.TAKEOVER_LOCK, 2000)
        .compose(
            release ->
                takeOverAll(new ArrayList<>(due))
                    .timeout(PASS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .eventually(
                        () -> {
                          release.run();
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
                      .sorted(QUEUE_ORDER)
                      .toList();
              // Placed by id, not by turn: a pass repeated (after a timeout) sends each download
              // where the first did. Each node gets its share in the lost node's queue order.
              int live = view.live().size();
              Map<Integer, List<JsonObject>> shares = new TreeMap<>();
              for (JsonObject e : mine) {
                shares
                    .computeIfAbsent(
                        Math.floorMod(e.getString("id").hashCode(), live), k -> new ArrayList<>())
                    .add(e);
              }
              List<Future<Placed>> placed = new ArrayList<>();
              shares.forEach((at, share) -> placed.add(adoptInTurn(share, lost, at)));
              return Future.join(placed)
                  .transform(
                      ar -> {
                        JsonArray record = done.getJsonArray("downloads");
                        int failed = 0;
                        List<Future<?>> writes = new ArrayList<>();
                        for (Future<Placed> f : placed) {
                          Placed p = f.result();
                          failed += p.failed();
                          for (Adopted a : p.to()) {
                            JsonObject e = a.entry();
                            record.add(
                                new JsonObject()
                                    .put("id", e.getString("id"))
                                    .put("gid", e.getString("gid"))
                                    .put("to", a.to()));
                            String requestId = e.getJsonObject("request").getString("requestId");
                            if (requestId != null) {
                              writes.add(
                                  maps.requests()
                                      .put(requestId, new JsonObject().put("node", a.to())));
                            }
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

  /** A download of the lost node's (its catalog entry) and the node that took it. */
  private record Adopted(JsonObject entry, String to) {}

  /** Where each download of a share went, and how many could not be placed. */
  private record Placed(List<Adopted> to, int failed) {}

  /**
   * Sends {@code share} from {@code from} to the live node at {@code at} in chunks, one after the
   * other so that they queue in order; after a chunk that fails the rest wait for the next pass
   * with it (counted as not placed), so that none is queued ahead of it.
   */
  private Future<Placed> adoptInTurn(List<JsonObject> share, String from, int at) {
    List<Adopted> to = new ArrayList<>();
    int[] failed = {0};
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < share.size(); i += CHUNK) {
      List<JsonObject> part = share.subList(i, Math.min(share.size(), i + CHUNK));
      chain =
          chain.compose(
              v -> {
                if (failed[0] > 0) {
                  failed[0] += part.size(); // waits, behind the chunk that failed
                  return Future.<Void>succeededFuture();
                }
                return adopt(part, from, at, view.live().size())
                    .transform(
                        ar -> {
                          if (ar.succeeded()) {
                            part.forEach(e -> to.add(new Adopted(e, ar.result())));
                          } else {
                            failed[0] += part.size();
                            LOG.warn(
                                "{} downloads of lost node {}: not taken over yet: {}",
                                part.size(),
                                from,
                                ar.cause().getMessage());
                          }
                          return Future.<Void>succeededFuture();
                        });
              });
    }
    return chain.map(v -> new Placed(to, failed[0]));
  }

  /**
   * Adopts {@code part} on the live node at {@code at}, or the next ones while they are
   * unreachable; the node that took it.
   */
  private Future<String> adopt(List<JsonObject> part, String from, int at, int left) {
    List<String> live = view.live();
    String node = live.get(Math.floorMod(at, live.size()));
    JsonArray downloads = new JsonArray();
    for (JsonObject e : part) {
      downloads.add(
          new JsonObject()
              .put("id", e.getString("id"))
              .put("batchId", e.getString("batchId"))
              .put("createdAt", e.getLong("createdAt"))
              .put("request", e.getJsonObject("request"))
              .put("paused", "paused".equals(e.getString("status"))));
    }
    JsonObject body = new JsonObject().put("from", from).put("downloads", downloads);
    return router
        .send(node, ClusterMaps.ADOPT, body, adoptOptions)
        .map(reply -> reply.getString("node"))
        .recover(
            err ->
                err instanceof NodeUnreachable && left > 1
                    ? adopt(part, from, at + 1, left - 1)
                    : Future.failedFuture(err));
  }
}
