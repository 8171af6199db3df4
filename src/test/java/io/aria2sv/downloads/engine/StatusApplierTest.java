package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.DownloadStatus;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link StatusApplier}: aria2's reports move a download only when they are about its current GID,
 * and progress samples say when a figure changed.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class StatusApplierTest extends EngineTestBase {

  private Download[] sample(Download d, long completed) throws Exception {
    Download[] changed = new Download[1];
    JsonObject st =
        new JsonObject()
            .put("gid", d.gid)
            .put("status", "active")
            .put("completedLength", String.valueOf(completed))
            .put("totalLength", "100")
            .put("downloadSpeed", "10");
    h.run(() -> changed[0] = h.manager.applier().progress(st));
    return changed;
  }

  @Test
  void aProgressSampleReturnsTheDownloadOnlyWhenAFigureChanged() throws Exception {
    Download d = h.added();

    assertThat(sample(d, 10)[0]).isSameAs(d);
    assertThat(sample(d, 10)[0]).as("the same figures again").isNull();
    assertThat(sample(d, 20)[0]).isSameAs(d);
    assertThat(d.completedLength).isEqualTo(20);
  }

  @Test
  void aReportAboutAnEarlierGidOfTheDownloadIsIgnored() throws Exception {
    Download d = h.added();
    String old = d.gid;
    h.run(
        () -> {
          d.gid = "00000000000000c2";
          d.gids.add(d.gid);
        });
    h.aria2.status(old, "error", "errorCode", "3", "errorMessage", "not found");

    h.run(() -> h.manager.onNotification("aria2.onDownloadError", old));
    h.run(
        () ->
            h.manager.applier().apply(d, new JsonObject().put("gid", old).put("status", "error")));

    assertThat(d.status).isEqualTo(DownloadStatus.WAITING);
    assertThat(h.aria2.calls("aria2.tellStatus")).as("not even read").isEmpty();
  }

  @Test
  void anEndedDownloadIsNotMovedByALateReport() throws Exception {
    Download d = h.added();
    h.aria2.status(d.gid, "complete", "completedLength", "10", "totalLength", "10");
    h.run(() -> h.manager.onNotification("aria2.onDownloadComplete", d.gid));

    h.run(
        () ->
            h.manager
                .applier()
                .apply(d, new JsonObject().put("gid", d.gid).put("status", "active")));

    assertThat(d.status).isEqualTo(DownloadStatus.COMPLETE);
    assertThat(h.typesOf(d.id)).containsExactly("added", "complete");
  }

  @Test
  void aDownloadShownRunningThatAria2NoLongerRunsIsReadAgain() throws Exception {
    Download d = h.added();
    h.aria2.status(d.gid, "active");
    h.run(() -> h.manager.onNotification("aria2.onDownloadStart", d.gid));
    h.aria2.status(d.gid, "complete", "completedLength", "10", "totalLength", "10");

    h.run(() -> h.manager.applier().recheckVanished(Set.of()));

    assertThat(d.status).isEqualTo(DownloadStatus.COMPLETE);
  }

  @Test
  void aRunningDownloadAmongAria2sActiveOnesIsNotReadAgain() throws Exception {
    Download d = h.added();
    h.aria2.status(d.gid, "active");
    h.run(() -> h.manager.onNotification("aria2.onDownloadStart", d.gid));
    int reads = h.aria2.calls("aria2.tellStatus").size();

    h.run(() -> h.manager.applier().recheckVanished(Set.of(d.gid)));

    assertThat(h.aria2.calls("aria2.tellStatus")).hasSize(reads);
  }
}
