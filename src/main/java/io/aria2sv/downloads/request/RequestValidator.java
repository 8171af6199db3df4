package io.aria2sv.downloads.request;

import io.aria2sv.bittorrent.Bencode;
import io.aria2sv.bittorrent.Magnet;
import io.aria2sv.bittorrent.TorrentFile;
import io.aria2sv.bittorrent.TorrentStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks requests before anything is stored or sent to aria2: http, https, ftp and sftp URIs only;
 * {@code dir} and {@code out} stay inside the download root (no "..", no absolute path elsewhere,
 * no symbolic link that leads out); per-download aria2 options from an allowlist. Touches the file
 * system only to resolve links (cheap {@code stat} calls).
 */
public final class RequestValidator {
  static final int MAX_URIS = 16;
  static final int MAX_URI_LENGTH = 4096;
  static final Set<String> SCHEMES = Set.of("http", "https", "ftp", "sftp");
  static final Set<String> FIELDS =
      Set.of("uris", "dir", "out", "options", "requestId", "torrent", "category", "moveTo");

  /** Web seeds given with a torrent: http and https only. */
  static final Set<String> WEB_SEED_SCHEMES = Set.of("http", "https");

  private final PathConfinement paths;
  private final TorrentStore torrents;
  private volatile Categories categories;
  private volatile String defaultMoveTo;

  /**
   * @param downloadRoot the download root; must exist
   * @param torrents where the torrents of requests are kept; null refuses them
   */
  public RequestValidator(Path downloadRoot, TorrentStore torrents) {
    this.paths = new PathConfinement(downloadRoot);
    this.torrents = torrents;
    this.categories = Categories.none(downloadRoot);
  }

  /**
   * The categories adds may name from now on, and the directory under the finished root a download
   * moves to when neither it nor its category says (null: it stays).
   */
  public void completion(Categories categories, String defaultMoveTo) {
    this.categories = categories;
    this.defaultMoveTo = defaultMoveTo;
  }

  /** Where a download moves when neither it nor its category says (null: it stays). */
  public String defaultMoveTo() {
    return defaultMoveTo;
  }

  /** The categories adds may name. */
  public Categories categories() {
    return categories;
  }

  /** Most downloads in one batch. */
  static final int MAX_BATCH = 10_000;

  /** Most downloads in one list reply, and how many a list without a limit gets. */
  public static final int MAX_PAGE = 1000;

  /**
   * Fails with a {@link ValidationException} (400, naming the field) unless {@code body} is a valid
   * list request.
   */
  public static void checkListQuery(io.vertx.core.json.JsonObject body) {
    CommandRequests.listQuery(body);
  }

  /**
   * Whether validating {@code body} reads the file system: a {@code dir} is checked for symbolic
   * links that lead out of the root, so such a request is validated on a worker.
   */
  static boolean readsFileSystem(JsonObject body) {
    if (body.containsKey("dir") || body.containsKey("torrent") || body.containsKey("moveTo")) {
      return true;
    }
    if (body.getValue("items") instanceof JsonArray items) {
      for (Object o : items) {
        if (o instanceof JsonObject item
            && (item.containsKey("dir") || item.containsKey("torrent"))) {
          return true;
        }
      }
    }
    return false;
  }

