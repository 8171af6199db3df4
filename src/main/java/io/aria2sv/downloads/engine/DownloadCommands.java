package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.ACTIVE;
import static io.aria2sv.bus.DownloadStatus.FAILED;
import static io.aria2sv.bus.DownloadStatus.PAUSED;
import static io.aria2sv.bus.DownloadStatus.REMOVED;
import static io.aria2sv.bus.DownloadStatus.RETRYING;
import static io.aria2sv.bus.DownloadStatus.SEEDING;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.downloads.request.CommandRequests;
import io.aria2sv.downloads.request.ValidationException;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The user's commands on one download: pause, resume, retry, remove. Each waits for a re-add on its
 * way to aria2 ({@link AddsInFlight}), and sends its own call through the {@link CommandFence} so
 * that status reads it crosses are read again. Event-loop confined.
 */
public final class DownloadCommands {
  private final DownloadIndex index;
  private final RegistryStore store;
  private final Transitions transitions;
  private final ReAdds reAdds;
  private final Aria2Side aria2;
  private final CommandFence fence;
  private final AddsInFlight inFlight;
  private final DownloadFiles files;
  private final WholeQueue queue;

  DownloadCommands(
      DownloadIndex index,
      RegistryStore store,
      Transitions transitions,
      ReAdds reAdds,
      Aria2Side aria2,
      CommandFence fence,
      AddsInFlight inFlight,
      DownloadFiles files,
      WholeQueue queue) {
    this.queue = queue;
    this.index = index;
    this.store = store;
    this.transitions = transitions;
    this.reAdds = reAdds;
    this.aria2 = aria2;
    this.fence = fence;
    this.inFlight = inFlight;
    this.files = files;
  }

  public Future<Download> pause(Download d) {
    return inFlight.afterReAdds(d, () -> pauseNow(d));
  }

  private Future<Download> pauseNow(Download d) {
    switch (d.status) {
      case PAUSED:
        return Future.succeededFuture(d);
      case RETRYING:
        reAdds.cancel(d);
        transitions.move(d, PAUSED);
        return Future.succeededFuture(d);
      case WAITING:
        if (!d.held) {
          // queued in the registry only: nothing to tell aria2
          transitions.move(d, PAUSED);
          return Future.succeededFuture(d);
        }
        return pauseInAria2(d);
      case ACTIVE:
      case SEEDING:
        return pauseInAria2(d);
      default:
        return conflict(d, "pause");
    }
  }

  private Future<Download> pauseInAria2(Download d) {
    // the reply tells the length aria2 has now, not the last progress sample's
    return fence
        .command(d, Aria2Call.forcePause(d.gid))
        .compose(
            v ->
                aria2
                    .lengths(d.gid)
                    .map(
                        st -> {
                          StatusApplier.updateLengths(d, st.put("status", "paused"));
                          return d;
                        })
                    .otherwise(d))
        .map(
            v -> {
              transitions.move(d, PAUSED);
              return d;
            });
  }

  public Future<Download> resume(Download d) {
    return inFlight.afterReAdds(d, () -> resumeNow(d));
  }

  private Future<Download> resumeNow(Download d) {
    if (d.status == WAITING || d.status.transferring()) {
      return Future.succeededFuture(d);
    }
    if (d.status != PAUSED) {
      return conflict(d, "resume");
    }
    if (!d.held) {
      // queued in the registry only: it waits for its turn in aria2's window
      transitions.move(d, WAITING);
      return Future.succeededFuture(d);
    }
    return fence
        .command(d, Aria2Call.unpause(d.gid))
        .recover(
            err -> {
              if (!Aria2RpcException.isAria2Error(err)) {
                return Future.failedFuture(err);
              }
              // aria2 no longer has it: it queues again
              index.queue().release(d);
              return Future.succeededFuture();
            })
        .map(
            v -> {
              // A notification may have overtaken this answer and shown it active (or even
              // complete)
              if (d.status == PAUSED) {
                transitions.move(d, WAITING);
              }
              return d;
            });
  }

  public Future<Download> retry(Download d) {
    return inFlight.afterReAdds(
        d,
        () ->
            d.status != FAILED
                ? conflict(d, "retry")
                : reAdds.now(d, ReAdds.Trigger.MANUAL, WAITING));
  }

