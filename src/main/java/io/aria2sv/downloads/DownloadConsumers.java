package io.aria2sv.downloads;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.downloads.engine.Download;
import io.aria2sv.downloads.engine.DownloadManager;
import io.aria2sv.downloads.request.CommandRequests;
import io.aria2sv.downloads.request.Intake;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The downloads' table of bus addresses ({@code aria2.downloads.*}, {@code aria2.batches.*}): one
 * line per address, from the request's body to the engine and back to a reply. Event-loop confined,
 * like the engine.
 */
final class DownloadConsumers {
  private final EventBus bus;
  private final DownloadManager manager;
  private final Intake intake;

  /** A public address, or in a cluster this node's own for it. */
  private final UnaryOperator<String> at;

  DownloadConsumers(
      EventBus bus, DownloadManager manager, Intake intake, UnaryOperator<String> at) {
    this.bus = bus;
    this.manager = manager;
    this.intake = intake;
    this.at = at;
  }

  void register() {
    answer(Addresses.DOWNLOADS_ADD, b -> intake.single(b).compose(manager.adds()::add));
    answer(Addresses.DOWNLOADS_GET, this::show);
    answer(Addresses.DOWNLOADS_LIST, b -> manager.list(CommandRequests.listQuery(b)));
    command(Addresses.DOWNLOADS_PAUSE, b -> find(b).compose(manager.commands()::pause));
    command(Addresses.DOWNLOADS_RESUME, b -> find(b).compose(manager.commands()::resume));
    command(Addresses.DOWNLOADS_RETRY, b -> find(b).compose(manager.commands()::retry));
    command(
        Addresses.DOWNLOADS_REMOVE,
        b -> {
          boolean deleteFiles = Boolean.TRUE.equals(b.getValue("deleteFiles"));
          return find(b).compose(d -> manager.commands().remove(d, deleteFiles));
        });
    command(
        Addresses.DOWNLOADS_CHANGE,
        b -> {
          var changes = CommandRequests.changedOptions(b);
          return find(b).compose(d -> manager.commands().changeOptions(d, changes));
        });
    answer(
        Addresses.DOWNLOADS_POSITION,
        b -> {
          var move = CommandRequests.move(b);
          return find(b)
              .compose(
                  d ->
                      manager
                          .commands()
                          .move(d, move)
                          .map(pos -> new JsonObject().put("id", d.id()).put("position", pos)));
        });
    answer(
        Addresses.DOWNLOADS_QUEUE,
        b -> manager.queuePage(b.getInteger("offset", 0), b.getInteger("num", 1000)));
    answer(
        Addresses.DOWNLOADS_STOPPED,
        b -> manager.stoppedPage(b.getInteger("offset", 0), b.getInteger("num", 1000)));
    command(
        Addresses.DOWNLOADS_STOP_SEEDING, b -> find(b).compose(manager.commands()::stopSeeding));
    command(Addresses.DOWNLOADS_COMPLETION_RETRY, b -> find(b).compose(manager::retryCompletion));
    answer(Addresses.DOWNLOADS_PEERS, b -> peek(b).compose(manager.commands()::peers));
    answer(Addresses.DOWNLOADS_FILES, b -> peek(b).compose(manager.files()::of));
    answer(Addresses.DOWNLOADS_PAUSE_ALL, b -> manager.bulk().pauseAll());
    answer(Addresses.DOWNLOADS_RESUME_ALL, b -> manager.bulk().resumeAll());
    answer(
        Addresses.DOWNLOADS_BULK,
        b -> {
          CommandRequests.Bulk bulk = CommandRequests.bulk(b);
          return manager
              .bulk()
              .apply(bulk.action(), bulk.deleteFiles(), bulk.ids(), bulk.filter(), manager::json);
        });
    answer(
        Addresses.DOWNLOADS_FORGET,
        b ->
            find(b)
                .compose(
                    d ->
                        manager
                            .forgetting()
                            .forget(d)
                            .map(v -> new JsonObject().put("id", d.id()).put("forgotten", true))));
    answer(
        Addresses.DOWNLOADS_PURGE,
        b ->
            manager
                .forgetting()
                .forgetEnded(Long.MAX_VALUE)
                .map(n -> new JsonObject().put("forgotten", n)));
    answer(Addresses.BATCHES_ADD, b -> intake.batch(b).compose(manager.adds()::addBatch));
    answer(
        Addresses.BATCHES_GET,
        b -> Future.succeededFuture(manager.batches().stats(CommandRequests.id(b))));
  }

  private void answer(String address, Function<JsonObject, Future<JsonObject>> handler) {
    bus.<JsonObject>consumer(at.apply(address), m -> BusReplies.answer(m, handler));
  }

  /** A command on one download, answered with the download's public JSON. */
  private void command(String address, Function<JsonObject, Future<Download>> handler) {
    answer(address, b -> handler.apply(b).map(manager::json));
  }

  /**
   * The download named by {@code id}, or by {@code gid} (any it had, as aria2 clients know it),
   * held in memory for a command: a cold one is read back from the registry first.
   */
  private Future<Download> find(JsonObject body) {
    if (!body.containsKey("id") && body.getValue("gid") instanceof String gid) {
      return manager.resolve(null, gid);
    }
    return manager.resolve(CommandRequests.id(body), null);
  }

  /** As {@link #find}, for a read: a cold one is read from the registry and stays cold. */
  private Future<Download> peek(JsonObject body) {
    if (!body.containsKey("id") && body.getValue("gid") instanceof String gid) {
      return manager.peek(null, gid);
    }
    return manager.peek(CommandRequests.id(body), null);
  }

  private Future<JsonObject> show(JsonObject body) {
    return peek(body).map(manager::json);
  }
}