  /** Validates a batch {@code {items:[…], dir?}} or {@code {metalink, dir?}}. */
  List<DownloadRequest> batch(JsonObject body) {
    for (String name : body.fieldNames()) {
      if (!name.equals("items") && !name.equals("dir") && !name.equals("metalink")) {
        throw new ValidationException(name, "is not a known field (items or metalink, dir)");
      }
    }
    if (body.containsKey("metalink")) {
      if (body.containsKey("items")) {
        throw new ValidationException("items", "cannot be given with metalink");
      }
      return MetalinkRequests.of(this, body);
    }
    if (!(body.getValue("items") instanceof JsonArray items)
        || items.isEmpty()
        || items.size() > MAX_BATCH) {
      throw new ValidationException(
          "items", "must be an array of 1 to " + MAX_BATCH + " downloads");
    }
    String dir = body.getValue("dir") == null ? "" : dir(text(body, "dir", ""), "dir");
    List<DownloadRequest> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      Object item = items.getValue(i);
      if (!(item instanceof JsonObject o)) {
        throw new ValidationException("items[" + i + "]", "must be an object");
      }
      out.add(validate(o, "items[" + i + "].", dir));
    }
    return out;
  }

  /**
   * Validates one download request.
   *
   * @param prefix the field path prefix for messages, e.g. {@code items[3].}
   * @param defaultDir the batch's dir when the item has none
   */
  public DownloadRequest validate(JsonObject body, String prefix, String defaultDir) {
    if (body == null) {
      throw new ValidationException(
          prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1),
          "must be a JSON object");
    }
    for (String name : body.fieldNames()) {
      if (!FIELDS.contains(name)) {
        throw new ValidationException(
            prefix + name,
            "is not a known field (uris, torrent, dir, out, options, requestId, category,"
                + " moveTo)");
      }
    }
    String torrent =
        body.getValue("torrent") == null
            ? null
            : torrent(text(body, "torrent", prefix), prefix + "torrent");
    boolean noUris =
        body.getValue("uris") == null
            || body.getValue("uris") instanceof JsonArray a && a.isEmpty();
    List<String> uris =
        torrent != null && noUris
            ? List.of()
            : uris(
                body.getValue("uris"),
                prefix + "uris",
                torrent == null ? SCHEMES : WEB_SEED_SCHEMES);
    if ((torrent != null || uris.size() == 1 && Magnet.is(uris.get(0)))
        && body.getValue("out") != null) {
      throw new ValidationException(
          prefix + "out", "is not for a torrent: its files are named by the torrent");
    }
    Categories known = categories;
    Categories.Category category = null;
    if (body.getValue("category") != null) {
      String name = text(body, "category", prefix);
      category = known.get(name);
      if (category == null) {
        throw new ValidationException(
            prefix + "category",
            "'"
                + name
                + "' is not a category"
                + (known.names().isEmpty()
                    ? " (none is configured)"
                    : " (" + String.join(", ", known.names()) + ")"));
      }
    }
    String dir =
        body.getValue("dir") != null
            ? dir(text(body, "dir", prefix), prefix + "dir")
            : category != null && category.dir() != null ? category.dir() : defaultDir;
    String out =
        body.getValue("out") == null ? null : out(text(body, "out", prefix), prefix + "out");
    Map<String, String> options = options(body.getValue("options"), prefix + "options");
    if (category != null && !category.options().isEmpty()) {
      Map<String, String> merged = new LinkedHashMap<>(category.options());
      merged.putAll(options);
      options = merged;
    }
    String moveTo;
    if (body.getValue("moveTo") != null) {
      String m = text(body, "moveTo", prefix);
      // "" keeps a download where it is whatever its category or the default say
      moveTo = m.isEmpty() ? null : known.moveTo(m, prefix + "moveTo");
    } else {
      moveTo = category != null && category.moveTo() != null ? category.moveTo() : defaultMoveTo;
    }
    String requestId = body.getValue("requestId") == null ? null : text(body, "requestId", prefix);
    if (requestId != null && (requestId.isBlank() || requestId.length() > 200)) {
      throw new ValidationException(prefix + "requestId", "must be 1 to 200 characters");
    }
    return new DownloadRequest(
        List.copyOf(uris),
        dir,
        out,
        Map.copyOf(options),
        requestId,
        torrent,
        category == null ? null : category.name(),
        moveTo);
  }

  /** Decodes, checks and keeps a base64 {@code .torrent}; returns its info hash. Blocking. */
  private String torrent(String base64, String field) {
    if (torrents == null) {
      throw new ValidationException(field, "torrents are not accepted here");
    }
    byte[] data;
    try {
      data = Base64.getDecoder().decode(base64.replaceAll("\\s+", ""));
    } catch (IllegalArgumentException e) {
      throw new ValidationException(field, "must be the .torrent file in base64");
    }
    TorrentFile t;
    try {
      t = TorrentFile.parse(data);
    } catch (Bencode.Malformed e) {
      throw new ValidationException(field, "is not a valid torrent: " + e.getMessage());
    }
    torrents.put(t.infoHash(), data);
    return t.infoHash();
  }

  static String text(JsonObject body, String field, String prefix) {
    Object v = body.getValue(field);
    if (!(v instanceof String s)) {
      throw new ValidationException(prefix + field, "must be a string");
    }
    return s;
  }

  static List<String> uris(Object value, String field, Set<String> schemes) {
    if (!(value instanceof JsonArray array)) {
      throw new ValidationException(field, "must be an array of URIs");
    }
    if (array.isEmpty() || array.size() > MAX_URIS) {
      throw new ValidationException(field, "must hold 1 to " + MAX_URIS + " URIs");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String f = field + "[" + i + "]";
      if (!(array.getValue(i) instanceof String s)) {
        throw new ValidationException(f, "must be a string");
      }
      if (s.length() > MAX_URI_LENGTH || s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new ValidationException(f, "is too long or holds control characters");
      }
      if (Magnet.is(s) && schemes == SCHEMES) {
        if (array.size() != 1) {
          throw new ValidationException(f, "a magnet link must be the only URI of its download");
        }
        if (Magnet.infoHash(s) == null) {
          throw new ValidationException(
              f,
              "a magnet link needs xt=urn:btih: with the info hash (40 hex or 32 base32 characters)");
        }
        out.add(s);
        continue;
      }
      URI uri;
      try {
        uri = new URI(s);
      } catch (URISyntaxException e) {
        throw new ValidationException(f, "is not a valid URI");
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!schemes.contains(scheme)) {
        throw new ValidationException(
            f,
            schemes == SCHEMES
                ? "scheme must be http, https, ftp, sftp or magnet"
                : "a web seed of a torrent must be http or https");
      }
      if (uri.getHost() == null || uri.getHost().isEmpty()) {
        throw new ValidationException(f, "has no host");
      }
      out.add(s);
    }
    return out;
  }

  /** A directory inside the root, returned relative to it ("" is the root). */
  String dir(String value, String field) {
    return paths.dir(value, field);
  }

  /** A plain file name. */
  static String out(String value, String field) {
    return PathConfinement.fileName(value, field);
  }

  /** Per-download aria2 options, checked ({@link DownloadOptions}). */
  static Map<String, String> options(Object value, String field) {
    return DownloadOptions.check(value, field);
  }
}
