package io.aria2sv.cluster;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.engine.BulkCommands;
import io.aria2sv.downloads.request.CommandRequests;
import io.aria2sv.downloads.request.RequestValidator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The answers that gather every node's: the list of downloads (each node's first pages merged in
 * creation order, with the catalog's entries of owners that are gone), bulk commands, batch
 * figures, and the search for a download named by GID.
 */
final class ClusterLists {
  /** Sends a request to one node's own address. */
  interface Sender {
    Future<JsonObject> send(String node, String address, JsonObject body, DeliveryOptions options);
  }

  private final ClusterView view;
  private final AsyncMap<String, JsonObject> catalog;
  private final AsyncMap<String, JsonObject> handovers;
  private final Sender sender;
  private final DeliveryOptions quick;
  private final DeliveryOptions slow;

  ClusterLists(
      ClusterView view,
      AsyncMap<String, JsonObject> catalog,
      AsyncMap<String, JsonObject> handovers,
      Sender sender,
      DeliveryOptions quick,
      DeliveryOptions slow) {
    this.view = view;
    this.catalog = catalog;
    this.handovers = handovers;
    this.sender = sender;
    this.quick = quick;
    this.slow = slow;
  }

  /**
   * The page {@code [offset, offset + limit)} of the whole cluster's downloads, filtered as asked.
   * A node that does not answer is listed from the catalog (its downloads' last known state) and
   * named in {@code unreachedNodes}.
   */
  Future<JsonObject> list(JsonObject body) {
    RequestValidator.checkListQuery(body);
    int offset = body.getValue("offset") instanceof Number n ? Math.max(0, n.intValue()) : 0;
    int limit =
        body.getValue("limit") instanceof Number n ? n.intValue() : RequestValidator.MAX_PAGE;
    boolean newest = "newest".equals(body.getValue("order"));
    List<String> live = view.live();
    List<Future<JsonObject>> each = new ArrayList<>();
    for (String node : live) {
      each.add(firstOf(node, body, offset + Math.max(1, limit), 0, new JsonArray()));
    }
    return Future.join(each)
        .transform(
            joined -> {
              Set<String> fromCatalog = new HashSet<>(view.known());
              fromCatalog.removeAll(live);
              JsonArray unreached = new JsonArray();
              for (int i = 0; i < each.size(); i++) {
                Throwable err = each.get(i).cause();
                if (err == null) {
                  continue;
                }
                if (!(err instanceof ServiceException se)
                    || !se.code().equals(ErrorCode.TIMEOUT) && !(err instanceof NodeUnreachable)) {
                  return Future.failedFuture(err); // a bad request, refused alike by every node
                }
                fromCatalog.add(live.get(i));
                unreached.add(live.get(i));
              }
              return catalogOf(fromCatalog, body)
                  .map(
                      found -> {
                        List<JsonObject> extra = found;
                        if (extra == null) {
                          // Not even their last known state (the catalog is moving after a loss):
                          // say whose are missing.
                          fromCatalog.forEach(unreached::add);
                          extra = List.of();
                        }
                        Comparator<JsonObject> order =
                            Comparator.<JsonObject>comparingLong(d -> d.getLong("createdAt", 0L))
                                .thenComparing(d -> d.getString("id", ""));
                        if (newest) {
                          order = order.reversed();
                        }
                        List<List<JsonObject>> parts = new ArrayList<>();
                        long total = extra.size();
                        for (Future<JsonObject> f : each) {
                          if (f.succeeded()) {
                            total += f.result().getLong("total");
                            List<JsonObject> part = new ArrayList<>();
                            f.result()
                                .getJsonArray("downloads")
                                .forEach(d -> part.add((JsonObject) d));
                            parts.add(part);
                          }
                        }
                        List<JsonObject> fromCatalogSorted = new ArrayList<>(extra);
                        fromCatalogSorted.sort(order);
                        parts.add(fromCatalogSorted);
                        List<JsonObject> merged = merge(parts, order);
                        JsonArray page = new JsonArray();
                        for (int i = offset; i < merged.size() && page.size() < limit; i++) {
                          page.add(merged.get(i));
                        }
                        JsonObject out =
                            new JsonObject()
                                .put("downloads", page)
                                .put("total", total)
                                .put("offset", offset)
                                .put("limit", limit);
                        return unreached.isEmpty() ? out : out.put("unreachedNodes", unreached);
                      });
            });
  }

