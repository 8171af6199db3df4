package io.aria2sv.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.protocols.NoBundler;
import org.jgroups.util.ByteArrayDataOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JGroups' sending side: each message goes out on a thread of its own, so that a member that is cut
 * off (connection attempts that wait for their time-out, a socket buffer that no longer drains)
 * holds up only the messages to it. JGroups' default bundler sends everything on one thread: one
 * such member held up every message to the others for 15 s and more (measured in
 * ClusterPartitionTest). Unlike JGroups' own experimental asynchronous bundler, a message that
 * cannot be sent is logged as one warning per member and half minute, not as an error with a stack
 * trace each time: JGroups retransmits it, or drops the member.
 *
 * <p>Named by its class in {@code TP.setBundlerType}, which makes one per channel.
 */
public final class OwnThreadBundler extends NoBundler {
  private static final Logger LOG = LoggerFactory.getLogger(OwnThreadBundler.class);
  private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Map<String, Long> warned = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor senders =
      new ThreadPoolExecutor(
          0,
          200,
          30,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, "jgroups-send-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          },
          // all 200 busy (200 members each holding a thread up): the caller sends itself
          new ThreadPoolExecutor.CallerRunsPolicy());

  /** For JGroups, which makes it by its class name. */
  public OwnThreadBundler() {
    senders.allowCoreThreadTimeOut(true);
  }

  @Override
  public void send(Message msg) {
    senders.execute(
        () -> {
          try {
            sendSingleMessage(msg, new ByteArrayDataOutputStream(msg.size() + 10));
          } catch (Exception e) {
            failed(msg.getDest(), e);
          }
        });
  }

  private void failed(Address dest, Exception e) {
    long now = System.nanoTime();
    String key = dest == null ? "all" : dest.toString();
    Long last = warned.get(key);
    if (last == null || now - last > QUIET_NANOS) {
      warned.put(key, now);
      LOG.warn(
          "cannot send to cluster member {} (retransmitted, or the member is dropped; quiet for 30 s"
              + " about it): {}",
          key,
          e.toString());
    } else {
      LOG.debug("cannot send to cluster member {}: {}", dest, e.toString());
    }
  }

  @Override
  public void stop() {
    senders.shutdown();
  }
}
