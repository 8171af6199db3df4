package io.aria2sv.downloads;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * A validated request for one download. {@code dir} is relative to the download root ("" for the
 * root itself); {@code out} is a plain file name or null; {@code options} passed the allowlist.
 */
public record DownloadRequest(
    List<String> uris, String dir, String out, Map<String, String> options, String requestId) {

  /** This request with {@code changes} over its options. */
  public DownloadRequest withOptions(Map<String, String> changes) {
    Map<String, String> merged = new java.util.LinkedHashMap<>(options);
    merged.putAll(changes);
    return new DownloadRequest(uris, dir, out, Map.copyOf(merged), requestId);
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
        .put("requestId", requestId);
  }

  /** The inverse of {@link #toJson()} for stored, already validated requests. */
  public static DownloadRequest fromJson(JsonObject json) {
    Map<String, String> options = new java.util.LinkedHashMap<>();
    json.getJsonObject("options", new JsonObject()).forEach(e -> options.put(e.getKey(), String.valueOf(e.getValue())));
    return new DownloadRequest(
        json.getJsonArray("uris").stream().map(String::valueOf).toList(),
        json.getString("dir", ""),
        json.getString("out"),
        Map.copyOf(options),
        json.getString("requestId"));
  }
}
