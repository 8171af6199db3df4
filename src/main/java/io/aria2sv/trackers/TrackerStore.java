package io.aria2sv.trackers;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code trackers.json} in the data directory: each list's last good content and when it came, so
 * that a restart with the lists out of reach still gives new torrents the trackers. Written whole
 * to a temporary file and moved into place. Blocking.
 */
final class TrackerStore {
  private static final Logger LOG = LoggerFactory.getLogger(TrackerStore.class);
  static final String FILE = "trackers.json";

  private final Path file;

  TrackerStore(Path dataDir) {
    this.file = dataDir.resolve(FILE);
  }

  Path file() {
    return file;
  }

  /** What was kept, by list URL; empty when nothing was, or the file cannot be read (logged). */
  Map<URI, ListState> load() {
    Map<URI, ListState> out = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return out;
    }
    try {
      JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
      for (String url : json.fieldNames()) {
        JsonObject o = json.getJsonObject(url);
        ListState s = new ListState();
        StringBuilder text = new StringBuilder();
        o.getJsonArray("trackers").forEach(t -> text.append(t).append('\n'));
        s.trackers = TrackerList.parse(text.toString());
        s.fetchedAt = Instant.parse(o.getString("fetchedAt"));
        out.put(URI.create(url), s);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring {}: {}; the lists are fetched again", file, e.getMessage());
      out.clear();
    }
    return out;
  }

  void save(Map<URI, ListState> lists) throws IOException {
    JsonObject json = new JsonObject();
    lists.forEach(
        (url, s) -> {
          if (s.fetchedAt != null) {
            json.put(
                url.toString(),
                new JsonObject()
                    .put("fetchedAt", s.fetchedAt.toString())
                    .put("trackers", new JsonArray(s.trackers)));
          }
        });
    Path tmp = file.resolveSibling(FILE + ".tmp");
    Files.writeString(tmp, json.encodePrettily(), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
