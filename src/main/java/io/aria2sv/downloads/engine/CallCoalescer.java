package io.aria2sv.downloads.engine;

import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Sends single RPC calls to aria2 in {@code system.multicall} groups, the way the registry commits
 * writes in groups: calls that become ready while earlier ones are on the wire leave together in
 * the next multicall, with at most {@link #MAX_IN_FLIGHT} multicalls outstanding. A call made while
 * the line is idle leaves at once, after the current event-loop task, so the calls released by one
 * registry commit share one request. aria2 handles a multicall of many calls for little more than
 * the cost of one, so under load this raises the add rate several times and lets a command on
 * thousands of downloads take a few requests (adds and, through {@link BatchingAria2}, commands and
 * status reads), and at low load it adds no delay.
 *
 * <p>Each call gets its own answer: its result, or the {@code Aria2RpcException} aria2 gave that
 * call, or the failure of the whole multicall. Confined to one context.
 */
final class CallCoalescer {
  /** Multicalls outstanding at once: one on the wire while the next fills up. */
  static final int MAX_IN_FLIGHT = 2;

  private record Pending(Aria2Call call, int size, Promise<Object> answer) {}

  private final Context context;
  private final Function<List<Aria2Call>, Future<List<Object>>> multicall;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  private boolean flushScheduled;

  /**
   * @param multicall sends {@code {methodName, params}} calls as one multicall; each element of the
   *     answer is a call's result or the exception for that call
   */
  CallCoalescer(Context context, Function<List<Aria2Call>, Future<List<Object>>> multicall) {
    this.context = context;
    this.multicall = multicall;
  }

  /**
   * Queues {@code call} ({@code {methodName, params}}) of about {@code size} bytes once encoded.
   *
   * @return the call's own result
   */
  Future<Object> submit(Aria2Call call, int size) {
    Promise<Object> answer = Promise.promise();
    queue.add(new Pending(call, size, answer));
    scheduleFlush();
    return answer.future();
  }

  /** Calls queued and not yet sent. */
  int queued() {
    return queue.size();
  }

  private void scheduleFlush() {
    if (!flushScheduled && inFlight < MAX_IN_FLIGHT && !queue.isEmpty()) {
      flushScheduled = true;
      context.runOnContext(
          v -> {
            flushScheduled = false;
            flush();
          });
    }
  }

  private void flush() {
    while (inFlight < MAX_IN_FLIGHT && !queue.isEmpty()) {
      List<Pending> group = take();
      inFlight++;
      multicall
          .apply(group.stream().map(Pending::call).toList())
          .onComplete(
              ar -> {
                inFlight--;
                if (ar.succeeded() && ar.result().size() != group.size()) {
                  Aria2RpcException odd =
                      Aria2RpcException.transport(
                          "system.multicall",
                          "aria2 answered " + ar.result().size() + " of " + group.size() + " calls",
                          null);
                  group.forEach(p -> p.answer().fail(odd));
                  scheduleFlush();
                  return;
                }
                for (int i = 0; i < group.size(); i++) {
                  Promise<Object> answer = group.get(i).answer();
                  if (ar.failed()) {
                    answer.fail(ar.cause());
                  } else if (ar.result().get(i) instanceof Throwable refused) {
                    answer.fail(refused);
                  } else {
                    answer.complete(ar.result().get(i));
                  }
                }
                scheduleFlush();
              });
    }
  }

  /** The head of the queue, as much as fits in one multicall (see {@link BatchChunks}). */
  private List<Pending> take() {
    List<Pending> group = new ArrayList<>();
    int bytes = 0;
    while (!queue.isEmpty() && group.size() < BatchChunks.MAX_CALLS) {
      int size = queue.peek().size();
      if (!group.isEmpty() && bytes + size > BatchChunks.MAX_BYTES) {
        break;
      }
      group.add(queue.poll());
      bytes += size;
    }
    return group;
  }
}
