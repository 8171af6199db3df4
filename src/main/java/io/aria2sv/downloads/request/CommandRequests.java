package io.aria2sv.downloads.request;

import io.aria2sv.bus.DownloadStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks the requests about downloads that exist: which one ({@code id}), a list's filters and
 * page, a change of options, a move in the queue. Each failure names the field.
 */
public final class CommandRequests {
  private CommandRequests() {}

  /** A validated list request: filters, order and page. */
  public record ListQuery(
      DownloadStatus status,
      String batchId,
      boolean newestFirst,
      int offset,
      int limit,
      String name,
      String category) {
    /** Whether a download named {@code downloadName} matches the name asked for, if any. */
    public boolean nameMatches(String downloadName) {
      return name == null
          || downloadName != null && downloadName.toLowerCase(Locale.ROOT).contains(name);
    }
  }

  /** Validates a list request {@code {status?, batchId?, order?, offset?, limit?}}. */
  public static ListQuery listQuery(JsonObject body) {
    String status =
        body.getValue("status") == null ? null : RequestValidator.text(body, "status", "");
    if (status != null && DownloadStatus.of(status) == null) {
      throw new ValidationException("status", "must be one of " + DownloadStatus.wireNames());
    }
    String batchId =
        body.getValue("batchId") == null ? null : RequestValidator.text(body, "batchId", "");
    Object order = body.getValue("order", "oldest");
    if (!"oldest".equals(order) && !"newest".equals(order)) {
      throw new ValidationException("order", "must be oldest or newest");
    }
    return new ListQuery(
        status == null ? null : DownloadStatus.of(status),
        batchId,
        "newest".equals(order),
        wholeNumber(body, "offset", 0, Integer.MAX_VALUE, 0),
        wholeNumber(body, "limit", 1, RequestValidator.MAX_PAGE, RequestValidator.MAX_PAGE),
        nameQuery(body),
        body.getValue("category") == null ? null : RequestValidator.text(body, "category", ""));
  }

  /** The part of a name to look for, lower-cased; null when none is asked for. */
  private static String nameQuery(JsonObject body) {
    if (body.getValue("name") == null) {
      return null;
    }
    String name = RequestValidator.text(body, "name", "");
    if (name.isEmpty() || name.length() > 255) {
      throw new ValidationException("name", "must be 1 to 255 characters of the name to look for");
    }
    return name.toLowerCase(Locale.ROOT);
  }

  /** Options aria2 takes at the add only ({@code changeOption} refuses them). */
  static final Set<String> ADD_ONLY_OPTIONS = Set.of("pause", "piece-length");

  /**
   * The {@code options} of a change {@code {id, options}}: allowlisted, not add-only, at least one.
   */
  public static Map<String, String> changedOptions(JsonObject body) {
    for (String name : body.fieldNames()) {
      if (!name.equals("id") && !name.equals("options")) {
        throw new ValidationException(name, "is not a known field (options)");
      }
    }
    if (!(body.getValue("options") instanceof JsonObject o) || o.isEmpty()) {
      throw new ValidationException(
          "options", "must be an object of one or more aria2 option: value");
    }
    for (String name : o.fieldNames()) {
      if (ADD_ONLY_OPTIONS.contains(name)) {
        throw new ValidationException(
            "options." + name,
            "can only be given when the download is added"
                + (name.equals("pause") ? " (use pause and resume)" : ""));
      }
    }
    return RequestValidator.options(o, "options");
  }

  /** A queue move {@code {id, pos, how}} as aria2's {@code changePosition} takes it. */
  /** A bulk command: the action, its downloads by id (or null) and the filter otherwise. */
  public record Bulk(String action, boolean deleteFiles, List<String> ids, ListQuery filter) {}

  private static final Set<String> BULK_ACTIONS = Set.of("pause", "resume", "retry", "remove");
  private static final Set<String> BULK_FIELDS =
      Set.of("action", "ids", "status", "batchId", "name", "deleteFiles");

  /** {@code {action, ids?, status?, batchId?, name?, deleteFiles?}}, checked. */
  public static Bulk bulk(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!BULK_FIELDS.contains(field)) {
        throw new ValidationException(
            field, "is not a known field (action, ids, status, batchId, name, deleteFiles)");
      }
    }
    String action =
        body.getValue("action") == null ? null : RequestValidator.text(body, "action", "");
    if (action == null || !BULK_ACTIONS.contains(action)) {
      throw new ValidationException("action", "must be one of pause, resume, retry, remove");
    }
    Object deleteFiles = body.getValue("deleteFiles", false);
    if (!(deleteFiles instanceof Boolean)) {
      throw new ValidationException("deleteFiles", "must be true or false");
    }
    List<String> ids = null;
    if (body.getValue("ids") != null) {
      if (!(body.getValue("ids") instanceof JsonArray a)
          || a.isEmpty()
          || a.size() > RequestValidator.MAX_BATCH
          || a.stream().anyMatch(o -> !(o instanceof String))) {
        throw new ValidationException(
            "ids", "must be a list of 1 to " + RequestValidator.MAX_BATCH + " download ids");
      }
      if (body.containsKey("status") || body.containsKey("batchId") || body.containsKey("name")) {
        throw new ValidationException(
            "ids", "cannot be given with a filter (status, batchId, name)");
      }
      ids = a.stream().map(String.class::cast).distinct().toList();
    } else if (body.getValue("status") == null
        && body.getValue("batchId") == null
        && body.getValue("name") == null) {
      throw new ValidationException(
          "ids",
          "or a filter (status, batchId, name) is required: pause-all and resume-all act on every"
              + " download");
    }
    ListQuery filter = listQuery(body.copy().put("offset", 0).put("limit", 1));
    return new Bulk(action, (Boolean) deleteFiles, ids, filter);
  }

  public record Move(int pos, String how) {}

  public static Move move(JsonObject body) {
    Object pos = body.getValue("pos");
    if (!(pos instanceof Integer p)) {
      throw new ValidationException(
          "pos", "must be a whole number (negative with POS_CUR or POS_END)");
    }
    Object how = body.getValue("how", "POS_SET");
    if (!"POS_SET".equals(how) && !"POS_CUR".equals(how) && !"POS_END".equals(how)) {
      throw new ValidationException("how", "must be POS_SET, POS_CUR or POS_END");
    }
    if ("POS_SET".equals(how) && p < 0) {
      throw new ValidationException("pos", "must be 0 or more with POS_SET");
    }
    return new Move(p, (String) how);
  }

  /** The {@code id} of a request about one download or batch. */
  public static String id(JsonObject body) {
    if (!(body.getValue("id") instanceof String s) || s.isEmpty()) {
      throw new ValidationException("id", "must be a non-empty string");
    }
    return s;
  }

  private static int wholeNumber(JsonObject body, String name, int min, int max, int fallback) {
    Object v = body.getValue(name);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Integer i) || i < min || i > max) {
      throw new ValidationException(
          name,
          "must be a whole number from " + min + (max == Integer.MAX_VALUE ? " up" : " to " + max));
    }
    return i;
  }
}
