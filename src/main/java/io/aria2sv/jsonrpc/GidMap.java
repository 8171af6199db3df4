package io.aria2sv.jsonrpc;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * aria2's current GID of a download to the GID JSON-RPC clients know it by (its first): the two
 * differ only for a download that was added again after a failure. Fed by download events and the
 * first list; event-loop confined.
 */
final class GidMap {
  private final Map<String, String> stableByCurrent = new HashMap<>();

  /** Learns from one download of ours. */
  void learn(JsonObject download) {
    JsonArray gids = download.getJsonObject("retry").getJsonArray("gids");
    if (gids != null && gids.size() > 1) {
      String stable = gids.getString(0);
      for (int i = 1; i < gids.size(); i++) {
        stableByCurrent.put(gids.getString(i), stable);
      }
    }
  }

  String stable(String current) {
    return stableByCurrent.getOrDefault(current, current);
  }

  /** Puts the stable GID into a status object of aria2's (and into its links to other GIDs). */
  JsonObject stable(JsonObject status) {
    for (String key : new String[] {"gid", "following", "belongsTo"}) {
      if (status.getValue(key) instanceof String g) {
        status.put(key, stable(g));
      }
    }
    if (status.getValue("followedBy") instanceof JsonArray f) {
      JsonArray mapped = new JsonArray();
      f.forEach(g -> mapped.add(stable(String.valueOf(g))));
      status.put("followedBy", mapped);
    }
    return status;
  }
}
