package io.aria2sv.downloads;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ClusterMaps;
import io.aria2sv.config.AppConfig;
import io.aria2sv.downloads.completion.WebhookDispatcher;
import io.aria2sv.downloads.completion.Webhooks;
import io.aria2sv.downloads.engine.DownloadEvents;
import io.aria2sv.downloads.engine.DownloadManager;
import io.aria2sv.downloads.engine.EndedForgetter;
import io.aria2sv.downloads.engine.ProgressTicker;
import io.aria2sv.downloads.registry.ColdRows;
import io.aria2sv.downloads.registry.QueueRows;
import io.aria2sv.downloads.registry.RegistryFault;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.request.Categories;
import io.aria2sv.downloads.request.Intake;
import io.aria2sv.downloads.request.RequestValidator;
import io.aria2sv.downloads.request.ValidationException;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2Client;
import io.aria2sv.rpc.Aria2Notifications;
import io.aria2sv.rpc.SupervisorFollower;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downloads service on the event bus ({@code aria2.downloads.*}, see {@link Addresses}): opens
 * the registry and builds the engine ({@link DownloadManager}) from it, answers the bus through
 * {@link DownloadConsumers}, follows aria2c across restarts ({@link SupervisorFollower}, WebSocket
 * notifications, reconcile), and runs the {@link ProgressTicker} and the {@link EndedForgetter}.
 */
