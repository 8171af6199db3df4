package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.DownloadStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link AddsInFlight}: a second add of the same request answers with the first one's outcome, and
 * a command waits until every re-add of its download has been answered.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AddsInFlightTest {
  private final AddsInFlight inFlight = new AddsInFlight();
  private final Download d =
      new Download(
          "d1", null, EngineHarness.request(), 1L, "00000000000000a1", DownloadStatus.FAILED);
  private final List<String> order = new ArrayList<>();

  @Test
  void aFirstAddIsFoundWhileUnderWayAndForgottenOnceAnswered() {
    Promise<Download> add = Promise.promise();
    Future<Download> recorded = inFlight.firstAdd("d1", add.future());

    assertThat(inFlight.firstAddOf("d1")).isSameAs(recorded);
    add.complete(d);
    assertThat(inFlight.firstAddOf("d1")).isNull();
  }

  @Test
  void aCommandWaitsForEveryReAddUnderWayThenRunsOnce() {
    Promise<String> first = Promise.promise();
    Promise<String> second = Promise.promise();
    inFlight.reAdd(d, first.future().onSuccess(order::add));
    inFlight.reAdd(d, second.future().onSuccess(order::add));
    assertThat(AddsInFlight.reAddUnderway(d)).isTrue();

    Future<String> command =
        inFlight.afterReAdds(
            d,
            () -> {
              order.add("pause");
              return Future.succeededFuture("paused");
            });
    first.complete("re-add 1");
    assertThat(order).as("the second re-add is still unanswered").containsExactly("re-add 1");

    second.complete("re-add 2");
    assertThat(order).containsExactly("re-add 1", "re-add 2", "pause");
    assertThat(command.result()).isEqualTo("paused");
    assertThat(AddsInFlight.reAddUnderway(d)).isFalse();
  }

  @Test
  void aCommandStillRunsWhenTheReAddItWaitedForFailed() {
    Promise<String> reAdd = Promise.promise();
    inFlight.reAdd(d, reAdd.future());
    Future<String> command =
        inFlight.afterReAdds(
            d,
            () -> {
              order.add("remove");
              return Future.succeededFuture("removed");
            });

    reAdd.fail("no answer within 2000 ms");

    assertThat(order).containsExactly("remove");
    assertThat(command.succeeded()).isTrue();
  }

  @Test
  void aCommandWithNoReAddUnderWayRunsAtOnce() {
    inFlight.afterReAdds(
        d,
        () -> {
          order.add("resume");
          return Future.succeededFuture();
        });

    assertThat(order).containsExactly("resume");
  }
}
