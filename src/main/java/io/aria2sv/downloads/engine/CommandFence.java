package io.aria2sv.downloads.engine;

import io.aria2sv.rpc.Aria2;
import io.aria2sv.rpc.Aria2Call;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Keeps status reads from undoing a user's command. A pause, resume or removal sent to aria2 bumps
 * the download's command epoch when it leaves and again when it is answered; a status read that
 * spans a change of the epoch may show the state before the command, so it is read again. Every
 * command on a download's GID and every status read that may race one go through here. Event-loop
 * confined.
 */
final class CommandFence {
  private final Aria2 aria2;

  CommandFence(Aria2 aria2) {
    this.aria2 = aria2;
  }

  /** Sends {@code call} about {@code d}, marking the status reads that it crosses as stale. */
  Future<Object> command(Download d, Aria2Call call) {
    d.commandEpoch++;
    return aria2.call(call).andThen(ar -> d.commandEpoch++);
  }

  /**
   * Reads the status of {@code d}'s GID {@code gid} until a read is crossed by no command, and
   * hands that read (or its failure) to {@code then}. Drops it when {@code d} moved on to another
   * GID meanwhile: the add of the new GID brings them together.
   */
  void readUncrossed(Download d, String gid, Handler<AsyncResult<JsonObject>> then) {
    int epoch = d.commandEpoch;
    aria2
        .callObject(Aria2Call.tellStatus(gid, Aria2Call.STATUS_KEYS))
        .onComplete(
            ar -> {
              if (!gid.equals(d.gid)) {
                return;
              }
              if (d.commandEpoch != epoch) {
                readUncrossed(d, gid, then);
              } else {
                then.handle(ar);
              }
            });
  }

  /** The epochs of {@code downloads} now, before a read of many statuses at once. */
  Map<Download, Integer> mark(Collection<Download> downloads) {
    Map<Download, Integer> epochs = new IdentityHashMap<>();
    downloads.forEach(d -> epochs.put(d, d.commandEpoch));
    return epochs;
  }

  /** Whether a command on {@code d} crossed the read that began at {@code marked}. */
  static boolean crossed(Download d, Map<Download, Integer> marked) {
    Integer epoch = marked.get(d);
    return epoch != null && epoch != d.commandEpoch;
  }
}
