package io.aria2sv.cluster;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ClusterMaps;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The public downloads addresses of a cluster node: each request goes to the node that owns the
 * download, and lists, bulk commands and batch figures gather every node's answer ({@link
 * ClusterLists}). Adds are placed round robin over the live nodes in name order, starting after the
 * node the previous add went to; an add whose request id was seen anywhere in the cluster goes
 * where the first one went. A request to a node that does not answer ends with 504 after {@code
 * cluster.requestTimeout}; to a node that is gone, at once with 503.
 */
final class ClusterRouter {
  /** Addresses that name one download by {@code id} (or {@code gid}). */
  static final List<String> BY_ID =
      List.of(
          Addresses.DOWNLOADS_GET,
          Addresses.DOWNLOADS_FORGET,
          Addresses.DOWNLOADS_PAUSE,
          Addresses.DOWNLOADS_RESUME,
          Addresses.DOWNLOADS_RETRY,
          Addresses.DOWNLOADS_REMOVE,
          Addresses.DOWNLOADS_CHANGE,
          Addresses.DOWNLOADS_POSITION,
          Addresses.DOWNLOADS_FILES,
          Addresses.DOWNLOADS_STOP_SEEDING,
          Addresses.DOWNLOADS_PEERS);

  private final Vertx vertx;
  private final ClusterView view;
  private final AsyncMap<String, JsonObject> catalog;
  private final AsyncMap<String, JsonObject> requests;
  private final DeliveryOptions quick;
  private final DeliveryOptions slow;
  private final ClusterLists lists;
  private final java.util.function.Supplier<String> notServing;
  private int next;

  ClusterRouter(
      Vertx vertx,
      ClusterView view,
      AsyncMap<String, JsonObject> catalog,
      AsyncMap<String, JsonObject> requests,
      AsyncMap<String, JsonObject> handovers,
      Duration timeout,
      java.util.function.Supplier<String> notServing) {
    this.vertx = vertx;
    this.notServing = notServing;
    this.view = view;
    this.catalog = catalog;
    this.requests = requests;
    this.quick = new DeliveryOptions().setSendTimeout(timeout.toMillis());
    this.slow = new DeliveryOptions().setSendTimeout(timeout.multipliedBy(3).toMillis());
    this.lists = new ClusterLists(view, catalog, handovers, this::send, quick, slow);
  }

  void register() {
    EventBus bus = vertx.eventBus();
    bus.<JsonObject>localConsumer(Addresses.DOWNLOADS_ADD, m -> BusReplies.answer(m, this::add));
    bus.<JsonObject>localConsumer(
        Addresses.BATCHES_ADD,
        m ->
            BusReplies.answer(
                m,
                body ->
                    refusedAdd() != null
                        ? Future.failedFuture(refusedAdd())
                        : placed(Addresses.BATCHES_ADD, body)));
    for (String address : BY_ID) {
      bus.<JsonObject>localConsumer(
          address, m -> BusReplies.answer(m, body -> byId(address, body)));
    }
    bus.<JsonObject>localConsumer(Addresses.DOWNLOADS_LIST, m -> BusReplies.answer(m, lists::list));
    for (String address :
        List.of(
            Addresses.DOWNLOADS_PAUSE_ALL,
            Addresses.DOWNLOADS_RESUME_ALL,
            Addresses.DOWNLOADS_PURGE)) {
      bus.<JsonObject>localConsumer(
          address, m -> BusReplies.answer(m, body -> lists.everywhere(address, body)));
    }
    bus.<JsonObject>localConsumer(Addresses.BATCHES_GET, m -> BusReplies.answer(m, lists::batch));
    bus.<JsonObject>localConsumer(Addresses.DOWNLOADS_BULK, m -> BusReplies.answer(m, lists::bulk));
  }

  /** The next node in the round robin, {@code skip} places further on. */
  private String placement(int skip) {
    List<String> live = view.live();
    return live.get(Math.floorMod(next + skip, live.size()));
  }

  /** An add arriving here while this node does not hold its lease is refused, naming why. */
  private ServiceException refusedAdd() {
    String why = notServing.get();
    return why == null
        ? null
        : new ServiceException(
            ErrorCode.NOT_RUNNING, "no adds here now: " + why + "; try a node of the majority");
  }

