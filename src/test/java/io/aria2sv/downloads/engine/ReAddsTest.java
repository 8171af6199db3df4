package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.config.AppConfig;
import io.aria2sv.rpc.Aria2Call;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ReAdds}: a failure worth retrying is re-added under a new GID with the same id, counted
 * and recorded, up to the limit; any other failure is final.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReAddsTest extends EngineTestBase {
  /** Re-adds of aria2 errors 1, 2 and 6, at most 2, 20 ms apart. */
  private static final AppConfig.Downloads QUICK =
      new AppConfig.Downloads(
          true,
          2,
          Duration.ofMillis(20),
          Duration.ofSeconds(1),
          Set.of(1, 2, 6),
          Duration.ZERO,
          1.0,
          Duration.ofHours(1),
          -1,
          Duration.ofMinutes(1),
          10_000);

  @Override
  AppConfig.Downloads settings() {
    return QUICK;
  }

  private void fails(Download d, int code) throws Exception {
    h.aria2.status(d.gid, "error", "errorCode", String.valueOf(code), "errorMessage", "boom");
    h.run(() -> h.manager.onNotification("aria2.onDownloadError", d.gid));
  }

  @Test
  void aRetryableFailureIsReAddedUnderANewGidWithTheSameId() throws Exception {
    Download d = h.added();
    String first = d.gid;

    fails(d, 2);

    await().atMost(Duration.ofSeconds(5)).until(() -> h.read(() -> !d.gid.equals(first)));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> h.read(() -> d.status == DownloadStatus.WAITING));
    assertThat(d.gids).containsExactly(first, d.gid);
    assertThat(d.retryCount).isEqualTo(1);
    assertThat(d.errors).extracting(Download.Failure::gid).containsExactly(first);
    assertThat(h.aria2.calls("aria2.addUri"))
        .extracting(c -> c.params().getJsonObject(1).getString("gid"))
        .containsExactly(first, d.gid);
    assertThat(h.typesOf(d.id)).containsExactly("added", "retrying", "waiting");
  }

  @Test
  void aFailureThatIsNotWorthRetryingIsFinal() throws Exception {
    Download d = h.added();

    fails(d, 3); // resource not found

    assertThat(d.status).isEqualTo(DownloadStatus.FAILED);
    assertThat(d.errorCode).isEqualTo(3);
    assertThat(h.aria2.calls("aria2.addUri")).hasSize(1);
    assertThat(h.typesOf(d.id)).containsExactly("added", "failed");
  }

  @Test
  void reAddsStopAtTheLimitAndTheDownloadFails() throws Exception {
    Download d = h.added();
    for (int i = 1; i <= 2; i++) {
      String before = d.gid;
      fails(d, 2);
      await().atMost(Duration.ofSeconds(5)).until(() -> h.read(() -> !d.gid.equals(before)));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> h.read(() -> d.status == DownloadStatus.WAITING));
    }

    fails(d, 2);

    assertThat(d.status).isEqualTo(DownloadStatus.FAILED);
    assertThat(d.retryCount).isEqualTo(2);
    assertThat(d.errors).hasSize(3);
    assertThat(h.aria2.calls("aria2.addUri")).hasSize(3);
  }

  @Test
  void aSecondErrorReportOfTheSameAttemptIsIgnored() throws Exception {
    Download d = h.added();
    fails(d, 3);
    h.run(() -> h.manager.onNotification("aria2.onDownloadError", d.gid));

    assertThat(d.errors).hasSize(1);
    assertThat(h.typesOf(d.id)).containsExactly("added", "failed");
    assertThat(h.aria2.calls()).extracting(Aria2Call::method).doesNotContain("aria2.unpause");
  }
}
