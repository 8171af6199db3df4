package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.PAUSED;
import static io.aria2sv.bus.DownloadStatus.RETRYING;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A command on every download it applies to, each as its own command would: pause all, resume all.
 */
public final class BulkCommands {
  private final DownloadIndex index;
  private final DownloadCommands commands;

  BulkCommands(DownloadIndex index, DownloadCommands commands) {
    this.index = index;
    this.commands = commands;
  }

  /**
   * Pauses every waiting, active, seeding and retrying download: {@code {done, failed:[{id,
   * message}]}}.
   */
  public Future<JsonObject> pauseAll() {
    return onEach(
        index.all(),
        d -> d.status == WAITING || d.status.transferring() || d.status == RETRYING,
        commands::pause);
  }

  /** Resumes every paused download: {@code {done, failed:[{id, message}]}}. */
  public Future<JsonObject> resumeAll() {
    return onEach(index.all(), d -> d.status == PAUSED, commands::resume);
  }

  private static Future<JsonObject> onEach(
      Collection<Download> all,
      Predicate<Download> which,
      Function<Download, Future<Download>> command) {
    List<Download> chosen = all.stream().filter(which).toList();
    List<Future<Download>> done = chosen.stream().map(command).toList();
    return Future.join(done)
        .transform(
            ar -> {
              JsonArray failed = new JsonArray();
              for (int i = 0; i < chosen.size(); i++) {
                if (done.get(i).failed()) {
                  failed.add(
                      new JsonObject()
                          .put("id", chosen.get(i).id)
                          .put("message", done.get(i).cause().getMessage()));
                }
              }
              return Future.succeededFuture(
                  new JsonObject()
                      .put("done", chosen.size() - failed.size())
                      .put("failed", failed));
            });
  }
}
