package io.aria2sv.downloads.engine;

import io.aria2sv.downloads.request.CommandRequests;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * One page of the downloads that match a {@link CommandRequests.ListQuery}, with the number that
 * match in all: the registry keeps every download, so a list without a limit would grow without
 * end, and building it would hold up the event loop.
 */
public final class DownloadQuery {
  private DownloadQuery() {}

  /**
   * The page {@code q} asks for. A page is read from the end the order starts at and stops once it
   * is full when the number that match is known without looking (no filter, or a status alone: the
   * index counts them); a batch's page reads only that batch's downloads. Any other filter walks
   * every download to count the matches.
   */
  static JsonObject page(
      DownloadIndex index, CommandRequests.ListQuery q, Function<Download, JsonObject> json) {
    Iterable<Download> order =
        q.batchId() != null
            ? DownloadIndex.skippingForgotten(index.batches().items(q.batchId()), q.newestFirst())
            : index.inOrder(q.newestFirst());
    boolean statusAtMost = q.batchId() == null && q.category() == null && q.name() == null;
    Integer known =
        !statusAtMost ? null : q.status() == null ? index.size() : index.count(q.status());
    JsonArray page = new JsonArray();
    int seen = 0;
    for (Download d : order) {
      if (!matches(d, q, json)) {
        continue;
      }
      if (seen >= q.offset()) {
        if (page.size() < q.limit()) {
          page.add(json.apply(d));
        } else if (known != null) {
          break;
        }
      }
      seen++;
    }
    return new JsonObject()
        .put("downloads", page)
        .put("total", known != null ? known : seen)
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
