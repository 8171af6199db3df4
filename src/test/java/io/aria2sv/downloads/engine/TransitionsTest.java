package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Transitions}: every change of status is published exactly once, never before the
 * download's {@code added}, and its public JSON is built once and reused by the reply.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TransitionsTest extends EngineTestBase {

  @Test
  void aMoveToTheStatusItHasPublishesNothing() throws Exception {
    Download d = h.added();
    h.run(() -> h.manager.applier().apply(d, new JsonObject().put("status", "waiting")));

    assertThat(h.typesOf(d.id)).containsExactly("added");
  }

  @Test
  void eachMoveIsPublishedOnceInOrder() throws Exception {
    Download d = h.added();
    h.aria2.status(d.gid, "active");
    h.run(() -> h.manager.onNotification("aria2.onDownloadStart", d.gid));
    h.run(() -> h.manager.onNotification("aria2.onDownloadStart", d.gid)); // a repeat
    h.aria2.status(d.gid, "complete", "completedLength", "10", "totalLength", "10");
    h.run(() -> h.manager.onNotification("aria2.onDownloadComplete", d.gid));

    assertThat(h.typesOf(d.id)).containsExactly("added", "active", "complete");
  }

  @Test
  void aStatusReachedBeforeTheFirstAddWasAcknowledgedFollowsAdded() throws Exception {
    h.aria2.hold("aria2.addUri");
    h.run(() -> h.manager.adds().add(EngineHarness.request()));
    Download d = h.manager.all().iterator().next();
    h.aria2.status(d.gid, "active");
    h.run(() -> h.manager.onNotification("aria2.onDownloadStart", d.gid));
    assertThat(h.typesOf(d.id)).as("nothing before the add is acknowledged").isEmpty();

    h.run(() -> h.aria2.release("aria2.addUri"));

    // acknowledged once the registry (on a worker) has it too
    await().atMost(Duration.ofSeconds(5)).until(() -> h.typesOf(d.id).size() >= 2);
    assertThat(h.typesOf(d.id)).containsExactly("added", "active");
  }

  @Test
  void theJsonBuiltForAChangeIsSharedByTheCatalogAndTheReply() throws Exception {
    List<JsonObject> catalogued = new ArrayList<>();
    h.downloadEvents.catalog(
        new DownloadEvents.Catalog() {
          @Override
          public void put(Download d, JsonObject download) {
            catalogued.add(download);
          }

          @Override
          public void remove(Collection<String> gone) {}
        });
    Download d = h.added();
    h.aria2.status(d.gid, "active");
    h.run(() -> h.manager.onNotification("aria2.onDownloadStart", d.gid));
    JsonObject[] reply = new JsonObject[2];
    h.run(() -> reply[0] = h.manager.json(d));
    h.run(() -> reply[1] = h.manager.json(d));

    assertThat(catalogued).hasSize(2); // added, active
    assertThat(catalogued.get(1).getString("status")).isEqualTo("active");
    assertThat(reply[0]).as("the reply reuses the JSON of the change").isSameAs(catalogued.get(1));
    assertThat(reply[1]).isSameAs(reply[0]);
  }

  @Test
  void aFigureChangedWithoutATransitionIsShownInTheNextJson() throws Exception {
    Download d = h.added();
    JsonObject[] before = new JsonObject[1];
    h.run(() -> before[0] = h.manager.json(d));

    h.run(() -> d.completedLength = 5); // as a progress sample does
    JsonObject[] after = new JsonObject[1];
    h.run(() -> after[0] = h.manager.json(d));

    assertThat(after[0].getLong("completedLength")).isEqualTo(5);
    assertThat(before[0].getLong("completedLength")).isZero();
  }

  @Test
  void aDownloadThatHasNotMovedIsNotStoredAgain() throws Exception {
    Download d = h.added();
    long updated = d.updatedAt;
    h.run(() -> h.manager.applier().apply(d, new JsonObject().put("status", "waiting")));

    assertThat(d.updatedAt).isEqualTo(updated);
    assertThat(d.status).isEqualTo(DownloadStatus.WAITING);
  }

  @Test
  void aReportAboutADownloadForgottenMeanwhileChangesNothing() throws Exception {
    Download d = h.added();
    h.aria2.status(d.gid, "removed");
    h.run(() -> h.manager.onNotification("aria2.onDownloadStop", d.gid));
    await().atMost(Duration.ofSeconds(5)).until(() -> d.status == DownloadStatus.REMOVED);
    h.on(() -> h.manager.forgetting().forget(d));
    int removed = h.on(() -> Future.succeededFuture(h.manager.size()));
    // a late report about it, as a status read answered after the forget would bring
    h.run(() -> h.manager.transitions().move(d, DownloadStatus.FAILED));
    h.run(() -> h.manager.transitions().changed(d));

    assertThat(h.typesOf(d.id)).doesNotContain("failed", "changed");
    assertThat(h.on(() -> Future.succeededFuture(h.manager.size()))).isEqualTo(removed);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                SupervisorHarness.await(h.store.loadAll()).stream()
                    .noneMatch(row -> row.id().equals(d.id)));
    assertThat(SupervisorHarness.await(h.store.loadAll()))
        .as("the row stays forgotten")
        .noneMatch(row -> row.id().equals(d.id));
  }
}
