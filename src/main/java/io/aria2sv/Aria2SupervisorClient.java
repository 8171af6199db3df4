package io.aria2sv;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * A typed client of aria2-supervisor's event bus for host applications. Every method sends one
 * request (see {@link Addresses} for the JSON); failures arrive as {@link Failure} carrying the
 * documented {@link ErrorCode}.
 *
 * <pre>{@code
 * Aria2Supervisor.deploy(vertx, new JsonObject().put("aria2", new JsonObject().put("dataDir", "/var/lib/app")), false)
 *     .compose(s -> {
 *       Aria2SupervisorClient client = new Aria2SupervisorClient(vertx);
 *       client.onDownload(e -> System.out.println(e.getString("type")));
 *       return client.add(List.of("https://example.org/file.iso"), "file.iso", null);
 *     });
 * }</pre>
 */
public final class Aria2SupervisorClient {
  private final Vertx vertx;
  private final DeliveryOptions options;

  /** A failed request: the error code and aria2-supervisor's message. */
  public static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ErrorCode code;

    Failure(ErrorCode code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    /** The documented error code. */
    public ErrorCode code() {
      return code;
    }
  }

  /** A client whose requests time out after 60 seconds (adds may wait for an aria2c restart). */
  public Aria2SupervisorClient(Vertx vertx) {
    this(vertx, Duration.ofSeconds(60));
  }

  public Aria2SupervisorClient(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
  }

  // ---- downloads ----

  /** Adds a download; {@code out} and {@code dir} may be null. Replies with the download. */
  public Future<JsonObject> add(List<String> uris, String out, String dir) {
    JsonObject body = new JsonObject().put("uris", new JsonArray(uris));
    if (out != null) {
      body.put("out", out);
    }
    if (dir != null) {
      body.put("dir", dir);
    }
    return add(body);
  }

  /** Adds a download from a full request {@code {uris, dir?, out?, options?, requestId?}}. */
  public Future<JsonObject> add(JsonObject request) {
    return request(Addresses.DOWNLOADS_ADD, request);
  }

  public Future<JsonObject> get(String id) {
    return request(Addresses.DOWNLOADS_GET, new JsonObject().put("id", id));
  }

  /**
   * The first 1,000 downloads, oldest first, or of those with {@code status} when it is not null.
   * Replies {@code {downloads:[…], total, offset, limit}}; {@code total} counts every match.
   */
  public Future<JsonObject> list(String status) {
    return list(new JsonObject().put("status", status));
  }

  /**
   * A page of downloads: {@code query} as {@link Addresses#DOWNLOADS_LIST} takes it ({@code status,
   * batchId, order, offset, limit}).
   */
  public Future<JsonObject> list(JsonObject query) {
    return request(Addresses.DOWNLOADS_LIST, query);
  }

  public Future<JsonObject> pause(String id) {
    return request(Addresses.DOWNLOADS_PAUSE, new JsonObject().put("id", id));
  }

  public Future<JsonObject> resume(String id) {
    return request(Addresses.DOWNLOADS_RESUME, new JsonObject().put("id", id));
  }

  public Future<JsonObject> retry(String id) {
    return request(Addresses.DOWNLOADS_RETRY, new JsonObject().put("id", id));
  }

  /** Removes a download; with {@code deleteFiles} also its file (only inside the download root). */
  public Future<JsonObject> remove(String id, boolean deleteFiles) {
    return request(
        Addresses.DOWNLOADS_REMOVE, new JsonObject().put("id", id).put("deleteFiles", deleteFiles));
  }

  /**
   * Changes per-download aria2 options ({@link Addresses#DOWNLOADS_CHANGE}). Replies with the
   * download, its {@code options} showing what is in force.
   */
  public Future<JsonObject> changeOptions(String id, JsonObject options) {
    return request(
        Addresses.DOWNLOADS_CHANGE, new JsonObject().put("id", id).put("options", options));
  }

