package io.aria2sv.jsonrpc;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * The supervisor's downloads in aria2's own shapes, for the answers aria2c cannot give: downloads
 * that ended (the registry keeps more than aria2's last results), and every download while aria2c
 * restarts. Numbers are strings, as aria2 sends them; speeds are 0.
 */
final class Aria2Shapes {
  private Aria2Shapes() {}

  /** The GID a JSON-RPC client knows a download by: the first one it had, kept across re-adds. */
  static String gid(JsonObject download) {
    JsonArray gids = download.getJsonObject("retry").getJsonArray("gids");
    return gids == null || gids.isEmpty() ? download.getString("gid") : gids.getString(0);
  }

  /** aria2's status for ours: retrying waits for its next add, failed is aria2's error. */
  static String status(String ours) {
    return switch (ours) {
      case "metadata", "active", "seeding" -> "active";
      case "retrying" -> "waiting";
      case "failed" -> "error";
      default -> ours; // waiting, paused, complete, removed
    };
  }

  /** {@code tellStatus}'s answer for a download of ours, limited to {@code keys} when given. */
  static JsonObject status(JsonObject d, Path root, List<String> keys) {
    JsonObject s =
        new JsonObject()
            .put("gid", gid(d))
            .put("status", status(d.getString("status")))
            .put("totalLength", String.valueOf(d.getLong("totalLength", 0L)))
            .put("completedLength", String.valueOf(d.getLong("completedLength", 0L)))
            .put("uploadLength", "0")
            .put("downloadSpeed", "0")
            .put("uploadSpeed", "0")
            .put("connections", "0")
            .put("dir", root.resolve(d.getString("dir", "")).toString())
            .put("files", files(d, root));
    if (d.getValue("errorCode") != null) {
      s.put("errorCode", String.valueOf(d.getValue("errorCode")))
          .put("errorMessage", d.getString("errorMessage"));
    } else if ("complete".equals(d.getString("status"))) {
      s.put("errorCode", "0");
    }
    JsonObject t = d.getJsonObject("torrent");
    if (t != null) {
      s.put("infoHash", t.getString("infoHash"))
          .put("uploadLength", String.valueOf(t.getLong("uploadLength", 0L)))
          .put("numSeeders", "0")
          .put("seeder", String.valueOf("seeding".equals(d.getString("status"))));
      if (d.getString("name") != null) {
        s.put(
            "bittorrent",
            new JsonObject().put("info", new JsonObject().put("name", d.getString("name"))));
      }
    }
    return keys == null || keys.isEmpty() ? s : only(s, keys);
  }

  /** {@code getFiles}'s answer from what the registry knows: one file, its URIs. */
  static JsonArray files(JsonObject d, Path root) {
    String name = d.getString("out", d.getString("name"));
    String path = name == null ? "" : root.resolve(d.getString("dir", "")).resolve(name).toString();
    JsonArray uris = new JsonArray();
    d.getJsonArray("uris", new JsonArray())
        .forEach(u -> uris.add(new JsonObject().put("uri", u).put("status", "used")));
    return new JsonArray()
        .add(
            new JsonObject()
                .put("index", "1")
                .put("path", path)
                .put("length", String.valueOf(d.getLong("totalLength", 0L)))
                .put("completedLength", String.valueOf(d.getLong("completedLength", 0L)))
                .put("selected", "true")
                .put("uris", uris));
  }

  static JsonObject only(JsonObject s, List<String> keys) {
    JsonObject out = new JsonObject();
    for (String k : keys) {
      if (s.containsKey(k)) {
        out.put(k, s.getValue(k));
      }
    }
    return out;
  }
}
