package io.aria2sv.downloads.engine;

import io.aria2sv.rpc.Aria2;
import io.aria2sv.rpc.Aria2Call;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.List;

/**
 * aria2 with the single calls of one event-loop turn sent together in one {@code system.multicall}
 * ({@link CallCoalescer}): a command on one download costs one request as before, while a command
 * on 5,000 (pause all, a bulk action) costs ten multicalls instead of 10,000 requests. Each call
 * keeps its own answer or error.
 */
final class BatchingAria2 implements Aria2 {
  /** What a command or a status read weighs in a multicall, about (they are small). */
  private static final int CALL_SIZE = 256;

  private final Aria2 aria2;
  private final CallCoalescer batches;

  BatchingAria2(Context context, Aria2 aria2) {
    this.aria2 = aria2;
    this.batches = new CallCoalescer(context, aria2::multicall);
  }

  @Override
  public Future<Object> call(Aria2Call call) {
    return batches.submit(call, CALL_SIZE);
  }

  @Override
  public Future<List<Object>> multicall(List<Aria2Call> calls) {
    return aria2.multicall(calls);
  }

  @Override
  public boolean running() {
    return aria2.running();
  }

  @Override
  public io.aria2sv.rpc.Aria2RpcException stopped() {
    return aria2.stopped();
  }
}
