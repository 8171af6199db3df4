package io.aria2sv.downloads.request;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Named presets an add may name with {@code category}: a directory under the download root, aria2
 * per-download options (under those of the add), and where the download moves once complete. They
 * come from {@code categories.<name>} of the configuration until one is changed through the API;
 * from then on the whole set is kept in {@code categories.json} in the data directory. Reading and
 * writing the file block: call them from a worker.
 */
public final class Categories {
  /** The file's name inside the data directory. */
  public static final String FILE = "categories.json";

  private static final Set<String> KEYS = Set.of("dir", "options", "moveTo");

  /**
   * One category.
   *
   * @param dir relative to the download root ("" the root), or null to leave the add's
   * @param moveTo relative to the finished root ("." the root), or null for no move
   */
  public record Category(String name, String dir, Map<String, String> options, String moveTo) {
    /** As the API shows it. */
    public JsonObject toJson() {
      return new JsonObject()
          .put("name", name)
          .put("dir", dir)
          .put("options", new JsonObject(new TreeMap<>(options)))
          .put("moveTo", moveTo);
    }
  }

  private final PathConfinement downloads;
  private final PathConfinement finished;
  private final Path file;
  private Map<String, Category> byName;
  private boolean fromApi;

  private Categories(
      PathConfinement downloads,
      PathConfinement finished,
      Path file,
      Map<String, Category> byName) {
    this.downloads = downloads;
    this.finished = finished;
    this.file = file;
    this.byName = byName;
  }

  /** No categories at all. */
  public static Categories none(Path downloadRoot) {
    return new Categories(new PathConfinement(downloadRoot), null, null, new TreeMap<>());
  }

  /**
   * The categories of {@code categories.json} in {@code dataDir} when it exists, else those of the
   * configuration. Blocking.
   *
   * @param finishedRoot the finished root, or null when none is configured
   * @throws ValidationException naming the first bad field, as {@code categories.NAME.FIELD}
   */
  public static Categories load(
      Path downloadRoot, Path finishedRoot, Path dataDir, JsonObject configured)
      throws IOException {
    PathConfinement d = new PathConfinement(downloadRoot);
    PathConfinement f =
        finishedRoot == null ? null : new PathConfinement(finishedRoot, "finished root");
    Path file = dataDir.resolve(FILE);
    boolean stored = Files.exists(file);
    JsonObject source =
        stored ? new JsonObject(Files.readString(file, StandardCharsets.UTF_8)) : configured;
    Categories c = new Categories(d, f, file, new TreeMap<>());
    for (String name : source.fieldNames()) {
      c.byName.put(name, c.parse(name, source.getValue(name), "categories." + name));
    }
    c.fromApi = stored;
    return c;
  }

  /** The category called {@code name}, or null. */
  public Category get(String name) {
    return byName.get(name);
  }

  /** Their names, sorted. */
  public Set<String> names() {
    return Collections.unmodifiableSet(byName.keySet());
  }

  /** The finished root's confinement, or null when none is configured. */
  public PathConfinement finished() {
    return finished;
  }

  /** All of them, and where they come from. */
  public JsonObject toJson() {
    JsonObject all = new JsonObject();
    byName.forEach((n, c) -> all.put(n, c.toJson()));
    return new JsonObject().put("categories", all).put("source", fromApi ? "api" : "configuration");
  }

  /**
   * {@code definition} checked as category {@code name}; fields named {@code prefix.FIELD}.
   * Blocking (a directory is checked for symbolic links).
   */
  public Category parse(String name, Object definition, String prefix) {
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ValidationException(
          prefix, "a category name is 1 to 64 letters, digits, '.', '_', '-'");
    }
    if (!(definition instanceof JsonObject o)) {
      throw new ValidationException(prefix, "must be an object {dir?, options?, moveTo?}");
    }
    for (String k : o.fieldNames()) {
      if (!KEYS.contains(k)) {
        throw new ValidationException(
            prefix + "." + k, "is not a field of a category (dir, options, moveTo)");
      }
    }
    String dir =
        o.getValue("dir") == null
            ? null
            : downloads.dir(RequestValidator.text(o, "dir", prefix + "."), prefix + ".dir");
    Map<String, String> options =
        RequestValidator.options(o.getValue("options"), prefix + ".options");
    String moveTo =
        o.getValue("moveTo") == null
            ? null
            : moveTo(RequestValidator.text(o, "moveTo", prefix + "."), prefix + ".moveTo");
    return new Category(name, dir, Map.copyOf(options), moveTo);
  }

  /**
   * A directory under the finished root ({@code "."} the root itself); fails when no finished root
   * is configured.
   */
  public String moveTo(String value, String field) {
    if (finished == null) {
      throw new ValidationException(field, "cannot move: no completion.finishedRoot is configured");
    }
    String rel = finished.dir(value, field);
    return rel.isEmpty() ? "." : rel;
  }

  /** The set with {@code c} in it (added or replaced), written to the file. Blocking. */
  public Categories with(Category c) throws IOException {
    Map<String, Category> next = new TreeMap<>(byName);
    next.put(c.name(), c);
    return written(next);
  }

  /** The set without {@code name}, written to the file. Blocking. */
  public Categories without(String name) throws IOException {
    Map<String, Category> next = new TreeMap<>(byName);
    next.remove(name);
    return written(next);
  }

  private Categories written(Map<String, Category> next) throws IOException {
    JsonObject json = new JsonObject();
    next.forEach(
        (n, c) -> {
          JsonObject o = c.toJson();
          o.remove("name");
          json.put(n, o);
        });
    Path tmp = file.resolveSibling(FILE + ".tmp");
    Files.writeString(tmp, json.encodePrettily(), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Categories c = new Categories(downloads, finished, file, next);
    c.fromApi = true;
    return c;
  }
}
