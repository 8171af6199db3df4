package io.aria2sv.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * ClusterPartitionTest). Unlike JGroups' own experimental asynchronous bundler, a member that
 * cannot be sent to is logged once (a warning), and once when it is reached again, not as an error
 * with a stack trace for every message: JGroups retransmits, or drops the member.
 *
 * <p>Named by its class in {@code TP.setBundlerType}, which makes one per channel.
 */
public final class OwnThreadBundler extends NoBundler {
  private static final Logger LOG = LoggerFactory.getLogger(OwnThreadBundler.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Set<String> failing = ConcurrentHashMap.newKeySet();
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
          String to = msg.getDest() == null ? "all" : msg.getDest().toString();
          try {
            sendSingleMessage(msg, new ByteArrayDataOutputStream(msg.size() + 10));
          } catch (Exception e) {
            if (failing.add(to)) {
              LOG.warn(
                  "cannot send to cluster member {} (JGroups retransmits, or drops the member;"
                      + " said once until it is reached again): {}",
                  to,
                  e.toString());
            } else {
              LOG.debug("cannot send to cluster member {}: {}", to, e.toString());
            }
            return;
          }
          if (!failing.isEmpty() && failing.remove(to)) {
            LOG.info("cluster member {} is reached again", to);
          }
        });
  }

  @Override
  public void stop() {
    senders.shutdown();
  }
}
