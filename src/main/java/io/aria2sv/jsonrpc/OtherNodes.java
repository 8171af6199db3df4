package io.aria2sv.jsonrpc;

import io.aria2sv.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * In a cluster, what the other nodes hold, for the list methods of aria2's JSON-RPC: this node's
 * aria2c knows only its own downloads, so {@code tellActive}, {@code tellWaiting} and {@code
 * getGlobalStat} add the others' from the cluster-wide list (their owners' live figures; queues and
 * ended downloads are counted and paged by {@link NodePages}). Not clustered, there are none and
 * nothing is asked.
 */
final class OtherNodes {
  static final List<String> ACTIVE = List.of("metadata", "active", "seeding");

  /** The most downloads the list answers in one page. */
  private static final int PAGE = 1000;

  /** This node's name; null when not clustered. */
  private final String node;

  private final Function<JsonObject, Future<JsonObject>> list;
  private final NodePages pages;
  private final Path root;

  /**
   * @param node this node's name, null when not clustered
   * @param list asks the cluster-wide list of downloads ({@code aria2.downloads.list})
   * @param pages the other nodes' queues and ended downloads, counted by their owners
   */
  OtherNodes(
      String node, Function<JsonObject, Future<JsonObject>> list, NodePages pages, Path root) {
    this.node = node;
    this.list = list;
    this.pages = pages;
    this.root = root;
  }

  boolean clustered() {
    return node != null;
  }

  /** The other nodes' downloads with one of {@code statuses}, oldest first. */
  Future<List<JsonObject>> downloads(List<String> statuses) {
    if (node == null) {
      return Future.succeededFuture(List.of());
    }
    List<Future<List<JsonObject>>> each = new ArrayList<>();
    statuses.forEach(s -> each.add(all(s, 0, new ArrayList<>())));
    return Future.all(each)
        .map(
            done -> {
              List<JsonObject> out = new ArrayList<>();
              each.forEach(f -> out.addAll(f.result()));
              out.sort(java.util.Comparator.comparingLong(d -> d.getLong("createdAt", 0L)));
              return out;
            });
  }

  /** {@code local} (aria2c's own list) followed by the others' downloads, in aria2's shape. */
  Future<Object> after(Object local, List<String> statuses, List<String> keys) {
    if (node == null) {
      return Future.succeededFuture(local);
    }
    return downloads(statuses)
        .map(
            others -> {
              JsonArray out = ((JsonArray) local).copy();
              others.forEach(d -> out.add(shaped(d, keys)));
              return out;
            });
  }

  /** aria2's {@code getGlobalStat} of this node with the other nodes' figures added. */
  Future<Object> globalStat(Object local) {
    if (node == null) {
      return Future.succeededFuture(local);
    }
    Future<List<JsonObject>> active = downloads(ACTIVE);
    Future<Integer> waiting = pages.othersTotal(Addresses.DOWNLOADS_QUEUE);
    Future<Integer> ended = pages.othersTotal(Addresses.DOWNLOADS_STOPPED);
    return Future.all(active, waiting, ended)
        .map(
            done -> {
              JsonObject stat = ((JsonObject) local).copy();
              long down = 0;
              long up = 0;
              for (JsonObject d : active.result()) {
                down += d.getLong("downloadSpeed", 0L);
                JsonObject t = d.getJsonObject("torrent");
                up += t == null ? 0 : t.getLong("uploadSpeed", 0L);
              }
              add(stat, "downloadSpeed", down);
              add(stat, "uploadSpeed", up);
              add(stat, "numActive", active.result().size());
              add(stat, "numWaiting", waiting.result());
              add(stat, "numStopped", ended.result());
              add(stat, "numStoppedTotal", ended.result());
              return stat;
            });
  }

  /** A download of another node in aria2's shape, with its owner's live speeds. */
  private JsonObject shaped(JsonObject d, List<String> keys) {
    JsonObject s = Aria2Shapes.status(d, root, null);
    s.put("downloadSpeed", String.valueOf(d.getLong("downloadSpeed", 0L)));
    JsonObject t = d.getJsonObject("torrent");
    if (t != null) {
      s.put("uploadSpeed", String.valueOf(t.getLong("uploadSpeed", 0L)))
          .put("connections", String.valueOf(t.getLong("connections", 0L)));
    }
    return keys == null || keys.isEmpty() ? s : Aria2Shapes.only(s, keys);
  }

  /** Every download of {@code status} that another node owns, a page at a time. */
  private Future<List<JsonObject>> all(String status, int offset, List<JsonObject> into) {
    return list.apply(
            new JsonObject().put("status", status).put("offset", offset).put("limit", PAGE))
        .compose(
            page -> {
              JsonArray downloads = page.getJsonArray("downloads");
              downloads.forEach(
                  o -> {
                    JsonObject d = (JsonObject) o;
                    if (!node.equals(d.getString("node"))) {
                      into.add(d);
                    }
                  });
              int next = offset + downloads.size();
              return downloads.isEmpty() || next >= page.getLong("total")
                  ? Future.succeededFuture(into)
                  : all(status, next, into);
            });
  }

  private static void add(JsonObject stat, String key, long more) {
    long now = Long.parseLong(stat.getString(key, "0"));
    stat.put(key, String.valueOf(now + more));
  }
}
