package io.aria2sv.downloads.engine;

import io.aria2sv.downloads.request.CommandRequests;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * One page of the downloads that match a {@link CommandRequests.ListQuery}, with the number that
 * match in all: the registry keeps every download, so a list without a limit would grow without
 * end, and building it would hold up the event loop.
 */
public final class DownloadQuery {
  private DownloadQuery() {}

  public static JsonObject page(
      Collection<Download> oldestFirst,
      CommandRequests.ListQuery q,
      Function<Download, JsonObject> json) {
    List<Download> all = new ArrayList<>(oldestFirst);
    if (q.newestFirst()) {
      Collections.reverse(all);
    }
    JsonArray page = new JsonArray();
    int total = 0;
    for (Download d : all) {
      if (matches(d, q, json)) {
        if (total >= q.offset() && page.size() < q.limit()) {
          page.add(json.apply(d));
        }
        total++;
      }
    }
    return new JsonObject()
        .put("downloads", page)
        .put("total", total)
        .put("offset", q.offset())
        .put("limit", q.limit());
  }

  /**
   * Whether {@code d} matches the filter of {@code q} (status, batch, category, a part of its
   * name).
   */
  static boolean matches(
      Download d, CommandRequests.ListQuery q, Function<Download, JsonObject> json) {
    return (q.status() == null || d.status == q.status())
        && (q.batchId() == null || q.batchId().equals(d.batchId))
        && (q.category() == null || q.category().equals(d.request.category()))
        && (q.name() == null || q.nameMatches(json.apply(d).getString("name")));
  }
}
