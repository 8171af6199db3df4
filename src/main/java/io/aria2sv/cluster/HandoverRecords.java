package io.aria2sv.cluster;

import io.aria2sv.bus.ClusterMaps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What other nodes took over from a node ({@link ClusterMaps#HANDOVERS}), as the nodes that took it
 * over know it: a node coming back from a partition or a stall reads its record from its own copy
 * of the map and asks every other node for theirs, and takes all of them together. Its own copy
 * alone may still be its side's from before the partition: Infinispan's conflict resolution after a
 * merge was seen here to fail (ISPN100014) when another view change came during it, leaving each
 * side with its own copy.
 */
final class HandoverRecords {
  private final Vertx vertx;
  private final String me;
  private final AsyncMap<String, JsonObject> handovers;

  HandoverRecords(Vertx vertx, String me, AsyncMap<String, JsonObject> handovers) {
    this.vertx = vertx;
    this.me = me;
    this.handovers = handovers;
  }

  /** Answers other nodes with this node's copy of the record they ask for. */
  void register() {
    vertx
        .eventBus()
        .<JsonObject>consumer(
            ClusterMaps.onNode(me, ClusterMaps.HANDOVERS_OF),
            m ->
                handovers
                    .get(m.body().getString("node"))
                    .onComplete(
                        ar ->
                            m.reply(
                                new JsonObject()
                                    .put("record", ar.succeeded() ? ar.result() : null))));
  }

  /**
   * {@code node}'s record as this node and every one of {@code peers} that answers within {@code
   * timeoutMillis} have it: the downloads of all of them, each once; null when none has one.
   */
  Future<JsonObject> of(String node, Collection<String> peers, long timeoutMillis) {
    DeliveryOptions o = new DeliveryOptions().setSendTimeout(timeoutMillis);
    List<Future<JsonObject>> copies = new ArrayList<>();
    copies.add(handovers.get(node));
    for (String peer : peers) {
      if (!peer.equals(me)) {
        copies.add(
            vertx
                .eventBus()
                .<JsonObject>request(
                    ClusterMaps.onNode(peer, ClusterMaps.HANDOVERS_OF),
                    new JsonObject().put("node", node),
                    o)
                .map(m -> m.body().getJsonObject("record"))
                .otherwise((JsonObject) null));
      }
    }
    return Future.join(copies)
        .transform(
            ar -> {
              if (copies.get(0).failed()) {
                return Future.failedFuture(copies.get(0).cause());
              }
              Map<String, JsonObject> byId = new LinkedHashMap<>();
              boolean any = false;
              for (Future<JsonObject> copy : copies) {
                JsonObject record = copy.succeeded() ? copy.result() : null;
                if (record != null) {
                  any = true;
                  record
                      .getJsonArray("downloads", new JsonArray())
                      .forEach(
                          d -> byId.putIfAbsent(((JsonObject) d).getString("id"), (JsonObject) d));
                }
              }
              return Future.succeededFuture(
                  any
                      ? new JsonObject()
                          .put("downloads", new JsonArray(new ArrayList<>(byId.values())))
                      : null);
            });
  }
}
