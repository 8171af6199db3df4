package io.aria2sv.downloads.engine;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The adds on their way to aria2, and what waits for them. A first add is found again by a retried
 * request with the same request id while it is under way. A re-add (a retry, an automatic re-add,
 * the reconcile's) holds back the user's commands on that download until aria2 has answered it:
 * sent before, a pause or removal would find nothing to stop (the download is {@code retrying} here
 * and its new GID not in aria2 yet) and the add, landing after, would start the download anyway; a
 * resume would add it a second time. Event-loop confined.
 */
final class AddsInFlight {
  private final Map<String, Future<Download>> firstAdds = new HashMap<>();

  /** Records the first add of download {@code id} until it completes. */
  Future<Download> firstAdd(String id, Future<Download> add) {
    firstAdds.put(id, add);
    add.onComplete(ar -> firstAdds.remove(id));
    return add;
  }

  /** The first add of download {@code id} under way, or null. */
  Future<Download> firstAddOf(String id) {
    return firstAdds.get(id);
  }

  /** Records {@code add} as one of {@code d}'s re-adds in flight until it completes. */
  <T> Future<T> reAdd(Download d, Future<T> add) {
    Future<?> all = d.pendingAdd == null ? add : Future.join(d.pendingAdd, add);
    d.pendingAdd = all;
    all.onComplete(
        ar -> {
          if (d.pendingAdd == all) {
            d.pendingAdd = null;
          }
        });
    return add;
  }

  /** Whether a re-add of {@code d} is under way. */
  static boolean reAddUnderway(Download d) {
    return d.pendingAdd != null;
  }

  /**
   * Runs {@code command} once every re-add of {@code d} under way has been answered and applied. A
   * command whose request timed out meanwhile still runs.
   */
  <T> Future<T> afterReAdds(Download d, Supplier<Future<T>> command) {
    Future<?> pending = d.pendingAdd;
    return pending == null ? command.get() : pending.transform(ar -> afterReAdds(d, command));
  }
}
