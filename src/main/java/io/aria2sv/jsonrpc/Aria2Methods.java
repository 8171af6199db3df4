package io.aria2sv.jsonrpc;

import io.aria2sv.bus.Addresses;
import io.aria2sv.downloads.request.Intake;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2Client;
import io.aria2sv.rpc.Aria2Rpc;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * aria2's JSON-RPC methods served by the supervisor. Adds and every control go through the
 * downloads service (the registry, its validation, its GIDs); reads go to the running aria2c with
 * aria2c's own secret, the GIDs made the ones the client knows, and fall back to the registry for
 * downloads aria2c no longer holds and while it restarts. The method table is in the README.
 */
final class Aria2Methods {
  /** Every method served, as {@code system.listMethods} answers. */
  static final List<String> METHODS =
      List.of(
          "aria2.addUri",
          "aria2.addTorrent",
          "aria2.addMetalink",
          "aria2.remove",
          "aria2.forceRemove",
          "aria2.pause",
          "aria2.pauseAll",
          "aria2.forcePause",
          "aria2.forcePauseAll",
          "aria2.unpause",
          "aria2.unpauseAll",
          "aria2.tellStatus",
          "aria2.getUris",
          "aria2.getFiles",
          "aria2.getPeers",
          "aria2.getServers",
          "aria2.tellActive",
          "aria2.tellWaiting",
          "aria2.tellStopped",
          "aria2.getOption",
          "aria2.changeUri",
          "aria2.changeOption",
          "aria2.getGlobalOption",
          "aria2.changeGlobalOption",
          "aria2.getGlobalStat",
          "aria2.purgeDownloadResult",
          "aria2.removeDownloadResult",
          "aria2.getVersion",
          "aria2.getSessionInfo",
          "aria2.shutdown",
          "aria2.forceShutdown",
          "aria2.saveSession",
          "aria2.changePosition",
          "system.multicall",
          "system.listMethods",
          "system.listNotifications");

  static final List<String> NOTIFICATIONS =
      List.of(
          "aria2.onDownloadStart",
          "aria2.onDownloadPause",
          "aria2.onDownloadStop",
          "aria2.onDownloadComplete",
          "aria2.onDownloadError",
          "aria2.onBtDownloadComplete");

  /** Reads about one GID that aria2c answers while it holds the download. */
  private static final Set<String> PER_GID_READS =
      Set.of("aria2.getUris", "aria2.getPeers", "aria2.getServers", "aria2.getOption");

  private static final Set<String> ENDED = Set.of("complete", "failed", "removed");

  private final Vertx vertx;
  private final Aria2Client aria2;
  private final Path root;
  private final GidMap gids;
  private final Duration timeout;
  private final DeliveryOptions quick;
  private final DeliveryOptions slow;

  /** In a cluster, the other nodes' downloads for the list methods. */
  private final OtherNodes others;

  /** In a cluster, every node's queue and ended downloads, paged by their owners; else null. */
  private final NodePages pages;

  /** This node's queue (see {@link Addresses#DOWNLOADS_QUEUE}). */
  private final String queue;

  Aria2Methods(
      Vertx vertx, Aria2Client aria2, Path root, GidMap gids, Duration timeout, String node) {
    this.vertx = vertx;
    this.aria2 = aria2;
    this.root = root;
    this.gids = gids;
    this.timeout = timeout;
    this.quick = new DeliveryOptions().setSendTimeout(timeout.toMillis());
    this.slow = new DeliveryOptions().setSendTimeout(timeout.multipliedBy(6).toMillis());
    this.pages = node == null ? null : new NodePages(node, (a, b) -> bus(a, b, quick));
    this.others = new OtherNodes(node, b -> bus(Addresses.DOWNLOADS_LIST, b, quick), pages, root);
    this.queue =
        node == null
            ? Addresses.DOWNLOADS_QUEUE
            : io.aria2sv.bus.ClusterMaps.onNode(node, Addresses.DOWNLOADS_QUEUE);
  }