  private Future<JsonObject> add(JsonObject body) {
    ServiceException refused = refusedAdd();
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    if (!(body.getValue("requestId") instanceof String key) || key.isBlank()) {
      return placed(Addresses.DOWNLOADS_ADD, body);
    }
    String target = placement(0);
    next++;
    JsonObject claim = new JsonObject().put("node", target);
    return requests
        .putIfAbsent(key, claim)
        .timeout(quick.getSendTimeout(), TimeUnit.MILLISECONDS)
        .recover(
            err ->
                Future.failedFuture(
                    new ServiceException(
                        ErrorCode.TIMEOUT,
                        "the cluster did not record request id "
                            + key
                            + " within "
                            + quick.getSendTimeout()
                            + " ms")))
        .compose(
            previous -> {
              if (previous != null) {
                return send(previous.getString("node"), Addresses.DOWNLOADS_ADD, body, slow);
              }
              return send(target, Addresses.DOWNLOADS_ADD, body, slow)
                  .recover(
                      err -> {
                        if (!(err instanceof NodeUnreachable) || view.live().size() < 2) {
                          return Future.failedFuture(err);
                        }
                        // The add never reached it: the claim moves on with the add, once.
                        String other = placement(0).equals(target) ? placement(1) : placement(0);
                        return requests
                            .replaceIfPresent(key, claim, new JsonObject().put("node", other))
                            .compose(
                                moved ->
                                    moved
                                        ? send(other, Addresses.DOWNLOADS_ADD, body, slow)
                                        : Future.failedFuture(err));
                      });
            });
  }

  /** Sends to the next node of the round robin, and on to the one after it while they are gone. */
  private Future<JsonObject> placed(String address, JsonObject body) {
    int start = next++;
    return tryFrom(address, body, start, view.live().size());
  }

  private Future<JsonObject> tryFrom(String address, JsonObject body, int at, int left) {
    List<String> live = view.live();
    String node = live.get(Math.floorMod(at, live.size()));
    return send(node, address, body, slow)
        .recover(
            err ->
                err instanceof NodeUnreachable && left > 1
                    ? tryFrom(address, body, at + 1, left - 1)
                    : Future.failedFuture(err));
  }

  /**
   * An action on one download, by its owner; a GET of a download whose owner is gone answers from
   * the catalog.
   */
  private Future<JsonObject> byId(String address, JsonObject body) {
    if (!(body.getValue("id") instanceof String id)) {
      return lists.firstFound(address, body);
    }
    long t0 = System.nanoTime();
    // A map partition on a frozen member would hold the lookup until the member is dropped.
    return catalog
        .get(id)
        .timeout(quick.getSendTimeout(), TimeUnit.MILLISECONDS)
        .otherwise((JsonObject) null)
        .compose(
            entry -> {
              if (entry == null) {
                // An add just acknowledged may not be in the catalog yet: ask every node.
                return lists.firstFound(address, body);
              }
              String owner = entry.getString("node");
              if (!view.isLive(owner)) {
                if (address.equals(Addresses.DOWNLOADS_GET)) {
                  return Future.succeededFuture(entry.getJsonObject("download"));
                }
                return Future.failedFuture(
                    new ServiceException(
                        ErrorCode.NOT_RUNNING,
                        "download "
                            + id
                            + " is on node "
                            + owner
                            + ", which is not in the cluster now"));
              }
              // The lookup's time counts against the request's: the answer never comes later than
              // the budget.
              DeliveryOptions budget = address.equals(Addresses.DOWNLOADS_GET) ? quick : slow;
              long left =
                  Math.max(500, budget.getSendTimeout() - (System.nanoTime() - t0) / 1_000_000);
              return send(owner, address, body, new DeliveryOptions().setSendTimeout(left));
            });
  }

  /**
   * Sends {@code body} to {@code node}'s own {@code address}; a lost node's failure says which
   * node.
   */
  Future<JsonObject> send(String node, String address, JsonObject body, DeliveryOptions options) {
    // To this node itself: delivered here without asking the cluster who listens, an answer that a
    // frozen member holding that part of the subscriptions map could delay.
    DeliveryOptions o =
        node.equals(view.me()) ? new DeliveryOptions(options).setLocalOnly(true) : options;
    return vertx
        .eventBus()
        .<JsonObject>request(ClusterMaps.onNode(node, address), body, o)
        .map(m -> m.body())
        .recover(err -> Future.failedFuture(named(node, err, options)));
  }

  private static Throwable named(String node, Throwable err, DeliveryOptions options) {
    if (err instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
      return new ServiceException(
          ErrorCode.TIMEOUT,
          "node " + node + " did not answer within " + options.getSendTimeout() + " ms");
    }
    if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
      return new NodeUnreachable(node);
    }
    return err;
  }

  /** Whether {@code err} is a NOT_FOUND answer. */
  static boolean notFound(Throwable err) {
    return err instanceof ReplyException re
        && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && re.failureCode() == ErrorCode.NOT_FOUND.code();
  }
}
