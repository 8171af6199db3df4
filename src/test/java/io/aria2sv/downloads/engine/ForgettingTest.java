package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.downloads.request.DownloadRequest;
import io.aria2sv.testing.SupervisorHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Forgetting#forgetEnded}: ended downloads go a page of {@value Forgetting#PAGE} per
 * transaction, and a pass that starts while an earlier one still has pages to go (the next tick of
 * {@code downloads.keepEnded}, a purge) leaves those to it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForgettingTest extends EngineTestBase {
  private static final int ENDED = 2 * Forgetting.PAGE + 100;

  @Test
  void aSecondPassLeavesToTheFirstTheDownloadsItHasStillToForget() throws Exception {
    List<Download> ended = new ArrayList<>();
    for (int i = 0; i < ENDED; i++) {
      DownloadRequest r =
          new DownloadRequest(
              List.of("http://127.0.0.1:9/e" + i),
              "",
              "e" + i + ".bin",
              Map.of("pause", "true"),
              null);
      Download d = h.manager.find(h.on(() -> h.manager.adds().add(r)).getString("id"));
      h.on(() -> h.manager.commands().remove(d, false));
      ended.add(d);
    }
    AtomicInteger first = new AtomicInteger(-1);
    AtomicInteger second = new AtomicInteger(-1);
    h.run(
        () -> {
          // nothing is cold here: both answer at once
          first.set(h.manager.forgetting().forgetEnded(Long.MAX_VALUE).result());
          second.set(h.manager.forgetting().forgetEnded(Long.MAX_VALUE).result());
        });
    assertThat(first.get()).isEqualTo(ENDED);
    assertThat(second.get()).as("downloads the first pass still forgets").isZero();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> SupervisorHarness.await(h.store.loadAll()).isEmpty());
    assertThat(h.read(() -> h.manager.all().size())).isZero();
  }
}
