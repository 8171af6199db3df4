package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.downloads.request.DownloadRequest;
import io.aria2sv.rpc.Aria2Call;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Window}: aria2 holds at most max-concurrent-downloads plus the margin (5 and 5 here); a
 * download that leaves aria2 lets the next of the queue in, and a command on that one waits for its
 * add.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WindowTest extends EngineTestBase {
  private Download add(int i) throws Exception {
    DownloadRequest r =
        new DownloadRequest(
            List.of("http://127.0.0.1:9/" + i), "", "w" + i + ".bin", Map.of(), null);
    return h.manager.find(h.on(() -> h.manager.adds().add(r)).getString("id"));
  }

  private List<String> addedGids() {
    return h.aria2.calls("aria2.addUri").stream()
        .map(c -> c.params().getJsonObject(1).getString("gid"))
        .toList();
  }

  @Test
  void aFreedSlotTakesTheNextOfTheQueueAndAPauseOfItWaitsForItsAdd() throws Exception {
    List<Download> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      all.add(add(i));
    }
    assertThat(h.read(this::addedGids)).hasSize(10);
    Download next = all.get(10);
    assertThat(next.held).isFalse();
    assertThat(next.status).isEqualTo(DownloadStatus.WAITING);

    // the first one ends: its slot goes to the next of the queue, whose add aria2 holds back
    h.aria2.hold("aria2.addUri");
    Download first = all.get(0);
    h.aria2.status(first.gid, "complete", "completedLength", "1", "totalLength", "1");
    h.run(() -> h.manager.onNotification("aria2.onDownloadComplete", first.gid));
    await().atMost(Duration.ofSeconds(5)).until(() -> h.read(this::addedGids).size() == 11);
    assertThat(h.read(this::addedGids).get(10)).isEqualTo(next.gid);
    assertThat(all.get(11).held).as("one slot, one download").isFalse();

    AtomicReference<Future<Download>> pause = new AtomicReference<>();
    h.run(() -> pause.set(h.manager.commands().pause(next)));
    assertThat(pause.get().isComplete()).as("the pause waits for the add").isFalse();
    assertThat(h.read(() -> h.aria2.calls("aria2.forcePause"))).isEmpty();

    h.run(() -> h.aria2.release("aria2.addUri"));
    await().atMost(Duration.ofSeconds(5)).until(() -> pause.get().isComplete());
    assertThat(pause.get().succeeded()).isTrue();
    List<Aria2Call> calls = h.read(() -> List.copyOf(h.aria2.calls()));
    int added = -1;
    int paused = -1;
    for (int i = 0; i < calls.size(); i++) {
      Aria2Call c = calls.get(i);
      if (c.method().equals("aria2.addUri")
          && next.gid.equals(c.params().getJsonObject(1).getString("gid"))) {
        added = i;
      }
      if (c.method().equals("aria2.forcePause") && next.gid.equals(c.params().getString(0))) {
        paused = i;
      }
    }
    assertThat(paused).as("forcePause after the add").isGreaterThan(added);
    assertThat(next.status).isEqualTo(DownloadStatus.PAUSED);
  }
}