  /** One call, its token already checked and taken off {@code p}. */
  Future<Object> call(String method, JsonArray p) {
    try {
      return dispatch(method, p);
    } catch (RpcError e) {
      return Future.failedFuture(e);
    }
  }

  private Future<Object> dispatch(String method, JsonArray p) {
    return switch (method) {
      case "aria2.addUri" ->
          add(
              new JsonObject().put("uris", Params.array(p, 0)),
              Params.object(p, 1),
              Params.position(p, 2));
      case "aria2.addTorrent" ->
          add(
              new JsonObject()
                  .put("torrent", Params.string(p, 0))
                  .put("uris", Params.optionalArray(p, 1)),
              Params.object(p, 2),
              Params.position(p, 3));
      case "aria2.addMetalink" -> addMetalink(Params.string(p, 0), Params.object(p, 1));
      case "aria2.remove", "aria2.forceRemove" ->
          onDownload(p, Addresses.DOWNLOADS_REMOVE, new JsonObject());
      case "aria2.pause", "aria2.forcePause" ->
          onDownload(p, Addresses.DOWNLOADS_PAUSE, new JsonObject());
      case "aria2.unpause" -> onDownload(p, Addresses.DOWNLOADS_RESUME, new JsonObject());
      case "aria2.pauseAll", "aria2.forcePauseAll" ->
          bus(Addresses.DOWNLOADS_PAUSE_ALL, new JsonObject(), slow).map(r -> "OK");
      case "aria2.unpauseAll" ->
          bus(Addresses.DOWNLOADS_RESUME_ALL, new JsonObject(), slow).map(r -> "OK");
      case "aria2.changeOption" ->
          download(Params.string(p, 0))
              .compose(
                  d ->
                      bus(
                          Addresses.DOWNLOADS_CHANGE,
                          new JsonObject()
                              .put("id", d.getString("id"))
                              .put("options", options(Params.object(p, 1))),
                          quick))
              .map(r -> "OK");
      case "aria2.changePosition" ->
          download(Params.string(p, 0))
              .compose(
                  d ->
                      bus(
                          Addresses.DOWNLOADS_POSITION,
                          new JsonObject()
                              .put("id", d.getString("id"))
                              .put("pos", Params.integer(p, 1))
                              .put("how", Params.string(p, 2)),
                          quick))
              .map(r -> r.getValue("position"));
      case "aria2.changeGlobalOption" ->
          bus(
                  Addresses.SUPERVISOR_SET_OPTIONS,
                  new JsonObject().put("options", Params.object(p, 0)),
                  slow)
              .map(r -> "OK");
      case "aria2.purgeDownloadResult" ->
          bus(Addresses.DOWNLOADS_PURGE, new JsonObject(), quick).map(r -> "OK");
      case "aria2.removeDownloadResult" ->
          download(Params.string(p, 0))
              .compose(
                  d ->
                      bus(
                          Addresses.DOWNLOADS_FORGET,
                          new JsonObject().put("id", d.getString("id")),
                          quick))
              .map(r -> "OK");
      case "aria2.shutdown", "aria2.forceShutdown" ->
          Future.failedFuture(
              RpcError.aria2(
                  method
                      + " is refused: aria2c is run by aria2-supervisor, which would start it again (POST /api/v1/supervisor/stop stops it)"));
      case "aria2.changeUri" ->
          Future.failedFuture(
              RpcError.aria2(
                  "aria2.changeUri is not served: add the download again with"
                      + " the URIs it should use"));
      case "aria2.tellStatus" -> tellStatus(Params.string(p, 0), Params.keys(p, 1));
      case "aria2.getFiles" ->
          download(Params.string(p, 0))
              .compose(
                  d ->
                      held(d)
                          ? proxy("aria2.getFiles", new JsonArray().add(d.getString("gid")))
                              .otherwise(err -> Aria2Shapes.files(d, root))
                          : Future.succeededFuture(Aria2Shapes.files(d, root)));
      case "aria2.tellActive" ->
          proxy("aria2.tellActive", new JsonArray().add(Params.keysOrAll(p, 0)))
              .map(this::stable)
              .compose(local -> others.after(local, OtherNodes.ACTIVE, Params.keys(p, 0)))
              .recover(
                  err ->
                      fromRegistry(
                          List.of("metadata", "active", "seeding"),
                          0,
                          Integer.MAX_VALUE,
                          Params.keys(p, 0)));
      case "aria2.tellWaiting" ->
          tellWaiting(Params.integer(p, 0), Params.integer(p, 1), Params.keys(p, 2));
      case "aria2.tellStopped" ->
          tellStopped(Params.integer(p, 0), Params.integer(p, 1), Params.keys(p, 2));
      case "aria2.getGlobalStat" ->
          withQueue(proxy(method, new JsonArray()))
              .compose(others::globalStat)
              .otherwise(
                  err ->
                      new JsonObject()
                          .put("downloadSpeed", "0")
                          .put("uploadSpeed", "0")
                          .put("numActive", "0")
                          .put("numWaiting", "0")
                          .put("numStopped", "0")
                          .put("numStoppedTotal", "0"));
      case "aria2.getVersion",
          "aria2.getSessionInfo",
          "aria2.getGlobalOption",
          "aria2.saveSession" ->
          proxy(method, new JsonArray());
      case "system.listMethods" -> Future.succeededFuture(new JsonArray(METHODS));
      case "system.listNotifications" -> Future.succeededFuture(new JsonArray(NOTIFICATIONS));
      default ->
          PER_GID_READS.contains(method)
              ? download(Params.string(p, 0))
                  .compose(
                      d ->
                          held(d)
                              ? proxy(method, new JsonArray().add(d.getString("gid")))
                                  .recover(err -> Future.succeededFuture(known(method, d)))
                              : Future.succeededFuture(known(method, d)))
              : Future.failedFuture(RpcError.aria2("No such method: " + method));
    };
  }

