package io.aria2sv.bus;

/**
 * The names of the cluster-wide structures (Infinispan caches, through Vert.x shared data) and the
 * node-scoped event-bus addresses. Values are {@link io.vertx.core.json.JsonObject}s.
 */
public final class ClusterMaps {
  private ClusterMaps() {}

  /**
   * Download id to {@code {id, node, status, gid, batchId, createdAt, request, download}}: every
   * download of the cluster, written by its owner on each change.
   */
  public static final String CATALOG = "aria2sv.catalog";

  /**
   * Info hash to {@code {data}} (the {@code .torrent} in base64), for a node that takes one over.
   */
  public static final String TORRENTS = "aria2sv.torrents";

  /** Request id ({@code Idempotency-Key}) to {@code {node}}: where the add with that id went. */
  public static final String REQUESTS = "aria2sv.requests";

  /**
   * Node name to {@code {nodeId, leaving?}}: the nodes whose downloads have not been taken over.
   */
  public static final String MEMBERS = "aria2sv.members";

  /** Node name to {@code {downloads: [{id, gid, to}]}}: what was taken over while it was away. */
  public static final String HANDOVERS = "aria2sv.handovers";

  /**
   * The node-scoped address at which a node notes another's lease renewal: {@code {from}}; reply
   * {@code {node}} (see {@code io.aria2sv.cluster.Leases}).
   */
  public static final String LEASE = "aria2sv.lease";

  /**
   * On each node ({@link #onNode}): {@code {node}} answered with {@code {record}}, this node's copy
   * of {@code node}'s {@link #HANDOVERS} record (see {@code io.aria2sv.cluster.HandoverRecords}).
   */
  public static final String HANDOVERS_OF = "aria2sv.handovers-of";

  /**
   * This node's local address that fences its downloads or lifts the fence: {@code {fenced, why}}.
   * Fenced, aria2c holds none of them (their partial files stay) and none is sent to it.
   */
  public static final String FENCE = "aria2sv.fence";

  /**
   * This node's local address that drops downloads other nodes took over while it was fenced:
   * {@code {ids}}; they leave memory and the registry, never run here again. Reply {@code
   * {dropped}}.
   */
  public static final String DROP_TAKEN_OVER = "aria2sv.drop-taken-over";

  /**
   * Published on this node alone when cluster views merged (after a partition, a stall, or nodes
   * that started apart): the shared maps kept the other side's entries, so what this node keeps
   * there (its member entry, its downloads in the catalog) is written again.
   */
  public static final String MERGED = "aria2sv.merged";

  /** Held while a node joins or takes over a lost one's downloads: one at a time, exactly once. */
  public static final String TAKEOVER_LOCK = "aria2sv.takeover";

  /** Lock name to {@code "<node> <token>"}: the cluster's locks, each held by one node. */
  public static final String LOCKS = "aria2sv.locks";

  /** The address at which node {@code node} itself answers {@code address}. */
  public static String onNode(String node, String address) {
    return "aria2sv.node." + node + "." + address;
  }

  /**
   * The node-scoped address of an adoption of a lost node's downloads, queued in the order given:
   * {@code {from, downloads: [{id, batchId, createdAt, request, paused}]}}; reply {@code {node}}.
   */
  public static final String ADOPT = "aria2.downloads.adopt";

  /** A local map holding the download ids handed over while this node was away, until dropped. */
  public static final String HANDED_OVER_LOCAL = "aria2sv.handed-over";
}