public final class DownloadsVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DownloadsVerticle.class);

  /** How often aria2c's {@code max-concurrent-downloads} is read for the window. */
  private static final long OPTION_POLL_MS = 1000;

  private long optionTimer = -1;
  private final Promise<Void> firstReconcile = Promise.promise();

  /** The longest a stop waits for the notification socket's clean close. */
  private static final long DISCONNECT_GRACE_MILLIS = 500;

  /** This node's part in a cluster; null when not clustered (or not started yet). */
  private ClusterRole role;

  private final Metrics metrics;
  private final ClusterRole.Factory clustering;
  private AppConfig config;
  private WebClient web;
  private RegistryStore store;
  private Aria2Client aria2;
  private SupervisorFollower follower;
  private Aria2Notifications notifications;
  private DownloadManager manager;
  private Intake intake;
  private RequestValidator validator;
  private Webhooks webhooks = Webhooks.none();
  private WebhookDispatcher dispatcher;
  private DownloadEvents events;
  private ProgressTicker ticker;
  private EndedForgetter forgetter;

  /** A verticle with meters of its own. */
  public DownloadsVerticle() {
    this(Metrics.standalone());
  }

  /** A verticle that counts in {@code metrics}. */
  public DownloadsVerticle(Metrics metrics) {
    this(metrics, null);
  }

  /**
   * A verticle that counts in {@code metrics} and, on a clustered Vert.x with {@code
   * cluster.enabled}, takes the role {@code clustering} makes (null: never clustered).
   */
  public DownloadsVerticle(Metrics metrics, ClusterRole.Factory clustering) {
    this.metrics = metrics;
    this.clustering = clustering;
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
    boolean clustered = clustering != null && config.cluster().enabled() && vertx.isClustered();
    String node = config.cluster().nodeName();
    events = new DownloadEvents(vertx.eventBus(), node);
    return vertx
        .executeBlocking(
            () -> {
              config.aria2().createDirectories();
              return TorrentStore.open(config.aria2().dataDir());
            },
            false)
        .compose(
            torrents -> {
              validator = new RequestValidator(config.aria2().downloadDir(), torrents);
              intake = new Intake(vertx, validator);
              return RegistryStore.open(vertx, config.aria2().dataDir())
                  .compose(
                      s -> {
                        store = s;
                        store.onCondition(this::registryCondition);
                        role =
                            clustered
                                ? clustering.create(vertx, store, torrents, config, metrics)
                                : null;
                        return load(torrents).compose(v -> join(node));
                      });
            })
        .compose(v -> vertx.executeBlocking(this::loadCategories, false))
        .compose(
            v -> {
              dispatcher =
                  new WebhookDispatcher(
                      vertx,
                      store,
                      config.aria2().dataDir(),
                      webhooks,
                      config.completion().webhookRetries());
              manager.webhooks(webhooks, dispatcher::kick);
              return dispatcher.start();
            })
        .compose(
            v -> {
              new WebhookConsumers(vertx, dispatcher).register();
              manager.finishIn(
                  config.completion().finishedRoot(),
                  config.completion().command(),
                  config.completion().commandTimeout());
              notifications =
                  new Aria2Notifications(vertx, manager::onNotification, this::reconcile);
              aria2.onEndpoint(rpc -> notifications.follow(rpc.endpoint()));
              new DownloadConsumers(
                      vertx.eventBus(),
                      manager,
                      intake,
                      a -> clustered ? ClusterMaps.onNode(node, a) : a)
                  .register();
              registerLocalConsumers();
              new CategoryConsumers(vertx, validator).register();
              ticker = new ProgressTicker(vertx, aria2, manager, events, metrics);
              ticker.every(config.downloads().progressInterval());
              optionTimer =
                  vertx.setPeriodic(
                      OPTION_POLL_MS,
                      id ->
                          readMaxConcurrent()
                              .onFailure(err -> {})
                              .onComplete(ar -> manager.fill()));
              forgetter = new EndedForgetter(vertx, manager);
              forgetter.keep(config.downloads().keepEnded());
              // started once aria2c and the registry were brought together and the window is open
              // (aria2c runs when this verticle is deployed), or after the RPC time limit
              long limit = config.rpc().timeout().toMillis();
              return follower
                  .start(config.rpc().timeout())
                  .compose(
                      started ->
                          firstReconcile
                              .future()
                              .timeout(limit, TimeUnit.MILLISECONDS)
                              .otherwise(
                                  err -> {
                                    LOG.warn(
                                        "aria2c not reconciled within {} ms of start: adds queue until it is",
                                        limit);
                                    return null;
                                  }));
            });
  }

  /**
   * The finished root (made when missing) and the categories; a bad one stops start-up naming its
   * key. Blocking.
   */
  private Void loadCategories() throws Exception {
    AppConfig.Completion c = config.completion();
    if (c.finishedRoot() != null) {
      try {
        java.nio.file.Files.createDirectories(c.finishedRoot());
      } catch (java.io.IOException e) {
        throw new io.aria2sv.config.ConfigException(
            "completion.finishedRoot", "cannot create " + c.finishedRoot() + ": " + e);
      }
    }
    try {
      Categories categories =
          Categories.load(
              config.aria2().downloadDir(),
              c.finishedRoot(),
              config.aria2().dataDir(),
              c.categories());
      String moveTo =
          c.moveTo() == null ? null : categories.moveTo(c.moveTo(), "completion.moveTo");
      validator.completion(categories, moveTo);
      webhooks = Webhooks.parse(c.webhooks());
    } catch (ValidationException e) {
      throw new io.aria2sv.config.ConfigException(e.field(), e.problem());
    }
    return null;
  }

  /** Builds the engine from what the registry holds (less what other nodes took over). */
  private Future<Void> load(TorrentStore torrents) {
    // ended downloads nothing runs for any more stay in the registry: a long history is not read;
    // what other nodes took over goes first, so that the counts of the cold ones leave it out
    return store
        .coolSettled()
        .compose(cooled -> store.loadWarm())
        .compose(warm -> role == null ? Future.succeededFuture(warm) : role.withoutHandedOver(warm))
        .compose(
            kept ->
                Future.all(
                        store.loadBatches(),
                        vertx.executeBlocking(() -> DownloadManager.restore(kept), false),
                        store.loadWarmRetries(),
                        store.read(ColdRows::tallies),
                        store.read(ColdRows::maxSeq),
                        store.read(QueueRows::queueBounds))
                    .map(
                        loaded -> {
                          List<io.aria2sv.downloads.engine.Download> restored = loaded.resultAt(1);
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
                          manager.load(
                              restored,
                              loaded.resultAt(2),
                              loaded.resultAt(0),
                              loaded.resultAt(3),
                              loaded.<Long>resultAt(4),
                              loaded.<Long[]>resultAt(5));
                          LOG.info(
                              "registry {} opened: {} downloads ({} of them in the registry"
                                  + " only)",
                              store.file(),
                              manager.size(),
                              manager.size() - restored.size());
                          return null;
                        }));
  }

  private Future<Void> join(String node) {
    return role == null
        ? Future.succeededFuture()
        : role.join(manager, events, ClusterMaps.onNode(node, ClusterMaps.ADOPT));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(optionTimer);
    if (ticker != null) {
      ticker.stop();
    }
    if (forgetter != null) {
      forgetter.stop();
    }
    if (dispatcher != null) {
      dispatcher.stop();
    }
    if (manager != null) {
      manager.stop();
    }
    // A graceful leave hands over what the cluster's catalog knows: its backlog is written first.
    Future<Void> left =
        role == null ? Future.succeededFuture() : role.leave(config.rpc().timeout());
    // Undeploy closes the clients this verticle created once stop completes: a clean disconnect
    // first, but never held up for long by an aria2c that does not answer.
    Future<Void> disconnected =
        notifications == null
            ? Future.succeededFuture()
            : notifications.close().timeout(DISCONNECT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    disconnected = Future.join(disconnected, left).mapEmpty();
    follower.stop();
    web.close();
    if (intake != null) {
      intake.close();
    }
    Future<Void> stored = store == null ? Future.succeededFuture() : store.close().mapEmpty();
    return disconnected.transform(ar -> stored);
  }

  private void registerLocalConsumers() {
    EventBus bus = vertx.eventBus();
    bus.<JsonObject>localConsumer(
        Addresses.CONFIG_CHANGED, m -> reconfigure(AppConfig.from(m.body())));
    bus.<JsonObject>localConsumer(Addresses.DOWNLOADS_HEALTH, m -> m.reply(registryHealth()));
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
        .compose(v -> readMaxConcurrent().otherwiseEmpty())
        .onSuccess(
            v -> {
              manager.openWindow();
              firstReconcile.tryComplete();
            })
        .onFailure(err -> LOG.warn("reconcile with aria2 failed: {}", err.getMessage()));
  }

  /**
   * Reads aria2c's {@code max-concurrent-downloads} for the window (after every reconcile and every
   * second, so a change by the schedule, the options API or a client resizes it).
   */
  private Future<Void> readMaxConcurrent() {
    if (!aria2.running()) {
      return Future.succeededFuture();
    }
    return aria2
        .callObject(Aria2Call.getGlobalOption())
        .map(
            o -> {
              try {
                manager.maxConcurrent(
                    Integer.parseInt(o.getString("max-concurrent-downloads", "5")));
              } catch (NumberFormatException e) {
                LOG.debug("aria2c's max-concurrent-downloads is not a number: {}", e.getMessage());
              }
              return null;
            });
  }

  /** {@code {registry: "open"|"unwritable", writable, problem?, dataDir, downloads}}. */
  private JsonObject registryHealth() {
    RegistryFault f = store.fault();
    return new JsonObject()
        .put("registry", f == null ? "open" : "unwritable")
        .put("writable", f == null)
        .put("problem", f == null ? null : f.getMessage())
        .put("dataDir", config.aria2().dataDir().toString())
        .put("downloads", manager.size())
        .put("inRegistryOnly", manager.coldSize());
  }

  /** The registry became unwritable (or its cause changed), or can write again (null). */
  private void registryCondition(RegistryFault f) {
    metrics.registryWritable(f == null);
    events.storage("registry", f == null ? null : f.getMessage(), config.aria2().dataDir());
  }
}
