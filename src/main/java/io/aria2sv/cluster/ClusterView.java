package io.aria2sv.cluster;

import io.aria2sv.bus.ClusterMaps;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Which supervisor nodes are live, by name: the {@link ClusterMaps#MEMBERS} entries whose Vert.x
 * node id is still among the cluster manager's members and that are not leaving. Refreshed by
 * {@link ClusterNode} every second; read on the event loop.
 */
final class ClusterView {
  private static final long REFRESH_TIMEOUT_MILLIS = 2000;
  private final ClusterManager manager;
  private final String me;
  private final AsyncMap<String, JsonObject> members;
  private List<String> live;
  private Set<String> lost = Set.of();
  private Set<String> left = Set.of();
  private Set<String> known = Set.of();

  ClusterView(ClusterManager manager, String me, AsyncMap<String, JsonObject> members) {
    this.manager = manager;
    this.me = me;
    this.members = members;
    this.live = List.of(me);
  }

  String me() {
    return me;
  }

  /** The live nodes, this one included, sorted by name. */
  List<String> live() {
    return live;
  }

  boolean isLive(String node) {
    return live.contains(node);
  }

  /** Members whose downloads wait to be taken over: gone from the cluster, or leaving it. */
  Set<String> lost() {
    return lost;
  }

  /** Of {@link #lost()}, the nodes that left on purpose (a graceful stop), not by a failure. */
  Set<String> left() {
    return left;
  }

  /** Every node name that has a members entry or a handover record: to tell absent owners. */
  Set<String> known() {
    return known;
  }

  /**
   * Whether {@code entry}, a members entry, is of a node that is still a member and not leaving.
   */
  boolean alive(JsonObject entry) {
    return entry != null
        && !entry.getBoolean("leaving", false)
        && manager.getNodes().contains(entry.getString("nodeId"));
  }

  Future<Void> refresh(AsyncMap<String, JsonObject> handovers) {
    // Bounded: while a frozen member still owns a part of a map, a read could wait for its removal.
    return Future.all(members.entries(), handovers.keys())
        .timeout(REFRESH_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .map(
            all -> {
              Map<String, JsonObject> m = all.resultAt(0);
              Set<String> h = all.resultAt(1);
              List<String> up = new ArrayList<>();
              Set<String> down = new HashSet<>();
              Set<String> leaving = new HashSet<>();
              m.forEach(
                  (name, entry) -> {
                    if (name.equals(me) || alive(entry)) {
                      up.add(name);
                    } else {
                      down.add(name);
                      if (entry != null && entry.getBoolean("leaving", false)) {
                        leaving.add(name);
                      }
                    }
                  });
              if (!up.contains(me)) {
                up.add(me);
              }
              up.sort(null);
              Set<String> k = new HashSet<>(m.keySet());
              k.addAll(h);
              live = List.copyOf(up);
              lost = Set.copyOf(down);
              left = Set.copyOf(leaving);
              known = Set.copyOf(k);
              return null;
            });
  }
}
