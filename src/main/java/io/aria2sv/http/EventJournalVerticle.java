package io.aria2sv.http;

import io.aria2sv.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * Gives every published event one id from a single increasing sequence and keeps the last {@code
 * capacity} of them for {@code Last-Event-ID} replay. Deployed once, so ids and replay agree
 * whichever HTTP verticle instance serves a client.
 */
public final class EventJournalVerticle extends VerticleBase {
  /** Events replayable after a reconnect. */
  public static final int CAPACITY = 2000;

  private static final Map<String, String> AREAS =
      Map.of(
          Addresses.EVENTS_SUPERVISOR, "supervisor",
          Addresses.EVENTS_DOWNLOAD, "download",
          Addresses.EVENTS_PROGRESS, "progress",
          Addresses.EVENTS_BATCH, "batch",
          Addresses.EVENTS_STORAGE, "storage");

  private static final java.util.Set<String> CLUSTER_WIDE =
      java.util.Set.of(
          Addresses.EVENTS_DOWNLOAD, Addresses.EVENTS_PROGRESS, Addresses.EVENTS_BATCH);

  private final Deque<JsonObject> buffer = new ArrayDeque<>();
  private long nextId = 1;

  @Override
  public Future<?> start() {
    EventBus bus = vertx.eventBus();
    // In a cluster, downloads, progress and batches come from every node; aria2c and storage events
    // are this node's.
    AREAS.forEach(
        (address, event) -> {
          if (CLUSTER_WIDE.contains(address)) {
            bus.<JsonObject>consumer(address, m -> record(event, m.body()));
          } else {
            bus.<JsonObject>localConsumer(address, m -> record(event, m.body()));
          }
        });
    bus.<JsonObject>localConsumer(
        Addresses.SSE_REPLAY, m -> m.reply(replay(m.body().getLong("after", 0L))));
    return Future.succeededFuture();
  }

  private void record(String event, JsonObject data) {
    JsonObject frame = new JsonObject().put("id", nextId++).put("event", event).put("data", data);
    buffer.addLast(frame);
    if (buffer.size() > CAPACITY) {
      buffer.removeFirst();
    }
    vertx
        .eventBus()
        .publish(
            Addresses.SSE_FRAMES,
            frame,
            new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true));
  }

  private JsonObject replay(long after) {
    JsonArray frames = new JsonArray();
    for (JsonObject f : buffer) {
      if (f.getLong("id") > after) {
        frames.add(f);
      }
    }
    long oldest = buffer.isEmpty() ? nextId : buffer.peekFirst().getLong("id");
    return new JsonObject()
        .put("frames", frames)
        .put("gap", after + 1 < oldest && after < nextId - 1);
  }
}
