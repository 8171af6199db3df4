package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.PAUSED;
import static io.aria2sv.bus.DownloadStatus.RETRYING;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.rpc.Aria2;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the registry and aria2 together after every (re)connection to aria2: adopts what aria2
 * kept, re-adds what it was running and lost (waiting downloads it lost queue for the {@link
 * Window}), applies every transition that was missed, stops again what ended here but came back
 * from an older session, and drops what aria2 holds that is not ours. Event-loop confined.
 */
final class Reconciler {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  private static final int ALL = 1_000_000;

  /** What the reconcile did with one download. */
  private enum Outcome {
    ADOPTED,
    RE_ADDED,
    STOPPED_AGAIN,
    READ_AGAIN,
    NOTHING
  }

  private final Aria2 rpc;
  private final DownloadIndex index;
  private final Transitions transitions;
  private final StatusApplier applier;
  private final Aria2Side aria2;
  private final CommandFence fence;
  private final AddsInFlight inFlight;
  private final ReAdds reAdds;
  private final DownloadCommands commands;
  private final ColdTier cold;

  Reconciler(
      Aria2 rpc,
      DownloadIndex index,
      Transitions transitions,
      StatusApplier applier,
      Aria2Side aria2,
      CommandFence fence,
      AddsInFlight inFlight,
      ReAdds reAdds,
      DownloadCommands commands,
      ColdTier cold) {
    this.cold = cold;
    this.rpc = rpc;
    this.index = index;
    this.transitions = transitions;
    this.applier = applier;
    this.aria2 = aria2;
    this.fence = fence;
    this.inFlight = inFlight;
    this.reAdds = reAdds;
    this.commands = commands;
  }

  Future<Void> reconcile() {
    List<Aria2Call> calls =
        List.of(
            Aria2Call.tellActive(Aria2Call.STATUS_KEYS),
            Aria2Call.tellWaiting(0, ALL, Aria2Call.STATUS_KEYS),
            Aria2Call.tellStopped(0, ALL, Aria2Call.STATUS_KEYS));
    Map<Download, Integer> marked = fence.mark(index.all());
    return rpc.multicall(calls)
        .compose(results -> warmStrays(results).map(v -> results))
        .map(
            results -> {
              Map<String, JsonObject> known = new HashMap<>();
              for (Object r : results) {
                if (r instanceof JsonArray list) {
                  list.forEach(o -> known.put(((JsonObject) o).getString("gid"), (JsonObject) o));
                }
              }
              Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
              for (Download d : new ArrayList<>(index.all())) {
                JsonObject st = known.remove(d.gid);
                Outcome outcome =
                    CommandFence.crossed(d, marked)
                        // a pause, resume or removal crossed these reads, which may show the state
                        // before it
                        ? readAgain(d)
                        : reconcile(d, st);
                counts.merge(outcome, 1, Integer::sum);
              }
              for (Map.Entry<String, JsonObject> stray : known.entrySet()) {
                String state = stray.getValue().getString("status");
                Download owner = index.byGid(stray.getKey());
                if (owner == null) {
                  if (Aria2Side.UNSTOPPED.contains(state)) {
                    aria2.removeStray(stray.getKey());
                  }
                  aria2.dropResult(stray.getKey());
                } else if (Aria2Side.UNSTOPPED.contains(state)) {
                  // an older GID of a download that runs under another now (given back to the
                  // queue just before a crash): only the current one may run
                  aria2.removeStray(stray.getKey());
                }
              }
              LOG.info(
                  "reconciled with aria2: {} adopted, {} re-added, {} ended downloads stopped again, {} read again, {} unknown dropped",
                  counts.getOrDefault(Outcome.ADOPTED, 0),
                  counts.getOrDefault(Outcome.RE_ADDED, 0),
                  counts.getOrDefault(Outcome.STOPPED_AGAIN, 0),
                  counts.getOrDefault(Outcome.READ_AGAIN, 0),
                  known.size());
              return null;
            });
  }

