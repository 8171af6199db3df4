package io.aria2sv.cluster;

import io.aria2sv.bus.ClusterMaps;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The takeover lock as an entry of a replicated shared map ({@link ClusterMaps#LOCKS}): taken with
 * a put-if-absent of {@code <node> <token>}, which expires after {@link #HOLD_MILLIS} should its
 * holder never come back; released with a remove of that same value. A holder that is no longer a
 * live member loses it at once to the next node that asks.
 *
 * <p>Not Vert.x's cluster lock: Infinispan's clustered lock left held by a member cut off mid-way
 * was never released on the other side (measured here: a majority could not take over for the rest
 * of a 50 s test). This one needs only the map, which a majority can always write; a minority may
 * take it on its own side, but a minority takes nothing over (it holds no lease).
 */
final class ClusterLock {
  /** How long a lock is held at most: longer than a takeover pass, which gives up after 20 s. */
  static final long HOLD_MILLIS = 30_000;

  private static final long RETRY_MILLIS = 100;

  private final Vertx vertx;
  private final AsyncMap<String, String> locks;
  private final String me;
  private final Predicate<String> live;

  ClusterLock(Vertx vertx, AsyncMap<String, String> locks, String me, Predicate<String> live) {
    this.vertx = vertx;
    this.locks = locks;
    this.me = me;
    this.live = live;
  }

  /** Takes lock {@code name} within {@code timeoutMillis}; the future gives its release. */
  Future<Runnable> acquire(String name, long timeoutMillis) {
    Promise<Runnable> taken = Promise.promise();
    String mine = me + " " + UUID.randomUUID();
    attempt(name, mine, System.currentTimeMillis() + timeoutMillis, timeoutMillis, taken);
    return taken.future();
  }

  private void attempt(
      String name, String mine, long deadline, long timeoutMillis, Promise<Runnable> taken) {
    locks
        .putIfAbsent(name, mine, HOLD_MILLIS)
        .compose(
            held -> {
              if (held == null) {
                return Future.succeededFuture(true);
              }
              String holder = held.substring(0, Math.max(0, held.indexOf(' ')));
              if (!holder.equals(me) && !live.test(holder)) {
                return locks.replaceIfPresent(name, held, mine, HOLD_MILLIS);
              }
              return Future.succeededFuture(false);
            })
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result()) {
                taken.complete(() -> locks.removeIfPresent(name, mine));
              } else if (System.currentTimeMillis() >= deadline) {
                taken.fail(
                    new ServiceException(
                        ErrorCode.TIMEOUT,
                        "lock "
                            + name
                            + " not taken within "
                            + timeoutMillis
                            + " ms"
                            + (ar.failed() ? ": " + ar.cause().getMessage() : "")));
              } else {
                vertx.setTimer(
                    RETRY_MILLIS, t -> attempt(name, mine, deadline, timeoutMillis, taken));
              }
            });
  }
}