  /**
   * The lists of {@code parts}, each in its own node's order, merged by taking the least head by
   * {@code order} each time: the first n of the result depend only on the first n of each part, so
   * that pages asked one after another by offset neither skip nor repeat a download, even where a
   * node's order is not {@code order} (downloads taken over from a lost node come in its queue's
   * order, and downloads of one millisecond tie on {@code createdAt}).
   */
  static List<JsonObject> merge(List<List<JsonObject>> parts, Comparator<JsonObject> order) {
    List<JsonObject> out = new ArrayList<>();
    int[] at = new int[parts.size()];
    while (true) {
      int best = -1;
      for (int i = 0; i < parts.size(); i++) {
        if (at[i] < parts.get(i).size()
            && (best < 0
                || order.compare(parts.get(i).get(at[i]), parts.get(best).get(at[best])) < 0)) {
          best = i;
        }
      }
      if (best < 0) {
        return out;
      }
      out.add(parts.get(best).get(at[best]++));
    }
  }

  /** The first {@code n} of one node's downloads, asked for a page at a time. */
  private Future<JsonObject> firstOf(String node, JsonObject body, int n, int from, JsonArray got) {
    int size = Math.min(RequestValidator.MAX_PAGE, n - got.size());
    JsonObject ask = body.copy().put("offset", from).put("limit", size);
    return sender
        .send(node, Addresses.DOWNLOADS_LIST, ask, quick)
        .compose(
            page -> {
              JsonArray downloads = page.getJsonArray("downloads");
              got.addAll(downloads);
              long total = page.getLong("total");
              if (got.size() >= n || got.size() >= total || downloads.isEmpty()) {
                return Future.succeededFuture(
                    new JsonObject().put("downloads", got).put("total", total));
              }
              return firstOf(node, body, n, from + downloads.size(), got);
            });
  }

