package io.aria2sv.downloads.engine;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.Events;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Publishes download, progress and batch events; one log line per download transition. */
public final class DownloadEvents {
  private static final Logger LOG = LoggerFactory.getLogger("io.aria2sv.downloads.events");

  private final EventBus bus;
  private final String node;
  private Catalog catalog = Catalog.NONE;

  /** Where the downloads of a cluster node are listed for the other nodes; {@link #NONE} alone. */
  public interface Catalog {
    Catalog NONE =
        new Catalog() {
          @Override
          public void put(Download d, JsonObject download) {}

          @Override
          public void remove(java.util.Collection<String> gone) {}
        };

    /** {@code d} changed (a transition or its first add); published already as {@code download}. */
    void put(Download d, JsonObject download);

    /** The downloads with the ids {@code gone} were forgotten. */
    void remove(java.util.Collection<String> gone);
  }

  public DownloadEvents(EventBus bus) {
    this(bus, null);
  }

  /** Events whose downloads and progress carry {@code node}, this node's name (none when null). */
  public DownloadEvents(EventBus bus, String node) {
    this.bus = bus;
    this.node = node;
  }

  /** This node's name, or null. */
  public String node() {
    return node;
  }

  public void catalog(Catalog c) {
    this.catalog = c;
  }

  /** {@code d} changed and was published as {@code download}: the catalog learns of it. */
  void published(Download d, JsonObject download) {
    catalog.put(d, download);
  }

  void forgotten(java.util.Collection<Download> gone) {
    catalog.remove(gone.stream().map(d -> d.id).toList());
  }

  /** The cold downloads with the ids {@code gone} were forgotten. */
  void forgottenIds(java.util.Collection<String> gone) {
    catalog.remove(gone);
  }

  void transition(String type, JsonObject download) {
    transition(type, download, true);
  }

  /**
   * As {@link #transition(String, JsonObject)}; without the log line when a summary line is written
   * instead.
   */
  void transition(String type, JsonObject download, boolean log) {
    if (!log) {
      bus.publish(
          Addresses.EVENTS_DOWNLOAD, Events.of(type, new JsonObject().put("download", download)));
      return;
    }
    LOG.info(
        "download {} {} (gid {}, {} of {} bytes{})",
        download.getString("id"),
        type,
        download.getString("gid"),
        download.getLong("completedLength"),
        download.getLong("totalLength"),
        download.getValue("errorCode") == null
            ? ""
            : ", aria2 error "
                + download.getValue("errorCode")
                + ": "
                + download.getString("errorMessage"));
    bus.publish(
        Addresses.EVENTS_DOWNLOAD, Events.of(type, new JsonObject().put("download", download)));
  }

  void batchAdded(String batchId, int count) {
    LOG.info("batch {} added: {} downloads", batchId, count);
  }

  void progress(JsonArray downloads, JsonObject global) {
    bus.publish(
        Addresses.EVENTS_PROGRESS,
        Events.of(
            "progress",
            new JsonObject().put("downloads", downloads).put("global", global).put("node", node)));
  }

  /**
   * A change of what can be stored: {@code what} ({@code registry} here) can write again when
   * {@code problem} is null. Logged where the condition is detected, not here.
   */
  public void storage(String what, String problem, Path dataDir) {
    bus.publish(
        Addresses.EVENTS_STORAGE,
        Events.storage(what, what + "-writable", what + "-unwritable", problem, dataDir));
  }

  void batch(String type, JsonObject batch) {
    if ("done".equals(type)) {
      LOG.info(
          "batch {} done: {} complete, {} failed, {} removed of {}",
          batch.getString("id"),
          batch.getInteger("complete"),
          batch.getInteger("failed"),
          batch.getInteger("removed"),
          batch.getInteger("total"));
    }
    bus.publish(Addresses.EVENTS_BATCH, Events.of(type, new JsonObject().put("batch", batch)));
  }
}
