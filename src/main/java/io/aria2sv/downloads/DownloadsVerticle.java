package io.aria2sv.downloads;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.Durations;
import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2Client;
import io.aria2sv.rpc.Aria2Notifications;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downloads side of the event bus ({@code aria2.downloads.*}, see {@link Addresses}): validates
 * requests, hands them to {@link DownloadManager}, follows aria2c across restarts (WebSocket
 * notifications, reconcile), and runs the one progress ticker, which asks aria2 only while a
 * download is active.
 */
public final class DownloadsVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DownloadsVerticle.class);
  static final int MAX_BATCH = 10_000;
  /** Most downloads in one list reply, and how many a list without a limit gets. */
  public static final int MAX_PAGE = 1000;
  private static final List<JsonObject> PROGRESS_CALLS = List.of(
      new JsonObject().put("methodName", "aria2.tellActive")
          .put("params", new JsonArray().add(new JsonArray().add("gid").add("status").add("completedLength").add("totalLength").add("downloadSpeed"))),
      new JsonObject().put("methodName", "aria2.getGlobalStat"));

  /** The longest a stop waits for the notification socket's clean close. */
  private static final long DISCONNECT_GRACE_MILLIS = 500;

  private AppConfig config;
  private WebClient web;
  private RegistryStore store;
  private Aria2Client aria2;
  private Aria2Notifications notifications;
  private DownloadManager manager;
  private RequestValidator validator;
  private DownloadEvents events;
  private long ticker = -1;
  private long forgetter = -1;
  private boolean tickInFlight;
  private JsonObject lastGlobal = new JsonObject();

  /** A deployment of this verticle with the effective configuration. */
  public static DeploymentOptions options(JsonObject config) {
    return new DeploymentOptions().setConfig(config);
  }

  @Override
  public Future<?> start() throws Exception {
    config = AppConfig.from(config());
    Path root = config.aria2().downloadDir();
    validator = new RequestValidator(root);
    web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(1000).setMetricsName("aria2-rpc-downloads"));
    aria2 = new Aria2Client(vertx, context, web, config.rpc());
    events = new DownloadEvents(vertx.eventBus());
    return vertx.executeBlocking(() -> {
      config.aria2().createDirectories();
      return null;
    }, false)
        .compose(v -> RegistryStore.open(vertx, config.aria2().dataDir()))
        .compose(s -> {
          store = s;
          store.onCondition(this::registryCondition);
          return store.loadBatches().compose(batches -> store.loadAll().map(all -> {
            manager = new DownloadManager(vertx, aria2, store, config.downloads(), events, root);
            manager.load(all, batches);
            LOG.info("registry {} opened: {} downloads", config.aria2().dataDir().resolve(Registry.FILE), all.size());
            return null;
          }));
        })
        .compose(v -> {
          notifications = new Aria2Notifications(vertx, manager::onNotification, this::reconcile);
          aria2.onEndpoint(rpc -> notifications.follow(rpc.endpoint()));
          registerConsumers();
          ticker = vertx.setPeriodic(config.downloads().progressInterval().toMillis(), id -> tick());
          scheduleForgetting(config.downloads().keepEnded());
          return aria2.start();
        });
  }

  @Override
  public Future<?> stop() {
    if (ticker >= 0) {
      vertx.cancelTimer(ticker);
    }
    if (forgetter >= 0) {
      vertx.cancelTimer(forgetter);
    }
    if (manager != null) {
      manager.stop();
    }
    // Undeploy closes the clients this verticle created once stop completes: a clean disconnect
    // first, but never held up for long by an aria2c that does not answer.
    Future<Void> disconnected = notifications == null ? Future.succeededFuture()
        : notifications.close().timeout(DISCONNECT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    aria2.stop();
    web.close();
    Future<Void> stored = store == null ? Future.succeededFuture() : store.close().mapEmpty();
    return disconnected.transform(ar -> stored);
  }

  /** Re-add and progress settings apply at once; the RPC client keeps its settings until restart. */
  private void reconfigure(AppConfig next) {
    manager.reconfigure(next.downloads());
    if (!next.downloads().progressInterval().equals(config.downloads().progressInterval())) {
      vertx.cancelTimer(ticker);
      ticker = vertx.setPeriodic(next.downloads().progressInterval().toMillis(), id -> tick());
    }
    if (!next.downloads().keepEnded().equals(config.downloads().keepEnded())) {
      scheduleForgetting(next.downloads().keepEnded());
    }
    config = next;
  }

  /**
   * With {@code keepEnded} set, looks for downloads that ended longer ago than that four times per
   * {@code keepEnded} (at least every second, at most every hour) and forgets them.
   */
  private void scheduleForgetting(Duration keepEnded) {
    if (forgetter >= 0) {
      vertx.cancelTimer(forgetter);
      forgetter = -1;
    }
    if (keepEnded.isZero()) {
      return;
    }
    long every = Math.max(1000, Math.min(3_600_000, keepEnded.toMillis() / 4));
    forgetter = vertx.setPeriodic(every, id -> {
      int n = manager.forgetEnded(System.currentTimeMillis() - keepEnded.toMillis());
      if (n > 0) {
        LOG.info("forgot {} downloads that ended more than {} ago (downloads.keepEnded)", n, Durations.format(keepEnded));
      }
    });
  }

  private void reconcile() {
    manager.reconcile().onFailure(err -> LOG.warn("reconcile with aria2 failed: {}", err.getMessage()));
  }

  private void registerConsumers() {
    EventBus bus = vertx.eventBus();
    bus.<JsonObject>consumer(Addresses.DOWNLOADS_ADD, m -> answer(m, body ->
        validated(body, b -> validator.validate(b, "", "")).compose(manager::add).map(manager::json)));
    bus.<JsonObject>consumer(Addresses.DOWNLOADS_GET, m -> answer(m, body -> Future.succeededFuture(manager.json(manager.find(id(body))))));
    bus.<JsonObject>consumer(Addresses.DOWNLOADS_LIST, m -> answer(m, this::list));
    bus.<JsonObject>consumer(Addresses.DOWNLOADS_PAUSE, m -> answer(m, body -> manager.pause(manager.find(id(body))).map(manager::json)));
    bus.<JsonObject>consumer(Addresses.DOWNLOADS_RESUME, m -> answer(m, body -> manager.resume(manager.find(id(body))).map(manager::json)));
    bus.<JsonObject>consumer(Addresses.DOWNLOADS_RETRY, m -> answer(m, body -> manager.retry(manager.find(id(body))).map(manager::json)));
    bus.<JsonObject>consumer(Addresses.DOWNLOADS_REMOVE, m -> answer(m, body ->
        manager.remove(manager.find(id(body)), Boolean.TRUE.equals(body.getValue("deleteFiles"))).map(manager::json)));
    bus.<JsonObject>consumer(Addresses.BATCHES_ADD, m -> answer(m, body -> validated(body, this::validateBatch).compose(manager::addBatch)));
    bus.<JsonObject>localConsumer(Addresses.CONFIG_CHANGED, m -> reconfigure(AppConfig.from(m.body())));
    bus.<JsonObject>localConsumer(Addresses.DOWNLOADS_HEALTH, m -> m.reply(registryHealth()));
    bus.<JsonObject>consumer(Addresses.BATCHES_GET, m -> answer(m, body -> Future.succeededFuture(manager.batches.stats(id(body)))));
  }

  /**
   * One page of the downloads that match the filters, oldest first (or newest first), with the
   * number that match in all: the registry keeps every download, so a list without a limit would
   * grow without end, and building it would hold up this event loop.
   */
  private Future<JsonObject> list(JsonObject body) {
    String status = body.getString("status");
    if (status != null && DownloadStatus.of(status) == null) {
      throw new ValidationException("status", "must be one of waiting, active, paused, retrying, complete, failed, removed");
    }
    String batchId = body.getString("batchId");
    int offset = wholeNumber(body, "offset", 0, Integer.MAX_VALUE, 0);
    int limit = wholeNumber(body, "limit", 1, MAX_PAGE, MAX_PAGE);
    Object order = body.getValue("order", "oldest");
    if (!"oldest".equals(order) && !"newest".equals(order)) {
      throw new ValidationException("order", "must be oldest or newest");
    }
    List<Download> all = new ArrayList<>(manager.all());
    if ("newest".equals(order)) {
      Collections.reverse(all);
    }
    JsonArray page = new JsonArray();
    int total = 0;
    for (Download d : all) {
      if ((status == null || d.status.wire().equals(status)) && (batchId == null || batchId.equals(d.batchId))) {
        if (total >= offset && page.size() < limit) {
          page.add(manager.json(d));
        }
        total++;
      }
    }
    return Future.succeededFuture(new JsonObject().put("downloads", page).put("total", total).put("offset", offset).put("limit", limit));
  }

  private static int wholeNumber(JsonObject body, String name, int min, int max, int fallback) {
    Object v = body.getValue(name);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Integer i) || i < min || i > max) {
      throw new ValidationException(name, "must be a whole number from " + min + (max == Integer.MAX_VALUE ? " up" : " to " + max));
    }
    return i;
  }

  private List<DownloadRequest> validateBatch(JsonObject body) {
    for (String name : body.fieldNames()) {
      if (!name.equals("items") && !name.equals("dir")) {
        throw new ValidationException(name, "is not a known field (items, dir)");
      }
    }
    if (!(body.getValue("items") instanceof JsonArray items) || items.isEmpty() || items.size() > MAX_BATCH) {
      throw new ValidationException("items", "must be an array of 1 to " + MAX_BATCH + " downloads");
    }
    String dir = body.getValue("dir") == null ? "" : validator.dir(textField(body, "dir"), "dir");
    List<DownloadRequest> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      Object item = items.getValue(i);
      if (!(item instanceof JsonObject o)) {
        throw new ValidationException("items[" + i + "]", "must be an object");
      }
      out.add(validator.validate(o, "items[" + i + "].", dir));
    }
    return out;
  }

  private static String textField(JsonObject body, String name) {
    if (!(body.getValue(name) instanceof String s)) {
      throw new ValidationException(name, "must be a string");
    }
    return s;
  }

  private static String id(JsonObject body) {
    if (!(body.getValue("id") instanceof String s) || s.isEmpty()) {
      throw new ValidationException("id", "must be a non-empty string");
    }
    return s;
  }

  /**
   * Validation stats the file system to follow symbolic links of a {@code dir}, so a request that
   * names one is validated on a worker; any other is checked right here.
   */
  private <T> Future<T> validated(JsonObject body, Function<JsonObject, T> check) {
    if (!mentionsDir(body)) {
      try {
        return Future.succeededFuture(check.apply(body));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return vertx.executeBlocking(() -> check.apply(body), false);
  }

  private static boolean mentionsDir(JsonObject body) {
    if (body.containsKey("dir")) {
      return true;
    }
    if (body.getValue("items") instanceof JsonArray items) {
      for (Object o : items) {
        if (o instanceof JsonObject item && item.containsKey("dir")) {
          return true;
        }
      }
    }
    return false;
  }

  private void answer(Message<JsonObject> m, Function<JsonObject, Future<JsonObject>> handler) {
    Future<JsonObject> result;
    try {
      result = handler.apply(m.body() == null ? new JsonObject() : m.body());
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    BusReplies.reply(m, result.recover(err -> Future.failedFuture(failure(err))));
  }

  /** {@code {registry: "open"|"unwritable", writable, problem?, dataDir, downloads}}. */
  private JsonObject registryHealth() {
    RegistryFault f = store.fault();
    return new JsonObject().put("registry", f == null ? "open" : "unwritable").put("writable", f == null)
        .put("problem", f == null ? null : f.getMessage()).put("dataDir", config.aria2().dataDir().toString())
        .put("downloads", manager.all().size());
  }

  /** The registry became unwritable (or its cause changed), or can write again (null). */
  private void registryCondition(RegistryFault f) {
    Metrics.registryWritable(f == null);
    events.storage("registry", f == null ? null : f.getMessage(), config.aria2().dataDir());
  }

  /** Maps any failure to a bus failure with a code of {@link ErrorCode}. */
  static ReplyException failure(Throwable err) {
    if (err instanceof ReplyException re) {
      return re;
    }
    if (err instanceof ServiceException e) {
      return BusReplies.failure(e.code(), e.getMessage());
    }
    if (err instanceof ValidationException) {
      return BusReplies.failure(ErrorCode.BAD_REQUEST, err.getMessage());
    }
    if (err instanceof Aria2RpcException e) {
      return switch (e.kind()) {
        case ARIA2 -> BusReplies.failure(ErrorCode.ARIA2_ERROR, e.getMessage());
        case TIMEOUT -> BusReplies.failure(ErrorCode.TIMEOUT, e.getMessage());
        case TRANSPORT -> BusReplies.failure(ErrorCode.NOT_RUNNING, "aria2 is unreachable: " + e.getMessage());
      };
    }
    LOG.error("unexpected failure", err);
    return BusReplies.failure(ErrorCode.INTERNAL, "internal error");
  }

  // ---- progress ----------------------------------------------------------------------------------

  private void tick() {
    publishBatches();
    if (tickInFlight || !manager.anyActive() || aria2.current() == null) {
      return;
    }
    tickInFlight = true;
    aria2.current().multicall(PROGRESS_CALLS, config.rpc().timeout())
        .onSuccess(results -> {
          JsonArray changed = new JsonArray();
          if (results.get(0) instanceof JsonArray active) {
            for (Object o : active) {
              JsonObject st = (JsonObject) o;
              if (manager.progress(st)) {
                Download d = manager.byGid(st.getString("gid"));
                changed.add(d.progressJson());
                if (d.batchId != null) {
                  manager.batches.changed(d.batchId);
                }
              }
            }
          }
          JsonObject global = results.get(1) instanceof JsonObject g ? globalStat(g) : lastGlobal;
          Metrics.downloadSpeed(global.getLong("downloadSpeed", 0L));
          if (!changed.isEmpty() || !global.equals(lastGlobal)) {
            lastGlobal = global;
            events.progress(changed, global);
          }
          publishBatches();
        })
        .onComplete(ar -> tickInFlight = false);
  }

  private void publishBatches() {
    for (String id : manager.batches.drainChanged()) {
      JsonObject stats = manager.batches.stats(id);
      events.batch("progress", stats);
      if (manager.batches.announceDone(id)) {
        events.batch("done", stats);
      }
    }
  }

  private static JsonObject globalStat(JsonObject g) {
    JsonObject out = new JsonObject();
    for (String k : List.of("downloadSpeed", "uploadSpeed", "numActive", "numWaiting", "numStopped")) {
      try {
        out.put(k, Long.parseLong(g.getString(k, "0")));
      } catch (NumberFormatException e) {
        out.put(k, 0L);
      }
    }
    return out;
  }
}