  /**
   * Changes per-download options. A download aria2 runs gets them through {@code changeOption}
   * (which restarts an active download for every option but the speed limits and a few BitTorrent
   * ones; the download keeps its GID and its progress); a retrying or failed one gets them at its
   * next add. aria2 checks the values and takes all or none.
   */
  public Future<Download> changeOptions(Download d, Map<String, String> changes) {
    return inFlight.afterReAdds(
        d,
        () -> {
          if (d.status == DownloadStatus.COMPLETE || d.status == REMOVED) {
            return conflict(d, "change the options of");
          }
          boolean inAria2 = d.held;
          JsonObject o = new JsonObject();
          changes.forEach(o::put);
          return (inAria2
                  ? fence.command(d, Aria2Call.changeOption(d.gid, o)).<Void>mapEmpty()
                  : Future.<Void>succeededFuture())
              .recover(
                  err ->
                      Future.failedFuture(
                          Aria2RpcException.isAria2Error(err)
                              ? new ValidationException(
                                  "options", "aria2 refused the change: " + err.getMessage())
                              : err))
              .map(
                  v -> {
                    d.request = d.request.withOptions(changes);
                    transitions.changed(d);
                    return d;
                  });
        });
  }

  /**
   * Moves a download in the queue of waiting and paused downloads, as aria2's {@code
   * changePosition} does, over the whole queue (not only what aria2 holds); replies with its new
   * index. The window then holds the first downloads of the queue again.
   */
  public Future<Integer> move(Download d, CommandRequests.Move to) {
    return inFlight.afterReAdds(
        d,
        () ->
            queue
                .indexOf(d)
                .compose(
                    at -> {
                      if (at < 0) {
                        return Future.failedFuture(
                            new ServiceException(
                                ErrorCode.CONFLICT,
                                "cannot move download "
                                    + d.id
                                    + ": it is "
                                    + d.status.wire()
                                    + "; only waiting and paused downloads have a place in the"
                                    + " queue"));
                      }
                      long target =
                          switch (to.how()) {
                            case "POS_CUR" -> (long) at + to.pos();
                            case "POS_END" -> (long) queue.size() - 1 + to.pos();
                            default -> to.pos();
                          };
                      return queue.moveTo(
                          d,
                          (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, target)));
                    })
                .map(
                    moved -> {
                      store.update(
                          moved.changed().stream()
                              .filter(o -> o != d)
                              .map(Download::stored)
                              .toList());
                      transitions.changed(d);
                      return moved.index();
                    }));
  }

  /**
   * Ends the seeding of a torrent whose data is complete: aria2 stops it and the download ends
   * {@code complete}, its files kept.
   */
  public Future<Download> stopSeeding(Download d) {
    return inFlight.afterReAdds(
        d,
        () -> {
          if (d.status != SEEDING) {
            return conflict(d, "stop seeding");
          }
          String gid = d.gid;
          return aria2
              .askToRemove(d)
              .compose(
                  v -> {
                    // complete from here on: the status reads the removal sets off change nothing
                    transitions.move(d, DownloadStatus.COMPLETE);
                    return aria2.stopped(gid);
                  })
              .map(
                  v -> {
                    aria2.dropResult(gid);
                    return d;
                  });
        });
  }

  /**
   * aria2's peers of a running torrent: {@code {id, peers:[{ip, port, seeder, downloadSpeed,
   * uploadSpeed}]}}.
   */
  public Future<JsonObject> peers(Download d) {
    if (d.request.torrent() == null || !d.held) {
      return Future.succeededFuture(
          new JsonObject().put("id", d.id).put("peers", new io.vertx.core.json.JsonArray()));
    }
    return aria2.peers(d.gid).map(peers -> new JsonObject().put("id", d.id).put("peers", peers));
  }

  public Future<Download> remove(Download d, boolean deleteFiles) {
    return inFlight.afterReAdds(d, () -> removeNow(d, deleteFiles));
  }

  private Future<Download> removeNow(Download d, boolean deleteFiles) {
    reAdds.cancel(d);
    boolean inAria2 = d.held;
    return (inAria2 ? aria2.askToRemove(d) : Future.<Void>succeededFuture())
        .compose(
            v -> {
              // From here on, should aria2c restart and bring the download back from its session,
              // the
              // reconcile stops it again, and this wait ends
              d.filesDeleted |= deleteFiles;
              transitions.move(d, REMOVED);
              return inAria2 ? aria2.stopped(d.gid) : Future.<Void>succeededFuture();
            })
        .compose(v -> dropStopped(d, d.gid, deleteFiles))
        .map(v -> d);
  }

  /**
   * Once aria2 has stopped {@code gid}: drops its result, and deletes {@code d}'s files when asked.
   */
  Future<Void> dropStopped(Download d, String gid, boolean deleteFiles) {
    aria2.dropResult(gid);
    return deleteFiles ? files.delete(files.of(d)) : Future.succeededFuture();
  }

  private static Future<Download> conflict(Download d, String what) {
    return Future.failedFuture(
        new ServiceException(
            ErrorCode.CONFLICT,
            "cannot " + what + " download " + d.id + ": it is " + d.status.wire()));
  }
}
