package io.aria2sv.downloads.request;

import io.aria2sv.bittorrent.Magnet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * A validated request for one download. {@code dir} is relative to the download root ("" for the
 * root itself); {@code out} is a plain file name or null; {@code options} passed the allowlist;
 * {@code torrent} is the info hash of a {@code .torrent} kept in the data directory (then {@code
 * uris} are extra web seeds, possibly none), or null; {@code category} the category it was added
 * with, or null; {@code moveTo} the directory under the finished root it moves to once complete
 * ({@code "."} the root itself), or null when it stays.
 */
public record DownloadRequest(
    List<String> uris,
    String dir,
    String out,
    Map<String, String> options,
    String requestId,
    String torrent,
    String category,
    String moveTo) {

  /** A request without a category or a move. */
  public DownloadRequest(
      List<String> uris,
      String dir,
      String out,
      Map<String, String> options,
      String requestId,
      String torrent) {
    this(uris, dir, out, options, requestId, torrent, null, null);
  }

  /** A request of URIs only. */
  public DownloadRequest(
      List<String> uris, String dir, String out, Map<String, String> options, String requestId) {
    this(uris, dir, out, options, requestId, null);
  }

  /** A magnet link whose metadata has not been fetched yet. */
  public boolean fetchesMetadata() {
    return torrent == null && uris.size() == 1 && Magnet.is(uris.get(0));
  }

  /** The BitTorrent info hash: of the torrent, or of the magnet link; null for other downloads. */
  public String infoHash() {
    return torrent != null ? torrent : uris.size() == 1 ? Magnet.infoHash(uris.get(0)) : null;
  }

  /**
   * This request once the torrent with {@code infoHash} is known (a magnet's metadata was fetched).
   */
  public DownloadRequest withTorrent(String infoHash) {
    return new DownloadRequest(uris, dir, out, options, requestId, infoHash, category, moveTo);
  }

  /** This request with {@code changes} over its options. */
  public DownloadRequest withOptions(Map<String, String> changes) {
    Map<String, String> merged = new java.util.LinkedHashMap<>(options);
    merged.putAll(changes);
    return new DownloadRequest(
        uris, dir, out, Map.copyOf(merged), requestId, torrent, category, moveTo);
  }

  /** The stored form, as in the registry. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    options.forEach(o::put);
    return new JsonObject()
        .put("uris", new JsonArray(uris))
        .put("dir", dir)
        .put("out", out)
        .put("options", o)
        .put("requestId", requestId)
        .put("torrent", torrent)
        .put("category", category)
        .put("moveTo", moveTo);
  }

  /** The inverse of {@link #toJson()} for stored, already validated requests. */
  public static DownloadRequest fromJson(JsonObject json) {
    Map<String, String> options = new java.util.LinkedHashMap<>();
    json.getJsonObject("options", new JsonObject())
        .forEach(e -> options.put(e.getKey(), String.valueOf(e.getValue())));
    return new DownloadRequest(
        json.getJsonArray("uris").stream().map(String::valueOf).toList(),
        json.getString("dir", ""),
        json.getString("out"),
        Map.copyOf(options),
        json.getString("requestId"),
        json.getString("torrent"),
        json.getString("category"),
        json.getString("moveTo"));
  }
}
