package io.aria2sv.rpc;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;

/**
 * The one bridge between Vert.x {@link Future} (used at Vert.x edges) and Mutiny {@link Uni} (used
 * where composition pays: retry with backoff). Mutiny runs retries on its own worker pool, so every
 * Uni that verticle code continues on must end with {@code emitOn(onContext(ctx))}.
 */
public final class MutinyBridge {
  /**
   * The timers of retry backoffs. Mutiny's own default worker pool runs on non-daemon threads
   * ({@code pool-N-thread-M}) that would keep the JVM of an embedding application alive after
   * {@code vertx.close()}; this one thread is a daemon, started at the first backoff.
   */
  private static final ScheduledExecutorService BACKOFF_TIMERS = newBackoffTimers();

  private MutinyBridge() {}

  private static ScheduledExecutorService newBackoffTimers() {
    ScheduledThreadPoolExecutor timers =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "aria2sv-backoff");
              t.setDaemon(true);
              return t;
            });
    timers.setRemoveOnCancelPolicy(true);
    return timers;
  }

  /** Where retry delays wait: a daemon thread that holds no JVM open. */
  public static ScheduledExecutorService backoffTimers() {
    return BACKOFF_TIMERS;
  }

  /** A lazy Uni: {@code future} is called at each subscription, so a retry makes a new call. */
  public static <T> Uni<T> toUni(Supplier<Future<T>> future) {
    return Uni.createFrom().completionStage(() -> future.get().toCompletionStage());
  }

  /** Subscribes and completes a Future on {@code context}. */
  public static <T> Future<T> toFuture(Uni<T> uni, Context context) {
    return Future.fromCompletionStage(uni.subscribeAsCompletionStage(), context);
  }

  /** An executor that runs on {@code context}'s event loop, for {@code Uni.emitOn}. */
  public static Executor onContext(Context context) {
    return task -> context.runOnContext(v -> task.run());
  }
}