  /**
   * What the registry knows for a per-GID read aria2c cannot answer: its options, URIs; no peers or
   * servers.
   */
  private Object known(String method, JsonObject d) {
    return switch (method) {
      case "aria2.getOption" ->
          d.getJsonObject("options", new JsonObject())
              .copy()
              .put("dir", root.resolve(d.getString("dir", "")).toString());
      case "aria2.getUris" -> Aria2Shapes.files(d, root).getJsonObject(0).getJsonArray("uris");
      default -> new JsonArray();
    };
  }

  // ---- adds ------------------------------------------------------------------------------------

  private Future<Object> add(JsonObject request, JsonObject options, Integer position) {
    JsonObject body = request.copy();
    if (body.getValue("uris") == null) {
      body.remove("uris");
    }
    Map<String, Object> o = options.getMap();
    if (o.get("dir") != null) {
      body.put("dir", String.valueOf(o.get("dir")));
    }
    if (o.get("out") != null) {
      body.put("out", String.valueOf(o.get("out")));
    }
    // the supervisor's own options of an add: aria2 has none of these names
    if (o.get("category") != null) {
      body.put("category", String.valueOf(o.get("category")));
    }
    if (o.get("moveTo") != null) {
      body.put("moveTo", String.valueOf(o.get("moveTo")));
    }
    JsonObject rest = options(options);
    if (!rest.isEmpty()) {
      body.put("options", rest);
    }
    JsonObject batch = Intake.asBatch(body);
    if (batch != null) {
      // aria2 answers a metalink URL with one GID: the first of the batch here
      return bus(Addresses.BATCHES_ADD, batch, slow)
          .compose(
              b ->
                  bus(
                      Addresses.DOWNLOADS_GET,
                      new JsonObject().put("id", b.getJsonArray("downloads").getString(0)),
                      quick))
          .map(d -> (Object) Aria2Shapes.gid(d));
    }
    return bus(Addresses.DOWNLOADS_ADD, body, slow)
        .compose(
            d -> {
              gids.learn(d);
              Future<JsonObject> placed =
                  position == null
                      ? Future.succeededFuture(d)
                      : bus(
                              Addresses.DOWNLOADS_POSITION,
                              new JsonObject().put("id", d.getString("id")).put("pos", position),
                              quick)
                          .otherwise(d);
              return placed.map(x -> Aria2Shapes.gid(d));
            });
  }

