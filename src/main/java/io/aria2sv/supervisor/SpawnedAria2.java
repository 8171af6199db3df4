package io.aria2sv.supervisor;

import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2Rpc;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** A real aria2c process and the RPC client that speaks to it. */
final class SpawnedAria2 implements Aria2Handle {
  private final Vertx vertx;
  private final Context context;
  private final Aria2Process process;
  private final Aria2Rpc rpc;

  SpawnedAria2(Vertx vertx, Context context, Aria2Process process, Aria2Rpc rpc) {
    this.vertx = vertx;
    this.context = context;
    this.process = process;
    this.rpc = rpc;
  }

  Aria2Process process() {
    return process;
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public int port() {
    return rpc.endpoint().port();
  }

  @Override
  public Aria2Rpc rpc() {
    return rpc;
  }

  @Override
  public CompletionStage<Integer> onExit() {
    return process.onExit();
  }

  @Override
  public Future<Void> probe(Duration timeout) {
    return rpc.call(Aria2Call.getVersion(), timeout).mapEmpty();
  }

  @Override
  public void kill() {
    process.kill();
  }

  @Override
  public Future<StopLadder.Result> stop(Duration shutdownTimeout, Duration rpcTimeout) {
    return StopLadder.stop(vertx, context, process, rpc, shutdownTimeout, rpcTimeout)
        .eventually(
            () ->
                vertx.executeBlocking(
                    () -> {
                      process.deletePidFile();
                      return null;
                    }));
  }
}
