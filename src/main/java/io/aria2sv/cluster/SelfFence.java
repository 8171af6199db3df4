package io.aria2sv.cluster;

import io.aria2sv.bus.ClusterMaps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's downloads run only while it holds its lease ({@link Leases}): checked several times a
 * second, a lost lease fences them at once (aria2c holds none of them, their partial files stay); a
 * lease held again lifts the fence, after the downloads other nodes took over meanwhile were
 * dropped here. Event-loop confined.
 */
final class SelfFence {
  private static final Logger LOG = LoggerFactory.getLogger(SelfFence.class);

  private final Vertx vertx;
  private final String node;
  private final Leases leases;
  private final AsyncMap<String, JsonObject> handovers;
  private final Function<Function<JsonObject, Future<Void>>, Future<Void>> enter;

  /** The fence as the downloads service last confirmed it (it starts fenced). */
  private boolean fenced = true;

  /** Whether this node held its lease once (its downloads service is up since). */
  private boolean held;

  private boolean fencing;

  /**
   * {@code enter} takes the takeover lock, hands the record of what was taken over from this node
   * to the function it is given, and enters this node in the members map again.
   */
  SelfFence(
      Vertx vertx,
      String node,
      Leases leases,
      AsyncMap<String, JsonObject> handovers,
      Function<Function<JsonObject, Future<Void>>, Future<Void>> enter) {
    this.vertx = vertx;
    this.node = node;
    this.leases = leases;
    this.handovers = handovers;
    this.enter = enter;
  }

  /** Whether the downloads service confirmed the fence is up. */
  boolean fenced() {
    return fenced;
  }

  /** Whether the fence is up: lifting it enters this node in the members map again. */
  boolean rejoinPending() {
    return fenced;
  }

  /**
   * Why this node neither runs nor accepts downloads now (it does not hold its lease, or is getting
   * back what it may run), or null.
   */
  String notServing() {
    String why = leases.why();
    if (why == null && fenced) {
      return leases.viewAgreed()
          ? "it is taking back its downloads after its lease ran out"
          : "its copy of the cluster's shared data has not merged with the majority's yet";
    }
    return why == null ? null : "node " + node + ": " + why;
  }

  /**
   * Several times a second: a node that no longer holds its lease fences its downloads at once
   * (aria2c holds none of them); once it holds it again, it first drops what was taken over
   * meanwhile (under the takeover lock), then lifts the fence. One change at a time; repeated until
   * the downloads service confirms it.
   */
  void check() {
    if (fencing) {
      return;
    }
    // A lease that ran out and was renewed before this check saw it (a stall: the first renewal
    // after waking answers at once) still means the others may have taken its downloads over.
    boolean lapsed = !fenced && leases.lapsed();
    boolean holds = leases.holds() && !lapsed;
    if (holds == !fenced) {
      return;
    }
    fencing = true;
    Future<Void> change;
    if (!holds) {
      String why = lapsed ? leases.lapse() : leases.why();
      LOG.warn("node {} stops its downloads in aria2c: {}; their partial files stay", node, why);
      change = sendFence(true, why);
    } else if (!leases.viewAgreed()) {
      // What it would read now (what was taken over from it) may be its own side's copy from
      // before the partition or the stall: it waits until its data has merged with the majority's.
      fencing = false;
      return;
    } else {
      // what was taken over up to now, this rejoin reads and drops
      leases.clearLapse();
      change =
          rejoin()
              .compose(v -> sendFence(false, null))
              .onSuccess(v -> LOG.info("node {} holds its lease: its downloads run", node));
    }
    change.onComplete(
        ar -> {
          fencing = false;
          if (ar.succeeded()) {
            fenced = !holds;
            held |= holds;
            if (fenced) {
              // fenced for whatever reason: the rejoin that must follow covers any lapse so far
              leases.clearLapse();
            }
          } else {
            // before the downloads service is up, a first attempt cannot reach it: not worth a
            // warning
            if (held) {
              LOG.warn(
                  "node {} could not {} yet (tried again): {}",
                  node,
                  holds ? "come back" : "fence its downloads",
                  String.valueOf(ar.cause().getMessage()));
            } else {
              LOG.debug("fence change of node {} not done yet: {}", node, ar.cause().toString());
            }
          }
        });
  }

  private Future<Void> sendFence(boolean on, String why) {
    return vertx
        .eventBus()
        .<JsonObject>request(ClusterMaps.FENCE, new JsonObject().put("fenced", on).put("why", why))
        .mapEmpty();
  }

  /**
   * Back in a majority after its lease ran out: under the takeover lock, the downloads other nodes
   * took over meanwhile leave this node (memory and registry), then it is a member again.
   */
  private Future<Void> rejoin() {
    return enter.apply(this::dropTakenOver);
  }

  private Future<Void> dropTakenOver(JsonObject record) {
    JsonArray downloads =
        record == null ? new JsonArray() : record.getJsonArray("downloads", new JsonArray());
    if (downloads.isEmpty()) {
      return Future.succeededFuture();
    }
    JsonArray ids = new JsonArray();
    downloads.forEach(o -> ids.add(((JsonObject) o).getString("id")));
    return vertx
        .eventBus()
        .<JsonObject>request(ClusterMaps.DROP_TAKEN_OVER, new JsonObject().put("ids", ids))
        .compose(
            reply -> {
              LOG.info(
                  "node {}: {} of its downloads were taken over while it had no lease; dropped"
                      + " here",
                  node,
                  reply.body().getInteger("dropped"));
              return handovers.remove(node);
            })
        .mapEmpty();
  }
}
