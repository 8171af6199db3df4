package io.aria2sv.schedule;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The schedule's files in the data directory: {@code schedules.json}, the rules set through the API
 * (they replace those of the configuration until the file is removed with {@code DELETE}), and
 * {@code schedule-state.json}, the downloads a pausing rule paused, so that they are resumed when
 * it ends even across restarts. Each is written whole and moved into place. Blocking.
 */
final class ScheduleStore {
  static final String RULES = "schedules.json";
  static final String STATE = "schedule-state.json";

  private final Path dir;

  ScheduleStore(Path dataDir) {
    this.dir = dataDir;
  }

  /** The rules set through the API, or null when none were. */
  JsonObject rules() throws IOException {
    Path f = dir.resolve(RULES);
    return Files.exists(f) ? new JsonObject(Files.readString(f, StandardCharsets.UTF_8)) : null;
  }

  void saveRules(JsonObject schedule) throws IOException {
    write(RULES, schedule);
  }

  void deleteRules() throws IOException {
    Files.deleteIfExists(dir.resolve(RULES));
  }

  /**
   * Whether a pausing rule had paused everything when last written, and the downloads it paused (to
   * resume when it ends).
   */
  record Pause(boolean pausing, Set<String> paused) {}

  Pause pause() throws IOException {
    Path f = dir.resolve(STATE);
    Set<String> out = new LinkedHashSet<>();
    if (!Files.exists(f)) {
      return new Pause(false, out);
    }
    JsonObject json = new JsonObject(Files.readString(f, StandardCharsets.UTF_8));
    json.getJsonArray("paused", new JsonArray()).forEach(id -> out.add(String.valueOf(id)));
    return new Pause(json.getBoolean("pausing", false), out);
  }

  void savePause(boolean pausing, Set<String> ids) throws IOException {
    write(
        STATE,
        new JsonObject()
            .put("pausing", pausing)
            .put("paused", new JsonArray(java.util.List.copyOf(ids))));
  }

  private void write(String name, JsonObject json) throws IOException {
    Path tmp = dir.resolve(name + ".tmp");
    Files.writeString(tmp, json.encodePrettily(), StandardCharsets.UTF_8);
    Files.move(
        tmp,
        dir.resolve(name),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }
}
