package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** How {@link CallCoalescer} groups calls into multicalls and hands each call its own answer. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CallCoalescerTest {
  /** One multicall the fake aria2 has received and not answered yet. */
  private record Sent(List<Aria2Call> calls, Promise<List<Object>> answer) {}

  private final List<Sent> sent = new ArrayList<>();
  private Context ctx;
  private CallCoalescer coalescer;

  @BeforeEach
  void setUp(Vertx vertx) {
    ctx = vertx.getOrCreateContext();
    coalescer =
        new CallCoalescer(
            ctx,
            calls -> {
              Promise<List<Object>> answer = Promise.promise();
              sent.add(new Sent(calls, answer));
              return answer.future();
            });
  }

  private static Aria2Call call(int i) {
    return new Aria2Call("aria2.addUri", new JsonArray().add(i));
  }

  /** Runs {@code action} on the coalescer's context and waits for it, and for tasks it queued. */
  private <T> T on(Supplier<T> action) throws Exception {
    CompletableFuture<T> out = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          T result = action.get();
          ctx.runOnContext(w -> out.complete(result));
        });
    return out.get(5, TimeUnit.SECONDS);
  }

  private List<Future<Object>> submit(int from, int to) throws Exception {
    return on(
        () -> {
          List<Future<Object>> answers = new ArrayList<>();
          for (int i = from; i < to; i++) {
            answers.add(coalescer.submit(call(i), 100));
          }
          return answers;
        });
  }

  private static List<Object> results(List<Aria2Call> calls) {
    return new ArrayList<>(
        calls.stream().map(c -> (Object) ("gid-" + c.params().getInteger(0))).toList());
  }

  @Test
  void callsMadeInOneEventLoopTaskLeaveInOneMulticall() throws Exception {
    List<Future<Object>> answers = submit(0, 5);

    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).calls())
        .extracting(c -> c.params().getInteger(0))
        .containsExactly(0, 1, 2, 3, 4);
    on(() -> sent.get(0).answer().tryComplete(results(sent.get(0).calls())));
    assertThat(answers)
        .extracting(Future::result)
        .containsExactly("gid-0", "gid-1", "gid-2", "gid-3", "gid-4");
  }

  @Test
  void atMostTwoMulticallsAreOutstandingAndCallsQueuedMeanwhileLeaveTogether() throws Exception {
    submit(0, 1);
    submit(1, 2);
    List<Future<Object>> waiting = submit(2, 6);

    assertThat(sent).hasSize(CallCoalescer.MAX_IN_FLIGHT);
    assertThat(waiting).noneMatch(Future::isComplete);
    assertThat(on(coalescer::queued)).isEqualTo(4);

    on(() -> sent.get(0).answer().tryComplete(results(sent.get(0).calls())));

    assertThat(sent).hasSize(3);
    assertThat(sent.get(2).calls())
        .extracting(c -> c.params().getInteger(0))
        .containsExactly(2, 3, 4, 5);
  }

  @Test
  void eachCallGetsItsOwnRefusalAndTheOthersSucceed() throws Exception {
    List<Future<Object>> answers = submit(0, 3);
    Aria2RpcException refused = Aria2RpcException.aria2("aria2.addUri", 1, "No URI to download.");

    on(() -> sent.get(0).answer().tryComplete(new ArrayList<>(List.of("gid-0", refused, "gid-2"))));

    assertThat(answers.get(0).result()).isEqualTo("gid-0");
    assertThat(answers.get(1).cause()).isSameAs(refused);
    assertThat(answers.get(2).result()).isEqualTo("gid-2");
  }

  @Test
  void aFailedMulticallFailsEveryCallInItAndTheQueueMovesOn() throws Exception {
    List<Future<Object>> first = submit(0, 2);
    submit(2, 3);
    List<Future<Object>> later = submit(3, 4);
    Aria2RpcException down =
        Aria2RpcException.transport("system.multicall", "connection refused", null);

    on(() -> sent.get(0).answer().tryFail(down));

    assertThat(first).allMatch(f -> f.cause() == down);
    assertThat(later).noneMatch(Future::isComplete);
    assertThat(sent).hasSize(3);
  }

  @Test
  void anAnswerOfTheWrongLengthFailsEveryCallInsteadOfMixingThemUp() throws Exception {
    List<Future<Object>> answers = submit(0, 3);

    on(() -> sent.get(0).answer().tryComplete(new ArrayList<>(List.of("gid-0"))));

    assertThat(answers).allMatch(Future::failed);
    assertThat(answers.get(0).cause())
        .isInstanceOf(Aria2RpcException.class)
        .hasMessageContaining("1 of 3");
  }

  @Test
  void aGroupStaysUnderTheMulticallSizeLimit() throws Exception {
    int big = BatchChunks.MAX_BYTES / 3 + 1;
    on(
        () -> {
          for (int i = 0; i < 4; i++) {
            coalescer.submit(call(i), big);
          }
          return null;
        });

    assertThat(sent).hasSize(2);
    assertThat(sent.get(0).calls()).hasSize(2);
    assertThat(sent.get(1).calls()).hasSize(2);
  }
}
