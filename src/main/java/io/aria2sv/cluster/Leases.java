package io.aria2sv.cluster;

import io.aria2sv.bus.ClusterMaps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Leases on the nodes' downloads, renewed through a majority of the configured nodes ({@code
 * cluster.quorum}).
 *
 * <p>Every {@link #renewEvery()} this node asks each other node it knows, over the cluster's event
 * bus (TLS), to note its lease ({@link io.aria2sv.bus.ClusterMaps#LEASE}); each asks on its own
 * time-out, so that a frozen node holds nobody up. When the answers and this node make a majority,
 * its lease runs from the moment it asked: it holds it until {@code lease - fenceLead} after that;
 * past that, its downloads must stop in aria2c (the lead leaves time to stop them before the lease
 * runs out). A node that answers notes the moment the question reached it, later than the asker's;
 * it takes over the asker's downloads only {@code lease + margin} after the last one (the margin
 * covers clocks that run at different rates and the time a check takes). A question and its answer
 * cross the network both ways, so a node that others cannot hear never holds its lease. Times are
 * monotonic ({@link System#nanoTime()}), never wall clocks. Event-loop confined.
 */
final class Leases {
  private final Vertx vertx;
  private final String me;
  private final int quorum;
  private final long leaseNanos;
  private final long fenceLeadNanos;
  private final long marginNanos;
  private final long renewEveryNanos;
  private final Supplier<Collection<String>> others;
  private final Map<String, Long> heard = new HashMap<>();
  private final long born = System.nanoTime();
  private long renewedFrom = Long.MIN_VALUE;
  private final Supplier<String> viewTag;
  private int answered;
  private boolean agreed;
  private long lapsedFor;
  private boolean renewing;

  /**
   * {@code viewTag} names the view of the cluster's shared data this node has settled on (null
   * while it is still merging or moving data): a lease renewal tells whether the nodes that
   * answered are on the same one.
   */
  Leases(
      Vertx vertx,
      String me,
      int quorum,
      Duration lease,
      Supplier<Collection<String>> others,
      Supplier<String> viewTag) {
    this.vertx = vertx;
    this.me = me;
    this.viewTag = viewTag;
    this.quorum = quorum;
    this.leaseNanos = lease.toNanos();
    this.renewEveryNanos = leaseNanos / 6;
    this.fenceLeadNanos = leaseNanos / 3;
    this.marginNanos = leaseNanos / 4;
    this.others = others;
  }

  /** Answers the other nodes' questions: each one noted as heard from now. */
  void register() {
    vertx
        .eventBus()
        .<JsonObject>consumer(
            ClusterMaps.onNode(me, ClusterMaps.LEASE),
            m -> {
              heard.put(m.body().getString("from"), System.nanoTime());
              m.reply(new JsonObject().put("node", me).put("view", viewTag.get()));
            });
  }

  /** How often this node renews its lease. */
  Duration renewEvery() {
    return Duration.ofNanos(renewEveryNanos);
  }

  /** How many nodes make a majority. */
  int quorum() {
    return quorum;
  }

  /** How many nodes answered this node's last renewal, itself included. */
  int seen() {
    return answered + 1;
  }

  /** Why this node may not run downloads now, or null when it holds its lease. */
  String why() {
    if (holds()) {
      return null;
    }
    return renewedFrom == Long.MIN_VALUE
        ? "it has not reached a majority of the cluster yet ("
            + quorum
            + " nodes with itself;"
            + " it reached "
            + seen()
            + ")"
        : "it has not reached a majority of the cluster ("
            + quorum
            + " nodes with itself) for "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - renewedFrom)
            + " ms; it reached "
            + seen();
  }

  /** Whether this node may run its downloads now: its lease has not come near its end. */
  boolean holds() {
    return renewedFrom != Long.MIN_VALUE
        && System.nanoTime() - renewedFrom < leaseNanos - fenceLeadNanos;
  }

  /**
   * Renews this node's lease: asks every other node it knows at once, each on its own time-out;
   * renewed when the answers and this node make a majority. At most one renewal at a time.
   */
  Future<Boolean> renew() {
    if (renewing) {
      return Future.succeededFuture(false);
    }
    renewing = true;
    long from = System.nanoTime();
    DeliveryOptions o =
        new DeliveryOptions().setSendTimeout(TimeUnit.NANOSECONDS.toMillis(renewEveryNanos));
    List<Future<Message<JsonObject>>> asks = new ArrayList<>();
    for (String node : others.get()) {
      if (!node.equals(me)) {
        asks.add(
            vertx
                .eventBus()
                .<JsonObject>request(
                    ClusterMaps.onNode(node, ClusterMaps.LEASE),
                    new JsonObject().put("from", me),
                    o));
      }
    }
    return Future.join(asks)
        .transform(
            ar -> {
              int ok = 0;
              String mine = viewTag.get();
              boolean same = mine != null;
              for (Future<Message<JsonObject>> f : asks) {
                if (f.succeeded()) {
                  ok++;
                  same &= mine != null && mine.equals(f.result().body().getString("view"));
                }
              }
              answered = ok;
              agreed = same;
              renewing = false;
              if (ok + 1 >= quorum) {
                if (renewedFrom != Long.MIN_VALUE
                    && from - renewedFrom >= leaseNanos - fenceLeadNanos) {
                  lapsedFor = from - renewedFrom;
                }
                renewedFrom = Math.max(renewedFrom, from);
                return Future.succeededFuture(true);
              }
              return Future.succeededFuture(false);
            });
  }

  /**
   * Whether this node's lease ran out between two renewals (its last renewal started past the point
   * where its downloads had to stop): the others may have taken them over meanwhile, though it
   * holds a lease again. Stays so until {@link #clearLapse()}.
   */
  boolean lapsed() {
    return lapsedFor > 0;
  }

  /** Why the lease lapsed, for the log. */
  String lapse() {
    return "its lease ran out ("
        + TimeUnit.NANOSECONDS.toMillis(lapsedFor)
        + " ms between two renewals: stopped or cut off) before it was renewed";
  }

  /** The lapse is dealt with: this node fenced its downloads, or is about to rejoin. */
  void clearLapse() {
    lapsedFor = 0;
  }

  /**
   * Whether the nodes that answered the last renewal and this node have settled on the same view of
   * the cluster's shared data: until then, what this node reads of it may be its own side's copy
   * from before a partition or a stall.
   */
  boolean viewAgreed() {
    return agreed;
  }

  /**
   * Whether {@code node}'s lease has surely run out here: not heard from for {@code lease + margin}
   * (counted from this node's start when never heard from).
   */
  boolean expired(String node) {
    long since = heard.getOrDefault(node, born);
    return System.nanoTime() - since >= leaseNanos + marginNanos;
  }

  /** The lease's timings, for the log. */
  String describe() {
    return String.format(
        "lease %d ms, renewed every %d ms; downloads stop %d ms before it ends; taken over %d ms"
            + " after it ends; a majority is %d nodes",
        TimeUnit.NANOSECONDS.toMillis(leaseNanos),
        TimeUnit.NANOSECONDS.toMillis(renewEveryNanos),
        TimeUnit.NANOSECONDS.toMillis(fenceLeadNanos),
        TimeUnit.NANOSECONDS.toMillis(marginNanos),
        quorum);
  }
}
