package io.aria2sv.downloads;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link QueueWindowTest} again with memory holding only 10 queued downloads: the rest of each
 * queue waits in the registry alone (cold) and is read back as its turn nears, and every client
 * still sees, orders and pauses the whole queue as aria2 would.
 */
class ColdQueueWindowTest extends QueueWindowTest {
  @Override
  protected List<String> baseSettings() {
    List<String> s = new ArrayList<>(super.baseSettings());
    s.addAll(List.of("downloads.queueInMemory", "10"));
    return s;
  }

  @Override
  protected void queued(int n) throws Exception {
    int cold =
        stack.request(io.aria2sv.bus.Addresses.DOWNLOADS_HEALTH).getInteger("inRegistryOnly");
    org.assertj.core.api.Assertions.assertThat(cold)
        .as("queued downloads in the registry only")
        .isGreaterThanOrEqualTo(n - 10);
  }
}