  /**
   * The catalog's downloads of {@code owners} (their last known state), filtered as asked, without
   * those already taken over from them (listed by their new owners); null if it does not answer.
   */
  private Future<List<JsonObject>> catalogOf(Set<String> owners, JsonObject body) {
    if (owners.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Object status = body.getValue("status");
    Object batchId = body.getValue("batchId");
    CommandRequests.ListQuery query = CommandRequests.listQuery(body);
    List<Future<JsonObject>> records = owners.stream().map(handovers::get).toList();
    return Future.all(catalog.values(), Future.all(records))
        .timeout(quick.getSendTimeout(), TimeUnit.MILLISECONDS)
        .map(
            all -> {
              Set<String> gone = handedOver(records);
              return all.<List<JsonObject>>resultAt(0).stream()
                  .filter(
                      e ->
                          owners.contains(e.getString("node")) && !gone.contains(e.getString("id")))
                  .map(e -> e.getJsonObject("download"))
                  .filter(
                      d ->
                          d != null
                              && (status == null || status.equals(d.getString("status")))
                              && (batchId == null || batchId.equals(d.getString("batchId")))
                              && query.nameMatches(d.getString("name")))
                  .toList();
            })
        .otherwise((List<JsonObject>) null);
  }

  /**
   * The ids in the handover records {@code records}: downloads taken over from a lost node, whose
   * catalog entry may still name it until the new owner's entry lands.
   */
  private static Set<String> handedOver(List<Future<JsonObject>> records) {
    Set<String> ids = new HashSet<>();
    for (Future<JsonObject> r : records) {
      if (r.result() != null) {
        r.result()
            .getJsonArray("downloads", new JsonArray())
            .forEach(o -> ids.add(((JsonObject) o).getString("id")));
      }
    }
    return ids;
  }

  /**
   * A bulk command ({@code aria2.downloads.bulk}) on every live node: each acts on its own
   * downloads; an id one node does not have is not-found there, and found by its owner.
   */
  Future<JsonObject> bulk(JsonObject body) {
    CommandRequests.bulk(body); // a bad request is refused here, once
    return everywhere(Addresses.DOWNLOADS_BULK, body)
        .map(
            merged -> {
              java.util.Map<String, JsonObject> byId = new java.util.LinkedHashMap<>();
              merged
                  .getJsonArray("downloads", new JsonArray())
                  .forEach(
                      o -> {
                        JsonObject r = (JsonObject) o;
                        byId.merge(
                            r.getString("id"),
                            r,
                            (a, b) -> "not-found".equals(a.getString("outcome")) ? b : a);
                      });
              JsonObject reply =
                  BulkCommands.summary(new JsonArray(new ArrayList<>(byId.values())))
                      .put("action", body.getString("action"));
              return merged.containsKey("unreachedNodes")
                  ? reply.put("unreachedNodes", merged.getJsonArray("unreachedNodes"))
                  : reply;
            });
  }

  /** A bulk command on every live node; numbers are summed, lists joined. */
  Future<JsonObject> everywhere(String address, JsonObject body) {
    List<String> nodes = view.live();
    List<Future<JsonObject>> each = new ArrayList<>();
    for (String node : nodes) {
      each.add(sender.send(node, address, body, slow));
    }
    return Future.join(each)
        .transform(
            v -> {
              JsonObject out = new JsonObject();
              JsonArray unreached = new JsonArray();
              for (int i = 0; i < each.size(); i++) {
                if (each.get(i).failed()) {
                  unreached.add(
                      new JsonObject()
                          .put("node", nodes.get(i))
                          .put("message", each.get(i).cause().getMessage()));
                  continue;
                }
                each.get(i)
                    .result()
                    .forEach(
                        e -> {
                          if (e.getValue() instanceof Number n) {
                            out.put(e.getKey(), out.getLong(e.getKey(), 0L) + n.longValue());
                          } else if (e.getValue() instanceof JsonArray a) {
                            out.put(
                                e.getKey(),
                                out.getJsonArray(e.getKey(), new JsonArray()).addAll(a));
                          }
                        });
              }
              if (unreached.size() == nodes.size()) {
                return Future.failedFuture(each.get(0).cause());
              }
              return Future.succeededFuture(
                  unreached.isEmpty() ? out : out.put("unreachedNodes", unreached));
            });
  }

  /**
   * A batch's figures over every node that holds a part of it (a batch spans nodes after a
   * takeover).
   */
  Future<JsonObject> batch(JsonObject body) {
    List<Future<JsonObject>> each = new ArrayList<>();
    for (String node : view.live()) {
      each.add(sender.send(node, Addresses.BATCHES_GET, body, quick));
    }
    return Future.join(each)
        .transform(
            ar -> {
              JsonObject out = null;
              Throwable other = null;
              for (Future<JsonObject> f : each) {
                if (f.succeeded()) {
                  out = out == null ? f.result().copy() : add(out, f.result());
                } else if (!ClusterRouter.notFound(f.cause())) {
                  other = f.cause();
                }
              }
              if (out == null) {
                return Future.failedFuture(
                    other != null
                        ? other
                        : new ServiceException(
                            ErrorCode.NOT_FOUND, "batch " + body.getValue("id") + " not found"));
              }
              long total = out.getLong("total");
              long complete = out.getLong("complete");
              long terminal = complete + out.getLong("failed") + out.getLong("removed");
              return Future.succeededFuture(
                  out.put("percent", total == 0 ? 100 : complete * 100 / total)
                      .put("done", terminal == total));
            });
  }

  private static JsonObject add(JsonObject sum, JsonObject more) {
    more.forEach(
        e -> {
          if (e.getKey().equals("createdAt")) {
            sum.put("createdAt", Math.min(sum.getLong("createdAt"), more.getLong("createdAt")));
          } else if (e.getValue() instanceof Number n && !e.getKey().equals("percent")) {
            sum.put(e.getKey(), sum.getLong(e.getKey(), 0L) + n.longValue());
          }
        });
    return sum;
  }

  /**
   * The answer of the node that has the download, asking every live node at once: NOT_FOUND (in the
   * words of the nodes) when none has it, 504 naming the nodes that did not answer when one of them
   * might.
   */
  Future<JsonObject> firstFound(String address, JsonObject body) {
    List<String> nodes = view.live();
    Promise<JsonObject> found = Promise.promise();
    AtomicInteger left = new AtomicInteger(nodes.size());
    List<String> silent = new ArrayList<>();
    Throwable[] answer = new Throwable[1];
    for (String node : nodes) {
      sender
          .send(node, address, body, quick)
          .onComplete(
              ar -> {
                if (ar.succeeded()) {
                  found.tryComplete(ar.result());
                } else if (ClusterRouter.notFound(ar.cause())) {
                  answer[0] = answer[0] == null ? ar.cause() : answer[0];
                } else if (ar.cause() instanceof ServiceException se
                    && (se.code() == ErrorCode.TIMEOUT || se instanceof NodeUnreachable)) {
                  silent.add(node);
                } else {
                  answer[0] =
                      ar.cause(); // a refusal by the node that has it (a bad request, a conflict)
                }
                if (left.decrementAndGet() == 0 && !found.future().isComplete()) {
                  found.fail(
                      answer[0] != null && !ClusterRouter.notFound(answer[0]) || silent.isEmpty()
                          ? answer[0]
                          : new ServiceException(
                              ErrorCode.TIMEOUT,
                              "node"
                                  + (silent.size() > 1 ? "s " : " ")
                                  + String.join(", ", silent)
                                  + " did not answer within "
                                  + quick.getSendTimeout()
                                  + " ms"));
                }
              });
    }
    return found.future();
  }
}
