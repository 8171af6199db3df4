package io.aria2sv.supervisor;

import io.aria2sv.config.AppConfig;
import io.aria2sv.rpc.Aria2Rpc;
import io.aria2sv.rpc.RpcObserver;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Starts a real aria2c: {@link Aria2Launcher} on a worker, then {@link ReadinessProbe}. A lost race
 * for a picked free port is tried again twice. Runs on the supervisor's event loop.
 */
final class ProcessStarter implements Aria2Starter {
  private static final int ATTEMPTS = 3;

  private final Vertx vertx;
  private final Context context;
  private final WebClient web;
  private final RpcObserver observer;
  private final Supplier<Aria2Launcher> launcher;
  private final Supplier<AppConfig.Supervisor> config;
  private final boolean pickedPort;

  ProcessStarter(
      Vertx vertx,
      Context context,
      WebClient web,
      RpcObserver observer,
      Supplier<Aria2Launcher> launcher,
      Supplier<AppConfig.Supervisor> config,
      boolean pickedPort) {
    this.vertx = vertx;
    this.context = context;
    this.web = web;
    this.observer = observer;
    this.launcher = launcher;
    this.config = config;
    this.pickedPort = pickedPort;
  }

  @Override
  public Future<Aria2Run> start(BooleanSupplier cancelled, Consumer<Aria2Run> spawned) {
    return attempt(ATTEMPTS, cancelled, spawned);
  }

  private Future<Aria2Run> attempt(
      int attemptsLeft, BooleanSupplier cancelled, Consumer<Aria2Run> spawned) {
    long spawnNanos = System.nanoTime();
    Aria2Launcher l = launcher.get();
    return vertx
        .executeBlocking(l::launch)
        .compose(
            launched -> {
              SpawnedAria2 handle =
                  new SpawnedAria2(
                      vertx,
                      context,
                      launched.process(),
                      new Aria2Rpc(web, launched.endpoint(), observer));
              Aria2Run r = new Aria2Run(handle);
              spawned.accept(r);
              return ReadinessProbe.await(
                      vertx,
                      handle.rpc(),
                      handle.process(),
                      config.get().startupTimeout(),
                      cancelled)
                  .compose(
                      ready -> {
                        if (cancelled.getAsBoolean()) {
                          return Future.failedFuture(
                              "aria2c start was cancelled by a stop request");
                        }
                        r.ready(ready, (System.nanoTime() - spawnNanos) / 1_000_000);
                        return Future.succeededFuture(r);
                      },
                      err ->
                          cancelled.getAsBoolean()
                              ? Future.failedFuture(err)
                              : abandon(r, handle, err))
                  .recover(
                      err ->
                          attemptsLeft > 1
                                  && pickedPort
                                  && !cancelled.getAsBoolean()
                                  && lostPortRace(handle)
                              ? attempt(attemptsLeft - 1, cancelled, spawned)
                              : Future.failedFuture(err));
            });
  }

  private static boolean lostPortRace(SpawnedAria2 handle) {
    return handle.process().outputTail(2000).contains("Failed to setup RPC server");
  }

  /**
   * A start that did not become ready: kill what was spawned. An aria2c that was killed by a signal
   * before it was ready crashed ({@link StartCrash}); one that exited on its own refused to start,
   * and the failure says why in its words.
   */
  private Future<Aria2Run> abandon(Aria2Run r, SpawnedAria2 handle, Throwable err) {
    r.expectedExit = true;
    handle.kill();
    return Future.fromCompletionStage(handle.onExit(), context)
        .timeout(5, TimeUnit.SECONDS)
        .transform(
            ar -> {
              if (!(err instanceof ReadinessProbe.ExitedBeforeReady) || ar.failed()) {
                return Future.failedFuture(err);
              }
              int code = ar.result();
              // Java reports a death by signal N as 128 + N
              return Future.failedFuture(
                  code > 128
                      ? new StartCrash(
                          "aria2c (pid "
                              + r.pid()
                              + ") was killed by signal "
                              + (code - 128)
                              + " before it was ready")
                      : new IllegalStateException(
                          "aria2c (pid "
                              + r.pid()
                              + ") exited with code "
                              + code
                              + " before answering: "
                              + handle.process().outputTail(400)));
            });
  }
}