  private Future<Object> addMetalink(String metalink, JsonObject options) {
    JsonObject body = new JsonObject().put("metalink", metalink);
    if (options.getValue("dir") != null) {
      body.put("dir", String.valueOf(options.getValue("dir")));
    }
    return bus(Addresses.BATCHES_ADD, body, slow)
        .compose(
            batch -> {
              List<Future<Object>> each =
                  batch.getJsonArray("downloads").stream()
                      .map(
                          id ->
                              bus(Addresses.DOWNLOADS_GET, new JsonObject().put("id", id), quick)
                                  .map(d -> (Object) Aria2Shapes.gid(d)))
                      .toList();
              return Future.all(each).map(all -> new JsonArray(all.list()));
            });
  }

  /**
   * aria2's options of an add or a change, {@code dir} and {@code out} aside, and the supervisor's
   * {@code category} and {@code moveTo}.
   */
  private static JsonObject options(JsonObject o) {
    JsonObject rest = o.copy();
    rest.remove("dir");
    rest.remove("out");
    rest.remove("category");
    rest.remove("moveTo");
    return rest;
  }

  // ---- reads -----------------------------------------------------------------------------------

  private Future<Object> tellStatus(String gid, List<String> keys) {
    return download(gid)
        .compose(
            d -> {
              if (!held(d)) {
                return Future.succeededFuture(Aria2Shapes.status(d, root, keys));
              }
              JsonArray params = new JsonArray().add(d.getString("gid"));
              if (keys != null) {
                params.add(new JsonArray(keys));
              }
              return proxy("aria2.tellStatus", params)
                  .map(st -> (Object) gids.stable((JsonObject) st).put("gid", Aria2Shapes.gid(d)))
                  .otherwise(err -> Aria2Shapes.status(d, root, keys));
            });
  }

  /**
   * The queue as the registry holds it (aria2c holds only its first few), paged as aria2 pages it;
   * in a cluster the whole of it, the other nodes' queues after this node's ({@link NodePages}).
   */
  private Future<Object> tellWaiting(int offset, int num, List<String> keys) {
    if (!others.clustered()) {
      return queue(offset, num)
          .map(q -> (Object) shapes(q.getJsonArray("downloads").stream().toList(), keys));
    }
    return pages
        .page(Addresses.DOWNLOADS_QUEUE, offset, num)
        .map(q -> (Object) shapes(new ArrayList<>(q), keys));
  }

  private Future<JsonObject> queue(int offset, int num) {
    return bus(queue, new JsonObject().put("offset", offset).put("num", num), quick);
  }

  private JsonArray shapes(List<Object> downloads, List<String> keys) {
    JsonArray out = new JsonArray();
    downloads.forEach(d -> out.add(Aria2Shapes.status((JsonObject) d, root, keys)));
    return out;
  }

  /**
   * aria2c's {@code getGlobalStat} with {@code numWaiting} counting the whole queue, as it stands
   * when the call arrives (asked at once, beside aria2c: a command later in the same multicall does
   * not change it).
   */
  private Future<Object> withQueue(Future<Object> stat) {
    Future<JsonObject> queued = queue(0, 0);
    return stat.compose(
        s ->
            queued
                .map(
                    q ->
                        (Object)
                            ((JsonObject) s)
                                .put("numWaiting", String.valueOf(q.getInteger("total"))))
                .otherwise(s));
  }

  /**
   * {@code [offset, offset + num)} of {@code all}; a negative offset counts from the end and goes
   * backwards, as aria2 does.
   */
  private static <T> List<T> page(List<T> all, int offset, int num) {
    List<T> out = new ArrayList<>();
    if (offset >= 0) {
      for (int i = offset; i < all.size() && out.size() < num; i++) {
        out.add(all.get(i));
      }
    } else {
      for (int i = all.size() + offset; i >= 0 && out.size() < num; i--) {
        out.add(all.get(i));
      }
    }
    return out;
  }

