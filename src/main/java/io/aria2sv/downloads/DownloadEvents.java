package io.aria2sv.downloads;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.Events;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Publishes download, progress and batch events; one log line per download transition. */
final class DownloadEvents {
  private static final Logger LOG = LoggerFactory.getLogger("io.aria2sv.downloads.events");

  private final EventBus bus;

  DownloadEvents(EventBus bus) {
    this.bus = bus;
  }

  void transition(String type, JsonObject download) {
    transition(type, download, true);
  }

  /** As {@link #transition(String, JsonObject)}; without the log line when a summary line is written instead. */
  void transition(String type, JsonObject download, boolean log) {
    if (!log) {
      bus.publish(Addresses.EVENTS_DOWNLOAD, Events.of(type, new JsonObject().put("download", download)));
      return;
    }
    LOG.info("download {} {} (gid {}, {} of {} bytes{})", download.getString("id"), type, download.getString("gid"),
        download.getLong("completedLength"), download.getLong("totalLength"),
        download.getValue("errorCode") == null ? "" : ", aria2 error " + download.getValue("errorCode") + ": " + download.getString("errorMessage"));
    bus.publish(Addresses.EVENTS_DOWNLOAD, Events.of(type, new JsonObject().put("download", download)));
  }

  void batchAdded(String batchId, int count) {
    LOG.info("batch {} added: {} downloads", batchId, count);
  }

  void progress(JsonArray downloads, JsonObject global) {
    bus.publish(Addresses.EVENTS_PROGRESS, Events.of("progress", new JsonObject().put("downloads", downloads).put("global", global)));
  }

  /**
   * A change of what can be stored: {@code what} ({@code registry} here) can write again when
   * {@code problem} is null. Logged where the condition is detected, not here.
   */
  void storage(String what, String problem, Path dataDir) {
    bus.publish(Addresses.EVENTS_STORAGE, Events.storage(what, what + "-writable", what + "-unwritable", problem, dataDir));
  }

  void batch(String type, JsonObject batch) {
    if ("done".equals(type)) {
      LOG.info("batch {} done: {} complete, {} failed, {} removed of {}", batch.getString("id"), batch.getInteger("complete"),
          batch.getInteger("failed"), batch.getInteger("removed"), batch.getInteger("total"));
    }
    bus.publish(Addresses.EVENTS_BATCH, Events.of(type, new JsonObject().put("batch", batch)));
  }
}
