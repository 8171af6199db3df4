package io.aria2sv.schedule;

import io.aria2sv.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pausing rule does: when it starts, every waiting, active, seeding and retrying download is
 * paused (each download added while it holds too); when it ends, exactly those are resumed. The
 * downloads it paused are kept in {@code schedule-state.json}, so this holds across restarts. A
 * step that cannot be taken yet (the downloads service not up) is tried again at the next tick.
 * Used on the schedule's event loop.
 */
final class SchedulePauses {
  private static final Logger LOG = LoggerFactory.getLogger(SchedulePauses.class);
  private static final List<String> PAUSABLE =
      List.of("waiting", "metadata", "active", "seeding", "retrying");

  private final Vertx vertx;
  private final ScheduleStore store;
  private final Path dataDir;
  private final Set<String> paused = new LinkedHashSet<>();
  private boolean pausing;
  private boolean busy;

  SchedulePauses(Vertx vertx, ScheduleStore store, Path dataDir, ScheduleStore.Pause kept) {
    this.vertx = vertx;
    this.store = store;
    this.dataDir = dataDir;
    this.pausing = kept.pausing();
    this.paused.addAll(kept.paused());
  }

  boolean pausing() {
    return pausing;
  }

  int count() {
    return paused.size();
  }

  /** Whether a pausing rule holds now: pauses or resumes when that changed. */
  void hold(boolean shouldPause) {
    if (!busy && shouldPause != pausing) {
      busy = true;
      (shouldPause ? pauseEverything() : resumePaused()).onComplete(ar -> busy = false);
    }
  }

  /** A download was added: paused too while a pausing rule holds. */
  void added(String id) {
    if (pausing) {
      pauseAdded(id);
    }
  }

  private Future<Void> pauseEverything() {
    Future<Void> chain = Future.succeededFuture();
    Set<String> done = new LinkedHashSet<>();
    for (String status : PAUSABLE) {
      chain =
          chain.compose(
              v ->
                  bulk(new JsonObject().put("action", "pause").put("status", status))
                      .map(
                          reply -> {
                            reply
                                .getJsonArray("downloads", new JsonArray())
                                .forEach(
                                    d -> {
                                      JsonObject o = (JsonObject) d;
                                      if ("done".equals(o.getString("outcome"))) {
                                        done.add(o.getString("id"));
                                      }
                                    });
                            return null;
                          }));
    }
    return chain
        .compose(
            v -> {
              paused.addAll(done);
              pausing = true;
              LOG.info("schedule: a pausing rule holds; {} downloads paused", done.size());
              return save();
            })
        .onFailure(
            err -> LOG.warn("schedule: cannot pause the downloads yet: {}", err.getMessage()));
  }

  private Future<Void> resumePaused() {
    List<String> ids = List.copyOf(paused);
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < ids.size(); from += 1000) {
      List<String> part = ids.subList(from, Math.min(ids.size(), from + 1000));
      chain =
          chain.compose(
              v ->
                  bulk(new JsonObject().put("action", "resume").put("ids", new JsonArray(part)))
                      .<Void>mapEmpty());
    }
    return chain
        .compose(
            v -> {
              LOG.info(
                  "schedule: the pausing rule ended; {} downloads it paused resumed", ids.size());
              pausing = false;
              paused.clear();
              return save();
            })
        .onFailure(
            err -> LOG.warn("schedule: cannot resume the downloads yet: {}", err.getMessage()));
  }

  private Future<JsonObject> bulk(JsonObject request) {
    return vertx
        .eventBus()
        .<JsonObject>request(
            Addresses.DOWNLOADS_BULK,
            request,
            new DeliveryOptions().setSendTimeout(60_000).setLocalOnly(true))
        .map(m -> m.body());
  }

  /** A download added while a pausing rule holds is paused too. */
  private void pauseAdded(String id) {
    vertx
        .eventBus()
        .<JsonObject>request(Addresses.DOWNLOADS_PAUSE, new JsonObject().put("id", id))
        .onSuccess(
            m -> {
              paused.add(id);
              save();
            })
        .onFailure(
            err -> LOG.warn("schedule: cannot pause new download {}: {}", id, err.getMessage()));
  }

  private Future<Void> save() {
    boolean p = pausing;
    Set<String> ids = new LinkedHashSet<>(paused);
    return vertx
        .executeBlocking(
            () -> {
              store.savePause(p, ids);
              return null;
            },
            false)
        .onFailure(
            err ->
                LOG.warn(
                    "schedule: cannot write {}: {}",
                    dataDir.resolve(ScheduleStore.STATE),
                    err.getMessage()))
        .mapEmpty();
  }
}