  /**
   * The ended downloads of the registry (aria2c keeps none of ours: their results are dropped), in
   * the order they ended; a negative {@code offset} counts from the newest, newest first, as aria2
   * does. In a cluster, every node's: this node's, then the others' ({@link NodePages}).
   */
  private Future<Object> tellStopped(int offset, int num, List<String> keys) {
    if (others.clustered()) {
      return pages
          .page(Addresses.DOWNLOADS_STOPPED, offset, num)
          .map(q -> (Object) shapes(new ArrayList<>(q), keys));
    }
    return bus(
            Addresses.DOWNLOADS_STOPPED,
            new JsonObject().put("offset", offset).put("num", num),
            quick)
        .map(q -> (Object) shapes(q.getJsonArray("downloads").stream().toList(), keys));
  }

  /**
   * Downloads of {@code statuses} from the registry in aria2's shape, as {@link #tellStopped} pages
   * them.
   */
  private Future<Object> fromRegistry(
      List<String> statuses, int offset, int num, List<String> keys) {
    List<Future<JsonObject>> lists =
        statuses.stream()
            .map(
                s ->
                    bus(
                        Addresses.DOWNLOADS_LIST,
                        new JsonObject().put("status", s).put("order", "newest"),
                        quick))
            .toList();
    return Future.all(lists)
        .map(
            all -> {
              List<JsonObject> ended = new java.util.ArrayList<>();
              lists.forEach(
                  f ->
                      f.result().getJsonArray("downloads").forEach(d -> ended.add((JsonObject) d)));
              ended.sort(java.util.Comparator.comparingLong(d -> d.getLong("updatedAt")));
              JsonArray out = new JsonArray();
              page(ended, offset, num).forEach(d -> out.add(Aria2Shapes.status(d, root, keys)));
              return out;
            });
  }

  private Object stable(Object list) {
    if (list instanceof JsonArray a) {
      a.forEach(o -> gids.stable((JsonObject) o));
    }
    return list;
  }

  /** Whether aria2c holds the download now (not ended, not waiting for a re-add). */
  private static boolean held(JsonObject d) {
    return !ENDED.contains(d.getString("status")) && !"retrying".equals(d.getString("status"));
  }

  private Future<Object> proxy(String method, JsonArray params) {
    Aria2Rpc rpc = aria2.current();
    if (rpc == null) {
      return Future.failedFuture(
          RpcError.aria2("aria2c is not running at the moment; it is being started again"));
    }
    return rpc.call(new Aria2Call(method, params), timeout)
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof io.aria2sv.rpc.Aria2RpcException e
                            && e.kind() == io.aria2sv.rpc.Aria2RpcException.Kind.ARIA2
                        ? RpcError.aria2(e.getMessage())
                        : RpcError.aria2("aria2c did not answer: " + err.getMessage())));
  }

  // ---- the downloads service -----------------------------------------------------------------

  private Future<Object> onDownload(JsonArray p, String address, JsonObject extra) {
    String gid = Params.string(p, 0);
    return download(gid)
        .compose(d -> bus(address, extra.copy().put("id", d.getString("id")), quick))
        .map(d -> (Object) gid);
  }

  /** The download a client knows by {@code gid}. */
  private Future<JsonObject> download(String gid) {
    return bus(Addresses.DOWNLOADS_GET, new JsonObject().put("gid", gid), quick);
  }

  private Future<JsonObject> bus(String address, JsonObject body, DeliveryOptions options) {
    return vertx
        .eventBus()
        .<JsonObject>request(address, body, options)
        .map(m -> m.body())
        .recover(
            err ->
                Future.failedFuture(
                    RpcError.aria2(
                        err instanceof ReplyException r
                            ? r.getMessage()
                            : String.valueOf(err.getMessage()))));
  }
}
