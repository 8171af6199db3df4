package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.testing.FakeAria2;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CommandFence}: a status read that a command crosses is never taken for the state after the
 * command. FakeAria2 answers at once unless a method is held, so the tests run in milliseconds
 * without an event loop.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CommandFenceTest {
  private final FakeAria2 aria2 = new FakeAria2();
  private final CommandFence fence = new CommandFence(aria2);
  private final Download d =
      new Download(
          "d1", null, EngineHarness.request(), 1L, "00000000000000a1", DownloadStatus.ACTIVE);
  private final List<JsonObject> handed = new ArrayList<>();

  @Test
  void aReadNoCommandCrossesIsHandedOnAsItIs() {
    aria2.status(d.gid, "active");

    fence.readUncrossed(d, d.gid, ar -> handed.add(ar.result()));

    assertThat(handed).extracting(st -> st.getString("status")).containsExactly("active");
    assertThat(aria2.calls("aria2.tellStatus")).hasSize(1);
  }

  @Test
  void aReadCrossedByACommandIsReadAgainAndOnlyTheSecondIsHandedOn() {
    aria2.status(d.gid, "active").hold("aria2.tellStatus");
    fence.readUncrossed(d, d.gid, ar -> handed.add(ar.result()));

    fence.command(d, Aria2Call.forcePause(d.gid)); // answered at once: "paused"
    aria2.release("aria2.tellStatus"); // the read that began before the pause arrives

    assertThat(handed).extracting(st -> st.getString("status")).containsExactly("paused");
    assertThat(aria2.calls("aria2.tellStatus")).hasSize(2);
  }

  @Test
  void aReadCrossedByACommandStillUnansweredIsReadAgainAfterTheCommandWasSent() {
    aria2.status(d.gid, "active").hold("aria2.tellStatus").hold("aria2.forcePause");
    fence.readUncrossed(d, d.gid, ar -> handed.add(ar.result()));
    fence.command(d, Aria2Call.forcePause(d.gid)); // sent, its answer held

    aria2.release("aria2.tellStatus"); // the stale read; the read again is sent after the pause

    assertThat(handed).extracting(st -> st.getString("status")).containsExactly("paused");
    assertThat(aria2.calls("aria2.tellStatus")).hasSize(2);
    aria2.release("aria2.forcePause");
    assertThat(handed).hasSize(1);
  }

  @Test
  void aReadOfAGidTheDownloadNoLongerHasIsDropped() {
    aria2.status(d.gid, "error").hold("aria2.tellStatus");
    fence.readUncrossed(d, d.gid, ar -> handed.add(ar.result()));

    d.gid = "00000000000000a2"; // re-added meanwhile under a new GID
    aria2.release("aria2.tellStatus");

    assertThat(handed).isEmpty();
  }

  @Test
  void aCommandMarksTheDownloadsItCrossesInAReadOfMany() {
    Download other =
        new Download(
            "d2", null, EngineHarness.request(), 1L, "00000000000000b1", DownloadStatus.ACTIVE);
    aria2.status(d.gid, "active").status(other.gid, "active");
    Map<Download, Integer> marked = fence.mark(List.of(d, other));

    fence.command(d, Aria2Call.forcePause(d.gid));

    assertThat(CommandFence.crossed(d, marked)).isTrue();
    assertThat(CommandFence.crossed(other, marked)).isFalse();
  }
}
