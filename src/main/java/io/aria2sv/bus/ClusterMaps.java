package io.aria2sv.bus;

/**
 * The names of the cluster-wide structures (Hazelcast, through Vert.x shared data) and the
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

  /** Held while a node joins or takes over a lost one's downloads: one at a time, exactly once. */
  public static final String TAKEOVER_LOCK = "aria2sv.takeover";

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
