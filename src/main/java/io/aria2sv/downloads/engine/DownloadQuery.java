package io.aria2sv.downloads.engine;

import io.aria2sv.downloads.registry.ColdRows;
import io.aria2sv.downloads.request.CommandRequests;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;
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
   * is full when the number that match is known without looking (no filter, a status, a batch, or a
   * batch and a status: the index counts them); a batch's page reads only that batch's downloads.
   * Any other filter walks every download to count the matches. Cold downloads ({@link ColdTier})
   * are read from the registry as the page reaches them, merged in the order they were added.
   */
  static Future<JsonObject> page(
      DownloadIndex index,
      ColdTier cold,
      CommandRequests.ListQuery q,
      Function<Download, JsonObject> json) {
    Integer known = known(index, q);
    if (index.coldSize() == 0) {
      return Future.succeededFuture(walk(held(index, q), q, json, known));
    }
    return merged(index, cold, q, json, q.offset(), q.limit(), known == null)
        .map(
            p -> {
              JsonArray page = new JsonArray();
              p.downloads().forEach(d -> page.add(json.apply(d)));
              return answer(page, known != null ? known : p.total(), q);
            });
  }

  private static final Comparator<Download> BY_SEQ = Comparator.comparingLong(d -> d.seq);

  /**
   * Every download {@code q}'s filter matches (its offset and limit aside), in its order: those
   * held in memory, and the cold ones read from the registry (as rows: not held).
   */
  static Future<List<Download>> all(
      DownloadIndex index,
      ColdTier cold,
      CommandRequests.ListQuery q,
      Function<Download, JsonObject> json) {
    return merged(index, cold, q, json, 0, Integer.MAX_VALUE, true)
        .map(MergedPages.Page::downloads);
  }

  /** The downloads held in memory that {@code q} reads, in its order: a batch's, or all. */
  private static Iterable<Download> held(DownloadIndex index, CommandRequests.ListQuery q) {
    return q.batchId() != null
        ? DownloadIndex.skippingForgotten(index.batches().items(q.batchId()), q.newestFirst())
        : index.inOrder(q.newestFirst());
  }

  /** {@link MergedPages#page} over the held downloads {@code q} reads and the cold rows. */
  private static Future<MergedPages.Page> merged(
      DownloadIndex index,
      ColdTier cold,
      CommandRequests.ListQuery q,
      Function<Download, JsonObject> json,
      int offset,
      int limit,
      boolean count) {
    return MergedPages.page(
        new MergedPages.Spec(
            held(index, q).iterator(),
            index.coldSize() == 0 ? max -> Future.succeededFuture(List.of()) : coldRows(cold, q),
            q.newestFirst() ? BY_SEQ.reversed() : BY_SEQ,
            d -> matches(d, q, json),
            id -> index.byId(id) != null,
            offset,
            limit,
            count,
            d -> false));
  }

  /** The cold rows {@code q} may match, from the end its order starts at. */
  private static MergedPages.ColdCursor coldRows(ColdTier cold, CommandRequests.ListQuery q) {
    return MergedPages.cursor(
        last ->
            max ->
                cold.shown(
                    r ->
                        ColdRows.page(
                            r,
                            new ColdRows.Filter(
                                q.status() == null ? null : q.status().name(),
                                q.batchId(),
                                q.category(),
                                q.newestFirst(),
                                last == null ? null : last.seq),
                            max)));
  }

  /** How many downloads match {@code q}, when the index counts them; null when it does not. */
  private static Integer known(DownloadIndex index, CommandRequests.ListQuery q) {
    if (q.category() != null || q.name() != null) {
      return null;
    }
    if (q.batchId() == null) {
      return q.status() == null ? index.size() : index.count(q.status());
    }
    Batches batches = index.batches();
    int n =
        q.status() == null
            ? batches.coldSize(q.batchId())
            : batches.coldCount(q.batchId(), q.status());
    for (Download d : batches.items(q.batchId())) {
      n += q.status() == null || d.status == q.status() ? 1 : 0;
    }
    return n;
  }

  /** The page of downloads held in memory alone (no cold ones), as before there were any. */
  private static JsonObject walk(
      Iterable<Download> order,
      CommandRequests.ListQuery q,
      Function<Download, JsonObject> json,
      Integer known) {
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
    return answer(page, known != null ? known : seen, q);
  }

  private static JsonObject answer(JsonArray page, int total, CommandRequests.ListQuery q) {
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
