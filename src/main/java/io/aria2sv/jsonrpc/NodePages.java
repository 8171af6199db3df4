package io.aria2sv.jsonrpc;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ClusterMaps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;

/**
 * aria2's paged lists ({@code tellWaiting}, {@code tellStopped}) over every node of a cluster: the
 * list is this node's part followed by each other live node's in name order, and each part is paged
 * by its owner ({@link Addresses#DOWNLOADS_QUEUE}, {@link Addresses#DOWNLOADS_STOPPED} on its
 * node), so that a page costs what it holds, not what the cluster holds. Each part is counted
 * first; a change between the count and the page may shift a page by what changed, as a change
 * between two pages does in aria2.
 */
final class NodePages {
  private final String node;
  private final BiFunction<String, JsonObject, Future<JsonObject>> bus;

  /**
   * @param node this node's name
   * @param bus a request on the event bus: its address and body, the reply's body
   */
  NodePages(String node, BiFunction<String, JsonObject, Future<JsonObject>> bus) {
    this.node = node;
    this.bus = bus;
  }

  /** This node, then the other live nodes in name order. */
  private Future<List<String>> nodes() {
    return bus.apply(Addresses.CLUSTER_STATUS, new JsonObject())
        .map(
            status -> {
              List<String> others = new ArrayList<>();
              status
                  .getJsonArray("live")
                  .forEach(
                      n -> {
                        if (!node.equals(n)) {
                          others.add((String) n);
                        }
                      });
              Collections.sort(others);
              List<String> all = new ArrayList<>();
              all.add(node);
              all.addAll(others);
              return all;
            });
  }

  /**
   * How many the list {@code address} holds on each of {@code nodes}; a node that does not answer
   * (lost, not dropped yet) counts none, and its part is left out until it answers again.
   */
  private Future<List<Integer>> totals(String address, List<String> nodes) {
    List<Future<Integer>> counts = new ArrayList<>();
    for (String n : nodes) {
      counts.add(
          bus.apply(ClusterMaps.onNode(n, address), new JsonObject().put("offset", 0).put("num", 0))
              .map(r -> r.getInteger("total"))
              .otherwise(0));
    }
    return Future.all(counts).map(all -> counts.stream().map(Future::result).toList());
  }

  /** How many the list {@code address} holds on the other live nodes. */
  Future<Integer> othersTotal(String address) {
    return nodes()
        .compose(all -> totals(address, all.subList(1, all.size())))
        .map(t -> t.stream().mapToInt(Integer::intValue).sum());
  }

  /**
   * {@code [offset, offset + num)} of the cluster-wide list {@code address}; a negative offset
   * counts from the end and goes backwards, as aria2 does.
   */
  Future<List<JsonObject>> page(String address, int offset, int num) {
    return nodes()
        .compose(
            all -> totals(address, all).compose(totals -> page(address, all, totals, offset, num)));
  }

  private Future<List<JsonObject>> page(
      String address, List<String> nodes, List<Integer> totals, int offset, int num) {
    long size = totals.stream().mapToLong(Integer::longValue).sum();
    long from;
    long to;
    if (offset >= 0) {
      from = offset;
      to = Math.min(size, (long) offset + num);
    } else {
      to = size + offset + 1;
      from = Math.max(0, to - num);
    }
    List<Future<JsonObject>> parts = new ArrayList<>();
    long base = 0;
    for (int i = 0; i < nodes.size() && from < to; i++) {
      long lo = Math.max(from, base);
      long hi = Math.min(to, base + totals.get(i));
      if (lo < hi) {
        parts.add(
            bus.apply(
                    ClusterMaps.onNode(nodes.get(i), address),
                    new JsonObject().put("offset", lo - base).put("num", hi - lo))
                .otherwise(new JsonObject().put("downloads", new JsonArray())));
      }
      base += totals.get(i);
    }
    return Future.all(parts)
        .map(
            done -> {
              List<JsonObject> out = new ArrayList<>();
              parts.forEach(
                  p -> p.result().getJsonArray("downloads").forEach(d -> out.add((JsonObject) d)));
              if (offset < 0) {
                Collections.reverse(out);
              }
              return out;
            });
  }
}
