package io.aria2sv.downloads.engine;

import io.aria2sv.rpc.Aria2;
import io.aria2sv.rpc.Aria2Call;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * The files of a download with their paths and URIs: from aria2's {@code getFiles} while aria2
 * holds the download, else from what the registry knows (the one file aria2 reported or the
 * requested {@code out}, its last lengths, the URIs of the request). Event-loop confined.
 */
public final class FileListing {
  private final Aria2 aria2;
  private final Path root;

  FileListing(Aria2 aria2, Path root) {
    this.aria2 = aria2;
    this.root = root.toAbsolutePath().normalize();
  }

  /**
   * {@code {id, source:"aria2"|"registry", files:[{index, path, relativePath, length,
   * completedLength, selected, uris:[{uri, status}]}]}}; {@code path} is absolute and {@code
   * relativePath} relative to the download root (both null while aria2 does not know the name yet).
   */
  public Future<JsonObject> of(Download d) {
    boolean inAria2 = d.held;
    Future<JsonArray> fromAria2 =
        inAria2 && aria2.running()
            ? aria2
                .call(Aria2Call.getFiles(d.gid))
                .map(r -> r instanceof JsonArray a ? a : null)
                .otherwise((JsonArray) null)
            : Future.succeededFuture(null);
    return fromAria2.map(
        files ->
            files == null
                ? reply(d, "registry", new JsonArray().add(known(d)))
                : reply(d, "aria2", mapped(files)));
  }

  private static JsonObject reply(Download d, String source, JsonArray files) {
    return new JsonObject().put("id", d.id).put("source", source).put("files", files);
  }

  private JsonArray mapped(JsonArray files) {
    JsonArray out = new JsonArray();
    for (Object o : files) {
      JsonObject f = (JsonObject) o;
      JsonArray uris = new JsonArray();
      f.getJsonArray("uris", new JsonArray())
          .forEach(
              u -> {
                JsonObject uri = (JsonObject) u;
                uris.add(
                    new JsonObject()
                        .put("uri", uri.getString("uri"))
                        .put("status", uri.getString("status")));
              });
      out.add(
          file(
              Integer.parseInt(f.getString("index", "1")),
              f.getString("path"),
              parse(f.getString("length")),
              parse(f.getString("completedLength")),
              !"false".equals(f.getString("selected")),
              uris));
    }
    return out;
  }

  private JsonObject known(Download d) {
    Path p = DownloadFiles.mainFile(root, d);
    JsonArray uris = new JsonArray();
    d.request.uris().forEach(u -> uris.add(new JsonObject().put("uri", u).put("status", null)));
    return file(1, p == null ? null : p.toString(), d.totalLength, d.completedLength, true, uris);
  }

  private JsonObject file(
      int index, String path, long length, long completed, boolean selected, JsonArray uris) {
    String abs = path == null || path.isEmpty() ? null : path;
    String relative = null;
    if (abs != null) {
      Path p = Path.of(abs).toAbsolutePath().normalize();
      relative = p.startsWith(root) ? root.relativize(p).toString() : null;
    }
    return new JsonObject()
        .put("index", index)
        .put("path", abs)
        .put("relativePath", relative)
        .put("length", length)
        .put("completedLength", completed)
        .put("selected", selected)
        .put("uris", uris);
  }

  private static long parse(String n) {
    try {
      return n == null ? 0 : Long.parseLong(n);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