  /**
   * Reads back from the registry the cold downloads whose GIDs aria2 still runs (a session saved
   * before they ended): they are stopped again as any other ended one is, files deleted with a
   * removal included.
   */
  private Future<Void> warmStrays(List<Object> results) {
    if (index.coldSize() == 0) {
      return Future.succeededFuture();
    }
    List<Future<Download>> reads = new ArrayList<>();
    for (Object r : results) {
      if (r instanceof JsonArray list) {
        for (Object o : list) {
          JsonObject st = (JsonObject) o;
          String gid = st.getString("gid");
          if (index.byGid(gid) == null && Aria2Side.UNSTOPPED.contains(st.getString("status"))) {
            reads.add(cold.resolveGid(gid));
          }
        }
      }
    }
    // a GID no download ever had is dropped as before
    return Future.join(reads).<Void>mapEmpty().otherwiseEmpty();
  }

  /**
   * Brings one download and aria2's view of its GID ({@code st}, null when aria2 does not know it)
   * together.
   */
  private Outcome reconcile(Download d, JsonObject st) {
    if (st != null && d.status.terminal() && Aria2Side.UNSTOPPED.contains(st.getString("status"))) {
      // Ended here, but aria2 brought it back from a session saved before that
      stopAgain(d);
      return Outcome.STOPPED_AGAIN;
    }
    if (st != null) {
      if (Aria2Side.UNSTOPPED.contains(st.getString("status")) && !d.status.terminal()) {
        index.queue().hold(d);
      }
      applier.apply(d, st);
      return Outcome.ADOPTED;
    }
    if (!needsAdd(d)) {
      if (!AddsInFlight.reAddUnderway(d) && !transitions.firstAddUnderway(d)) {
        // aria2 does not hold it (any more): a waiting or paused one queues in the registry
        index.queue().release(d);
      }
      return Outcome.NOTHING;
    }
    DownloadStatus after = d.status == PAUSED ? PAUSED : WAITING;
    inFlight
        .reAdd(
            d,
            aria2
                .add(d, true)
                .andThen(
                    ar -> {
                      if (ar.failed()) {
                        return;
                      }
                      if (d.status.terminal()) {
                        // removed meanwhile by a removal sent before the reconcile, which found
                        // nothing to stop
                        stopAgain(d);
                      } else {
                        transitions.move(d, after);
                      }
                    }))
        .onFailure(
            err ->
                LOG.warn("re-add of download {} after restart failed: {}", d.id, err.getMessage()));
    return Outcome.RE_ADDED;
  }

  /**
   * The reconcile of one download on a status read of its own, once no command crosses the read.
   */
  private Outcome readAgain(Download d) {
    String gid = d.gid;
    fence.readUncrossed(
        d,
        gid,
        ar -> {
          if (ar.succeeded()) {
            reconcile(d, ar.result());
          } else if (Aria2RpcException.isAria2Error(ar.cause())) {
            reconcile(d, null);
          } else {
            LOG.debug(
                "status of {} for the reconcile unavailable: {}", gid, ar.cause().getMessage());
          }
        });
    return Outcome.READ_AGAIN;
  }

  /**
   * Stops in aria2 a download that has ended here, and then drops its result; when it was removed
   * with its files, deletes what aria2 wrote meanwhile.
   */
  private void stopAgain(Download d) {
    String gid = d.gid;
    aria2
        .askToRemove(d)
        .compose(v -> aria2.stopped(gid))
        .compose(v -> commands.dropStopped(d, gid, d.filesDeleted))
        .onFailure(
            err -> LOG.warn("cannot stop download {} again in aria2: {}", d.id, err.getMessage()));
  }

  private boolean needsAdd(Download d) {
    if (transitions.firstAddUnderway(d)) {
      return false;
    }
    // what was running goes back at once; waiting and paused downloads wait for the window
    return d.status.transferring() || (d.status == RETRYING && !reAdds.scheduled(d));
  }
}
