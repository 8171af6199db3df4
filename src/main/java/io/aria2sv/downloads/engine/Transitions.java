package io.aria2sv.downloads.engine;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.downloads.registry.Registry;
import io.aria2sv.downloads.registry.RegistryStore;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * Moves downloads from one status to the next: each change is counted, stored and published exactly
 * once. Owns the first-add ordering: while a download's first add is under way (stored and sent,
 * not yet acknowledged), its transitions are stored but not published, so subscribers always see
 * {@code added} first, then the status it reached meanwhile. Event-loop confined.
 */
final class Transitions {
  private final DownloadIndex index;
  private final RegistryStore store;
  private final DownloadEvents events;
  private final Function<Download, JsonObject> json;

  /**
   * The outbox rows for an event of a download (complete, failed, removed, completion), stored in
   * the same transaction as the change: its webhook messages.
   */
  private java.util.function.BiFunction<String, JsonObject, java.util.List<Registry.Write>> outbox =
      (event, json) -> java.util.List.of();

  /** Called as a download reaches complete, before that is stored (its completion step). */
  private java.util.function.Consumer<Download> onComplete = d -> {};

  /** Told after every change that may free or take a place in aria2's window. */
  private Runnable window = () -> {};

  Transitions(
      DownloadIndex index,
      RegistryStore store,
      DownloadEvents events,
      Function<Download, JsonObject> json) {
    this.index = index;
    this.store = store;
    this.events = events;
    this.json = json;
  }

  /**
   * Moves {@code d} to {@code to}, storing and publishing the change once; nothing happens if
   * unchanged.
   */
  void move(Download d, DownloadStatus to) {
    if (d.status == to || gone(d)) {
      return;
    }
    index.setStatus(d, to, System.currentTimeMillis());
    if (to == DownloadStatus.COMPLETE) {
      onComplete.accept(d);
    }
    if (!to.transferring()) {
      d.downloadSpeed = 0;
      d.uploadSpeed = 0;
    }
    java.util.List<Registry.Write> messages =
        to == DownloadStatus.COMPLETE || to == DownloadStatus.FAILED || to == DownloadStatus.REMOVED
            ? outbox.apply(to.wire(), json.apply(d))
            : java.util.List.of();
    stored(d, messages);
    if (d.firstAddFrom == null) {
      JsonObject j = json.apply(d);
      events.transition(to.wire(), j);
      events.published(d, j);
    }
    if (d.batchId != null) {
      index.batches().changed(d.batchId);
    }
    window.run();
  }

  /**
   * {@code d} changed without a change of status (its options): stored, and published as {@code
   * changed}.
   */
  void changed(Download d) {
    changed(d, null);
  }

  /** As {@link #changed(Download)}; a {@code webhookEvent} puts its messages in the outbox too. */
  void changed(Download d, String webhookEvent) {
    if (gone(d)) {
      return;
    }
    index.touch(d, System.currentTimeMillis());
    stored(
        d, webhookEvent == null ? java.util.List.of() : outbox.apply(webhookEvent, json.apply(d)));
    if (d.firstAddFrom == null) {
      JsonObject j = json.apply(d);
      events.transition("changed", j, false);
      events.published(d, j);
    }
    window.run();
  }

  /**
   * Whether {@code d} left the engine (forgotten, or gone cold): a report that arrives after that
   * (a status read under way, aria2's notification of the removal that undid a failed add) changes
   * nothing, so it neither writes the row back nor counts it again.
   */
  private boolean gone(Download d) {
    return index.byId(d.id) != d;
  }

  /** Stores {@code d} with {@code messages}; once they are committed, their sender is told. */
  private void stored(Download d, java.util.List<Registry.Write> messages) {
    if (messages.isEmpty()) {
      store.update(d.stored());
    } else {
      store.update(d.stored(), messages).onSuccess(v -> outboxWritten.run());
    }
  }

  /** Told when webhook messages were committed (the dispatcher sends them at once). */
  private Runnable outboxWritten = () -> {};

  /** What puts a download's webhook messages into the outbox, and who sends them. */
  void outbox(
      java.util.function.BiFunction<String, JsonObject, java.util.List<Registry.Write>> messages,
      Runnable written) {
    outbox = messages;
    outboxWritten = written;
  }

  /** What runs as a download reaches complete, before that is stored. */
  void onComplete(java.util.function.Consumer<Download> hook) {
    onComplete = hook;
  }

  /** {@code d}'s first add begins: its events wait for {@link #firstAddDone}. */
  void firstAddBegins(Download d) {
    d.firstAddFrom = d.status;
    index.queue().track(d);
  }

  /** Whether {@code d}'s first add is under way (the reconcile leaves such downloads alone). */
  boolean firstAddUnderway(Download d) {
    return d.firstAddFrom != null;
  }

  /**
   * {@code d}'s first add was acknowledged: publishes {@code added}, then the status it reached
   * meanwhile (a fast download may already be active or complete). {@code log} false leaves the log
   * line to a summary of a batch.
   */
  void firstAddDone(Download d, boolean log) {
    DownloadStatus initial = d.firstAddFrom;
    d.firstAddFrom = null;
    index.queue().track(d);
    window.run();
    JsonObject j = json.apply(d);
    events.transition("added", j, log);
    if (initial != null && d.status != initial) {
      events.transition(d.status.wire(), j);
    }
    events.published(d, j);
  }

  /**
   * {@code d} was added and stored cold (queued beyond what memory holds): publishes {@code added}
   * (the catalog learns of it too); no log line, a batch's summary says it.
   */
  void addedCold(Download d) {
    JsonObject j = json.apply(d);
    events.transition("added", j, false);
    events.published(d, j);
  }

  /** {@code d}'s first add failed: it is forgotten without an event. */
  void firstAddAbandoned(Download d) {
    d.firstAddFrom = null;
  }

  /** What is told when a download may have left or entered the queue or aria2. */
  void window(Runnable kick) {
    window = kick;
  }
}
