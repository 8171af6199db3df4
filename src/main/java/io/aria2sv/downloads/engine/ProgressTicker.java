package io.aria2sv.downloads.engine;

import io.aria2sv.metrics.Metrics;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2Client;
import io.aria2sv.rpc.GlobalStat;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * The one progress ticker: every {@code downloads.progressInterval} it publishes the batches that
 * changed and, while a download is active, asks aria2 for the active downloads' figures and the
 * global stat in one multicall, and publishes what changed. With nothing active it asks aria2
 * nothing, and the speed gauge reads 0. Event-loop confined.
 */
public final class ProgressTicker {
  private static final List<Aria2Call> CALLS =
      List.of(
          Aria2Call.tellActive(
              List.of(
                  "gid",
                  "status",
                  "completedLength",
                  "totalLength",
                  "downloadSpeed",
                  "uploadLength",
                  "uploadSpeed",
                  "seeder",
                  "numSeeders",
                  "connections")),
          Aria2Call.getGlobalStat());

  private final Vertx vertx;
  private final Aria2Client aria2;
  private final DownloadManager manager;
  private final DownloadEvents events;
  private final Metrics metrics;
  private long timer = -1;
  private boolean inFlight;
  private JsonObject lastGlobal = new JsonObject();

  public ProgressTicker(
      Vertx vertx,
      Aria2Client aria2,
      DownloadManager manager,
      DownloadEvents events,
      Metrics metrics) {
    this.vertx = vertx;
    this.aria2 = aria2;
    this.manager = manager;
    this.events = events;
    this.metrics = metrics;
  }

  /** Ticks every {@code interval} from now on (again after a change of it). */
  public void every(Duration interval) {
    stop();
    timer = vertx.setPeriodic(interval.toMillis(), id -> tick());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void tick() {
    publishBatches();
    if (inFlight) {
      return;
    }
    if (!manager.anyActive() || !aria2.running()) {
      // nothing to ask aria2: the speed is 0 from now on, not the last figure of the last download
      metrics.downloadSpeed(0);
      return;
    }
    inFlight = true;
    aria2
        .multicallOnce(CALLS)
        .onSuccess(
            results -> {
              JsonArray changed = new JsonArray();
              if (results.get(0) instanceof JsonArray active) {
                java.util.Set<String> gids = new java.util.HashSet<>();
                for (Object o : active) {
                  gids.add(((JsonObject) o).getString("gid"));
                }
                manager.applier().recheckVanished(gids);
                for (Object o : active) {
                  Download d = manager.applier().progress((JsonObject) o);
                  if (d != null) {
                    changed.add(d.progressJson());
                    if (d.batchId != null) {
                      manager.batches().changed(d.batchId);
                    }
                  }
                }
              }
              JsonObject global =
                  results.get(1) instanceof JsonObject g
                      ? GlobalStat.from(g).toJson(false)
                      : lastGlobal;
              metrics.downloadSpeed(global.getLong("downloadSpeed", 0L));
              if (!changed.isEmpty() || !global.equals(lastGlobal)) {
                lastGlobal = global;
                events.progress(changed, global);
              }
              publishBatches();
            })
        .onComplete(ar -> inFlight = false);
  }

  private void publishBatches() {
    Batches batches = manager.batches();
    for (String id : batches.drainChanged()) {
      JsonObject stats = batches.stats(id);
      events.batch("progress", stats);
      if (batches.announceDone(id)) {
        events.batch("done", stats);
      }
    }
  }
}