  /**
   * Moves a waiting or paused download in aria2's queue, as aria2's {@code changePosition}: {@code
   * how} is POS_SET, POS_CUR or POS_END. Replies {@code {id, position}}.
   */
  public Future<JsonObject> changePosition(String id, int pos, String how) {
    return request(
        Addresses.DOWNLOADS_POSITION,
        new JsonObject().put("id", id).put("pos", pos).put("how", how));
  }

  /** Ends the seeding of a torrent: it ends complete. Replies with the download. */
  public Future<JsonObject> stopSeeding(String id) {
    return request(Addresses.DOWNLOADS_STOP_SEEDING, new JsonObject().put("id", id));
  }

  /** The peers of a running torrent ({@link Addresses#DOWNLOADS_PEERS}). */
  public Future<JsonObject> peers(String id) {
    return request(Addresses.DOWNLOADS_PEERS, new JsonObject().put("id", id));
  }

  /** The files of a download with paths and URIs ({@link Addresses#DOWNLOADS_FILES}). */
  public Future<JsonObject> files(String id) {
    return request(Addresses.DOWNLOADS_FILES, new JsonObject().put("id", id));
  }

  /**
   * Pauses every waiting, active, seeding and retrying download. Replies {@code {done, unchanged,
   * skipped, failed:[{id, message}]}}: unchanged were paused already, skipped ended meanwhile.
   */
  public Future<JsonObject> pauseAll() {
    return request(Addresses.DOWNLOADS_PAUSE_ALL, new JsonObject());
  }

  /**
   * One action ({@code pause}, {@code resume}, {@code retry}, {@code remove}) on many downloads:
   * {@code request} is {@code {action, ids?, status?, batchId?, name?, deleteFiles?}}. Replies
   * {@code {action, matched, done, unchanged, skipped, failed, downloads:[{id, outcome, status,
   * message?}]}}.
   */
  public Future<JsonObject> bulk(JsonObject request) {
    return request(Addresses.DOWNLOADS_BULK, request);
  }

  /** Resumes every paused download. Replies as {@link #pauseAll()}. */
  public Future<JsonObject> resumeAll() {
    return request(Addresses.DOWNLOADS_RESUME_ALL, new JsonObject());
  }

  /** Forgets every ended download now (files stay). Replies {@code {forgotten}}. */
  public Future<JsonObject> purgeEnded() {
    return request(Addresses.DOWNLOADS_PURGE, new JsonObject());
  }

  /** Adds a batch; {@code items} are download requests. Replies {@code {id, downloads:[ids]}}. */
  public Future<JsonObject> addBatch(List<JsonObject> items, String dir) {
    JsonObject body = new JsonObject().put("items", new JsonArray(items));
    if (dir != null) {
      body.put("dir", dir);
    }
    return request(Addresses.BATCHES_ADD, body);
  }

  public Future<JsonObject> batch(String id) {
    return request(Addresses.BATCHES_GET, new JsonObject().put("id", id));
  }

  // ---- supervisor ----

  public Future<JsonObject> status() {
    return request(Addresses.SUPERVISOR_STATUS, new JsonObject());
  }

  public Future<JsonObject> details() {
    return request(Addresses.SUPERVISOR_DETAILS, new JsonObject());
  }

  public Future<JsonObject> start() {
    return request(Addresses.SUPERVISOR_START, new JsonObject());
  }

  public Future<JsonObject> stop() {
    return request(Addresses.SUPERVISOR_STOP, new JsonObject());
  }

  public Future<JsonObject> restart() {
    return request(Addresses.SUPERVISOR_RESTART, new JsonObject());
  }

  // ---- categories and completion ----

  /** The categories: {@code {categories:{name:{name, dir, options, moveTo}}, source}}. */
  public Future<JsonObject> categories() {
    return request(Addresses.CATEGORIES_GET, new JsonObject());
  }

