package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.rpc.Aria2Call;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Reconciler}: after a (re)connection, aria2 and the registry are brought together. aria2
 * runs nothing the registry does not know, and loses nothing the registry holds.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ReconcilerTest extends EngineTestBase {

  @Test
  void aWaitingDownloadAria2LostIsAddedAgainUnderItsOwnGidWhenTheWindowOpens() throws Exception {
    Download d = h.added();
    h.aria2.forget(d.gid); // aria2c restarted without it

    h.on(() -> h.manager.reconcile());
    assertThat(d.held).as("queued in the registry after the reconcile").isFalse();
    h.run(h.manager::openWindow);

    // the window adds it through the add coalescer, in its next multicall
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> h.read(() -> h.aria2.calls("aria2.addUri").size() == 2));
    assertThat(h.aria2.calls("aria2.addUri"))
        .extracting(c -> c.params().getJsonObject(1).getString("gid"))
        .containsExactly(d.gid, d.gid);
    assertThat(d.status).isEqualTo(DownloadStatus.WAITING);
  }

  @Test
  void aGidTheRegistryDoesNotKnowIsRemovedFromAria2() throws Exception {
    h.added();
    h.aria2.status("00000000000000ff", "active"); // left from a session of another time

    assertTheReconcileRemovesOnly("00000000000000ff");
  }

  /**
   * Reconciles, and expects aria2 to be asked to remove these GIDs and no other (sent after the
   * reconcile's answer, in the next multicall of commands).
   */
  private void assertTheReconcileRemovesOnly(String... gids) throws Exception {
    h.on(() -> h.manager.reconcile());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> h.read(() -> !h.aria2.calls("aria2.forceRemove").isEmpty()));
    assertThat(h.aria2.calls("aria2.forceRemove"))
        .extracting(c -> c.params().getString(0))
        .containsExactly(gids);
  }

  @Test
  void anOlderGidOfADownloadThatAria2StillRunsIsRemoved() throws Exception {
    Download d = h.added();
    String old = d.gid;
    // given back to the queue under a new GID, and the JVM died before aria2 removed the old one
    h.run(
        () -> {
          d.gid = "00000000000000fe";
          d.gids.add(d.gid);
        });

    assertTheReconcileRemovesOnly(old);
  }

  @Test
  void whatAria2ReportsIsAdoptedAsTheDownloadsStatus() throws Exception {
    Download d = h.added();
    h.aria2.status(d.gid, "active", "completedLength", "5", "totalLength", "10");

    h.on(() -> h.manager.reconcile());

    assertThat(d.status).isEqualTo(DownloadStatus.ACTIVE);
    assertThat(d.completedLength).isEqualTo(5);
    assertThat(h.aria2.calls("aria2.addUri")).hasSize(1);
  }

  @Test
  void aDownloadThatEndedHereIsStoppedAgainWhenAria2BringsItBack() throws Exception {
    Download d = h.added();
    h.on(() -> h.manager.commands().remove(d, false));
    assertThat(d.status).isEqualTo(DownloadStatus.REMOVED);
    // aria2's result of the removal is dropped after it, in the next multicall of commands
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> h.read(() -> !h.aria2.calls("aria2.removeDownloadResult").isEmpty()));
    h.run(() -> h.aria2.status(d.gid, "waiting")); // aria2c restored it from an older session

    h.on(() -> h.manager.reconcile());

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> h.read(() -> h.aria2.calls("aria2.forceRemove").size() == 2));
    assertThat(h.aria2.calls("aria2.forceRemove"))
        .extracting(c -> c.params().getString(0))
        .containsExactly(d.gid, d.gid);
    assertThat(d.status).isEqualTo(DownloadStatus.REMOVED);
  }

  @Test
  void aPauseThatCrossedTheReconcileReadsIsNotUndone() throws Exception {
    Download d = h.added();
    h.aria2.status(d.gid, "active").hold("aria2.tellActive");
    h.run(() -> h.manager.reconcile());
    h.on(() -> h.manager.commands().pause(d)); // aria2 now says paused
    h.run(() -> h.aria2.release("aria2.tellActive")); // the reads from before the pause

    assertThat(d.status).isEqualTo(DownloadStatus.PAUSED);
    assertThat(h.aria2.calls()).extracting(Aria2Call::method).contains("aria2.tellStatus");
  }
}
