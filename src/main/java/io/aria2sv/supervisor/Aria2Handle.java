package io.aria2sv.supervisor;

import io.aria2sv.rpc.Aria2Rpc;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * What the lifecycle asks of one running aria2c: how to tell it ended, whether it answers, how to
 * stop it and how to kill it. {@link SpawnedAria2} is the real process; the lifecycle's unit tests
 * use fakes.
 */
interface Aria2Handle {
  long pid();

  /** The RPC port it listens on. */
  int port();

  /** The RPC client with its secret; null for a handle that has none (tests). */
  Aria2Rpc rpc();

  /** Completes with the exit code when the process ends, on any thread. */
  CompletionStage<Integer> onExit();

  /** One health probe ({@code aria2.getVersion}) within {@code timeout}. */
  Future<Void> probe(Duration timeout);

  /** SIGKILL; works on a stopped process too. */
  void kill();

  /** The graceful stop ladder: save the session, SIGINT, SIGTERM, SIGKILL. */
  Future<StopLadder.Result> stop(Duration shutdownTimeout, Duration rpcTimeout);
}
