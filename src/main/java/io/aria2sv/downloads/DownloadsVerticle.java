package io.aria2sv.downloads;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.cluster.ClusterMaps;
import io.aria2sv.config.AppConfig;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2Client;
import io.aria2sv.rpc.Aria2Notifications;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downloads side of the event bus ({@code aria2.downloads.*}, see {@link Addresses}): wires the
 * bus to {@link DownloadManager}, validates with {@link RequestValidator}, follows aria2c across
 * restarts ({@link SupervisorFollower}, WebSocket notifications, reconcile), and runs the {@link
 * ProgressTicker} and the {@link EndedForgetter}.
 */
public final class DownloadsVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DownloadsVerticle.class);

  /** The longest a stop waits for the notification socket's clean close. */
  private static final long DISCONNECT_GRACE_MILLIS = 500;

  private final Metrics metrics;
  private AppConfig config;
  private WebClient web;
  private RegistryStore store;
  private Aria2Client aria2;
  private SupervisorFollower follower;
  private Aria2Notifications notifications;
  private DownloadManager manager;
  private RequestValidator validator;
  private TorrentStore torrents;
  private MetaFetcher fetcher;
  private DownloadEvents events;
  private ProgressTicker ticker;
  private EndedForgetter forgetter;

  /** In a cluster the downloads answer at node-scoped addresses; the public ones route to them. */
  private boolean clustered;

  private ClusterMember member;

  /** A verticle with meters of its own. */
  public DownloadsVerticle() {
    this(Metrics.standalone());
  }

  /** A verticle that counts in {@code metrics}. */
  public DownloadsVerticle(Metrics metrics) {
    this.metrics = metrics;
  }

  /** A deployment of this verticle with the effective configuration. */
  public static DeploymentOptions options(JsonObject config) {
    return new DeploymentOptions().setConfig(config);
  }

  @Override
  public Future<?> start() throws Exception {
    config = AppConfig.from(config());
    web =
        WebClient.create(
            vertx,
            new WebClientOptions().setConnectTimeout(1000).setMetricsName("aria2-rpc-downloads"));
    aria2 = new Aria2Client(context, web, config.rpc(), metrics);
    follower = new SupervisorFollower(vertx, aria2);
    fetcher = new MetaFetcher(vertx);
    clustered = config.cluster().enabled() && vertx.isClustered();
    events = new DownloadEvents(vertx.eventBus(), config.cluster().nodeName());
    return vertx
        .executeBlocking(
            () -> {
              config.aria2().createDirectories();
              return TorrentStore.open(config.aria2().dataDir());
            },
            false)
        .compose(
            t -> {
              torrents = t;
              validator = new RequestValidator(config.aria2().downloadDir(), torrents);
              return RegistryStore.open(vertx, config.aria2().dataDir());
            })
        .compose(
            s -> {
              store = s;
              store.onCondition(this::registryCondition);
              member =
                  clustered
                      ? new ClusterMember(vertx, store, torrents, config.rpc().timeout())
                      : null;
              return store
                  .loadBatches()
                  .compose(
                      batches ->
                          store
                              .loadAll()
                              .compose(
                                  all ->
                                      member == null
                                          ? Future.succeededFuture(all)
                                          : member.withoutHandedOver(all))
                              .map(
                                  kept -> {
                                    manager =
                                        new DownloadManager(
                                            vertx,
                                            aria2,
                                            store,
                                            config.downloads(),
                                            events,
                                            config.aria2().downloadDir(),
                                            metrics,
                                            torrents);
                                    manager.load(kept, batches);
                                    LOG.info(
                                        "registry {} opened: {} downloads",
                                        store.file(),
                                        kept.size());
                                    return null;
                                  }));
            })
        .compose(
            v ->
                !clustered
                    ? Future.succeededFuture()
                    : ClusterCatalog.open(vertx, config.cluster().nodeName(), torrents)
                        .map(
                            catalog -> {
                              events.catalog(catalog);
                              catalog.putAll(manager.all(), manager::json);
                              return null;
                            }))
        .compose(
            v -> {
              notifications =
                  new Aria2Notifications(vertx, manager::onNotification, this::reconcile);
              aria2.onEndpoint(rpc -> notifications.follow(rpc.endpoint()));
              registerConsumers();
              ticker = new ProgressTicker(vertx, aria2, manager, events, metrics);
              ticker.every(config.downloads().progressInterval());
              forgetter = new EndedForgetter(vertx, manager);
              forgetter.keep(config.downloads().keepEnded());
              return follower.start(config.rpc().timeout());
            });
  }

  @Override
  public Future<?> stop() {
    if (ticker != null) {
      ticker.stop();
    }
    if (forgetter != null) {
      forgetter.stop();
    }
    if (manager != null) {
      manager.stop();
    }
    // Undeploy closes the clients this verticle created once stop completes: a clean disconnect
    // first, but never held up for long by an aria2c that does not answer.
    Future<Void> disconnected =
        notifications == null
            ? Future.succeededFuture()
            : notifications.close().timeout(DISCONNECT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    follower.stop();
    web.close();
    fetcher.close();
    Future<Void> stored = store == null ? Future.succeededFuture() : store.close().mapEmpty();
    return disconnected.transform(ar -> stored);
  }

  /**
   * Re-add, progress and retention settings apply at once; the RPC client keeps its settings until
   * restart.
   */
  private void reconfigure(AppConfig next) {
    manager.reconfigure(next.downloads());
    if (!next.downloads().progressInterval().equals(config.downloads().progressInterval())) {
      ticker.every(next.downloads().progressInterval());
    }
    if (!next.downloads().keepEnded().equals(config.downloads().keepEnded())) {
      forgetter.keep(next.downloads().keepEnded());
    }
    config = next;
  }

  private void reconcile() {
    manager
        .reconcile()
        .onFailure(err -> LOG.warn("reconcile with aria2 failed: {}", err.getMessage()));
  }

  /** A public address, or in a cluster this node's own for it. */
  private String at(String address) {
    return clustered ? ClusterMaps.onNode(config.cluster().nodeName(), address) : address;
  }

  private void registerConsumers() {
    EventBus bus = vertx.eventBus();
    if (clustered) {
      bus.<JsonObject>consumer(
          at(ClusterMaps.ADOPT), m -> BusReplies.answer(m, body -> member.adopt(manager, body)));
    }
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_ADD),
        m ->
            BusReplies.answer(
                m,
                body -> {
                  if (FollowedUrls.metalinkUrl(body) != null) {
                    return Future.failedFuture(
                        new ValidationException(
                            "uris[0]",
                            "is a metalink, which makes a batch: add it with "
                                + Addresses.BATCHES_ADD
                                + " {metalinkUri} (POST /api/v1/downloads does so), or give options.follow-metalink false"));
                  }
                  return following(body)
                      .compose(b -> validated(b, v -> validator.validate(v, "", "")))
                      .compose(manager::add)
                      .map(manager::json);
                }));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_GET),
        m -> BusReplies.answer(m, body -> Future.succeededFuture(manager.json(find(body)))));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_LIST),
        m ->
            BusReplies.answer(
                m,
                body ->
                    Future.succeededFuture(
                        DownloadQuery.page(
                            manager.all(), CommandRequests.listQuery(body), manager::json))));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_PAUSE),
        m -> BusReplies.answer(m, body -> manager.pause(find(body)).map(manager::json)));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_RESUME),
        m -> BusReplies.answer(m, body -> manager.resume(find(body)).map(manager::json)));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_RETRY),
        m -> BusReplies.answer(m, body -> manager.retry(find(body)).map(manager::json)));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_REMOVE),
        m ->
            BusReplies.answer(
                m,
                body ->
                    manager
                        .remove(find(body), Boolean.TRUE.equals(body.getValue("deleteFiles")))
                        .map(manager::json)));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_CHANGE),
        m ->
            BusReplies.answer(
                m,
                body ->
                    manager
                        .changeOptions(find(body), CommandRequests.changedOptions(body))
                        .map(manager::json)));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_POSITION),
        m ->
            BusReplies.answer(
                m,
                body -> {
                  Download d = find(body);
                  return manager
                      .move(d, CommandRequests.move(body))
                      .map(pos -> new JsonObject().put("id", d.id).put("position", pos));
                }));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_STOP_SEEDING),
        m -> BusReplies.answer(m, body -> manager.stopSeeding(find(body)).map(manager::json)));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_PEERS),
        m -> BusReplies.answer(m, body -> manager.peers(find(body))));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_FILES),
        m -> BusReplies.answer(m, body -> manager.files(find(body))));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_PAUSE_ALL), m -> BusReplies.answer(m, body -> manager.pauseAll()));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_RESUME_ALL), m -> BusReplies.answer(m, body -> manager.resumeAll()));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_FORGET),
        m ->
            BusReplies.answer(
                m,
                body -> {
                  Download d = find(body);
                  return manager
                      .forget(d)
                      .map(v -> new JsonObject().put("id", d.id).put("forgotten", true));
                }));
    bus.<JsonObject>consumer(
        at(Addresses.DOWNLOADS_PURGE),
        m ->
            BusReplies.answer(
                m,
                body ->
                    Future.succeededFuture(
                        new JsonObject().put("forgotten", manager.forgetEnded(Long.MAX_VALUE)))));
    bus.<JsonObject>consumer(
        at(Addresses.BATCHES_ADD),
        m ->
            BusReplies.answer(
                m,
                body ->
                    followingBatch(body)
                        .compose(b -> validated(b, validator::batch))
                        .compose(manager::addBatch)));
    bus.<JsonObject>consumer(
        at(Addresses.BATCHES_GET),
        m ->
            BusReplies.answer(
                m,
                body -> Future.succeededFuture(manager.batches().stats(CommandRequests.id(body)))));
    bus.<JsonObject>localConsumer(
        Addresses.CONFIG_CHANGED, m -> reconfigure(AppConfig.from(m.body())));
    bus.<JsonObject>localConsumer(Addresses.DOWNLOADS_HEALTH, m -> m.reply(registryHealth()));
  }

  /** An add whose one URI is a {@code .torrent} URL, with the torrent fetched in its place. */
  private Future<JsonObject> following(JsonObject body) {
    String url = FollowedUrls.torrentUrl(body);
    return url == null ? Future.succeededFuture(body) : fetcher.withTorrent(body, url);
  }

  /** A batch with its {@code metalinkUri} fetched, and the {@code .torrent} URLs of its items. */
  private Future<JsonObject> followingBatch(JsonObject body) {
    if (body.containsKey("metalinkUri")) {
      for (String name : body.fieldNames()) {
        if (!name.equals("metalinkUri") && !name.equals("dir")) {
          throw new ValidationException(name, "is not a known field with metalinkUri (dir)");
        }
      }
      Object url = body.getValue("metalinkUri");
      if (!(url instanceof String s) || !FollowedUrls.isHttp(s)) {
        throw new ValidationException("metalinkUri", "must be an http or https URL");
      }
      return fetcher.metalinkBatch(s, body.getValue("dir"), "metalinkUri");
    }
    if (!(body.getValue("items") instanceof io.vertx.core.json.JsonArray items)) {
      return Future.succeededFuture(body);
    }
    java.util.List<Future<Object>> each = new java.util.ArrayList<>();
    for (Object item : items) {
      each.add(
          item instanceof JsonObject o
              ? following(o).map(x -> (Object) x)
              : Future.succeededFuture(item));
    }
    return Future.all(each)
        .map(all -> body.copy().put("items", new io.vertx.core.json.JsonArray(all.list())));
  }

  /** The download named by {@code id}, or by {@code gid} (any it had, as aria2 clients know it). */
  private Download find(JsonObject body) {
    if (!body.containsKey("id") && body.getValue("gid") instanceof String gid) {
      return manager.findByGid(gid);
    }
    return manager.find(CommandRequests.id(body));
  }

  /**
   * Validation stats the file system to follow symbolic links of a {@code dir}, so a request that
   * names one is validated on a worker; any other is checked right here.
   */
  private <T> Future<T> validated(JsonObject body, Function<JsonObject, T> check) {
    if (!RequestValidator.readsFileSystem(body)) {
      try {
        return Future.succeededFuture(check.apply(body));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return vertx.executeBlocking(() -> check.apply(body), false);
  }

  /** {@code {registry: "open"|"unwritable", writable, problem?, dataDir, downloads}}. */
  private JsonObject registryHealth() {
    RegistryFault f = store.fault();
    return new JsonObject()
        .put("registry", f == null ? "open" : "unwritable")
        .put("writable", f == null)
        .put("problem", f == null ? null : f.getMessage())
        .put("dataDir", config.aria2().dataDir().toString())
        .put("downloads", manager.all().size());
  }

  /** The registry became unwritable (or its cause changed), or can write again (null). */
  private void registryCondition(RegistryFault f) {
    metrics.registryWritable(f == null);
    events.storage("registry", f == null ? null : f.getMessage(), config.aria2().dataDir());
  }
}