  /**
   * Adds or replaces category {@code name} ({@code {dir?, options?, moveTo?}}); kept across
   * restarts. Replies as {@link #categories()}; fails BAD_REQUEST naming the field.
   */
  public Future<JsonObject> putCategory(String name, JsonObject category) {
    return request(
        Addresses.CATEGORIES_PUT, new JsonObject().put("name", name).put("category", category));
  }

  /** Removes category {@code name}; fails NOT_FOUND. */
  public Future<JsonObject> deleteCategory(String name) {
    return request(Addresses.CATEGORIES_DELETE, new JsonObject().put("name", name));
  }

  /** Runs download {@code id}'s failed completion step (its move) again. */
  public Future<JsonObject> retryCompletion(String id) {
    return request(Addresses.DOWNLOADS_COMPLETION_RETRY, new JsonObject().put("id", id));
  }

  // ---- schedule and tracker lists ----

  /**
   * The schedule: {@code {timeZone, rules:[…], source, now, inForce:[names], options, pausing,
   * pausedDownloads, nextChange}}.
   */
  public Future<JsonObject> schedules() {
    return request(Addresses.SCHEDULES_GET, new JsonObject());
  }

  /**
   * Replaces the schedule's rules ({@code {rules:[{name, days, from, to, options, pause}],
   * timeZone?}}); kept across restarts, applied at once. Replies as {@link #schedules()}; fails
   * BAD_REQUEST naming the field.
   */
  public Future<JsonObject> replaceSchedules(JsonObject schedule) {
    return request(Addresses.SCHEDULES_PUT, schedule);
  }

  /** Forgets the rules set at run time; those of the configuration hold again. */
  public Future<JsonObject> restoreConfiguredSchedules() {
    return request(Addresses.SCHEDULES_DELETE, new JsonObject());
  }

  /**
   * The tracker lists: {@code {lists:[{url, ok, trackers, fetchedAt, error, failedAt}], count,
   * trackers:[…], interval, nextFetch}}.
   */
  public Future<JsonObject> trackers() {
    return request(Addresses.TRACKERS_STATUS, new JsonObject());
  }

  /** Fetches every tracker list now. Replies as {@link #trackers()}. */
  public Future<JsonObject> refreshTrackers() {
    return request(Addresses.TRACKERS_REFRESH, new JsonObject());
  }

  // ---- events ----

  public MessageConsumer<JsonObject> onSupervisor(Handler<JsonObject> handler) {
    return subscribe(Addresses.EVENTS_SUPERVISOR, handler);
  }

  public MessageConsumer<JsonObject> onDownload(Handler<JsonObject> handler) {
    return subscribe(Addresses.EVENTS_DOWNLOAD, handler);
  }

  public MessageConsumer<JsonObject> onProgress(Handler<JsonObject> handler) {
    return subscribe(Addresses.EVENTS_PROGRESS, handler);
  }

  public MessageConsumer<JsonObject> onBatch(Handler<JsonObject> handler) {
    return subscribe(Addresses.EVENTS_BATCH, handler);
  }

  private MessageConsumer<JsonObject> subscribe(String address, Handler<JsonObject> handler) {
    return vertx.eventBus().<JsonObject>consumer(address, m -> handler.handle(m.body()));
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return vertx
        .eventBus()
        .<JsonObject>request(address, body, options)
        .map(m -> m.body())
        .recover(err -> Future.failedFuture(failure(err)));
  }

  private static Failure failure(Throwable err) {
    if (err instanceof ReplyException re) {
      return switch (re.failureType()) {
        case NO_HANDLERS -> new Failure(ErrorCode.NOT_RUNNING, "aria2-supervisor is not deployed");
        case TIMEOUT -> new Failure(ErrorCode.TIMEOUT, "no answer in time");
        default -> new Failure(ErrorCode.of(re.failureCode()), re.getMessage());
      };
    }
    return new Failure(ErrorCode.INTERNAL, String.valueOf(err.getMessage()));
  }
}
