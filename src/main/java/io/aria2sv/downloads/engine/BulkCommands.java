package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.FAILED;
import static io.aria2sv.bus.DownloadStatus.PAUSED;
import static io.aria2sv.bus.DownloadStatus.REMOVED;
import static io.aria2sv.bus.DownloadStatus.RETRYING;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.request.CommandRequests;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One command on many downloads: every download given, or every one a filter matches, each as its
 * own command would, and what happened to each. A download already in the wanted state is {@code
 * unchanged}, one that cannot be in it (a complete download is never paused) is {@code skipped};
 * neither is a failure. Event-loop confined.
 */
public final class BulkCommands {
  /** A bulk action: which downloads are already done with, which it can act on, and how. */
  private record Action(
      String name,
      Predicate<Download> wanted,
      Predicate<Download> possible,
      Function<Download, Future<Download>> command) {}

  private final DownloadIndex index;
  private final DownloadCommands commands;
  private final ColdTier cold;
  private final ColdQueue coldQueue;

  BulkCommands(DownloadIndex index, DownloadCommands commands, ColdTier cold, ColdQueue coldQueue) {
    this.index = index;
    this.commands = commands;
    this.cold = cold;
    this.coldQueue = coldQueue;
  }

  /**
   * Pauses every waiting, active, seeding and retrying download: {@code {done, unchanged, skipped,
   * failed:[{id, message}]}}.
   */
  public Future<JsonObject> pauseAll() {
    return all(action("pause", false)).compose(r -> coldToo(r, DownloadStatus.WAITING, PAUSED));
  }

  /** Resumes every paused download: as {@link #pauseAll}. */
  public Future<JsonObject> resumeAll() {
    return all(action("resume", false)).compose(r -> coldToo(r, PAUSED, DownloadStatus.WAITING));
  }

  /**
   * The cold queue's downloads with status {@code from} take {@code to} in the registry (no event
   * each: a list shows them), counted as done in {@code reply}.
   */
  private Future<JsonObject> coldToo(JsonObject reply, DownloadStatus from, DownloadStatus to) {
    if (index.coldCount(from) == 0) {
      return Future.succeededFuture(reply);
    }
    return coldQueue.restatus(from, to).map(n -> reply.put("done", reply.getInteger("done") + n));
  }

  /**
   * {@code action} (pause, resume, retry, remove) on the downloads {@code ids} names, or else on
   * those {@code filter} matches: {@code {action, matched, done, unchanged, skipped, failed,
   * downloads:[{id, outcome, status, message?}]}}.
   */
  public Future<JsonObject> apply(
      String action,
      boolean deleteFiles,
      List<String> ids,
      CommandRequests.ListQuery filter,
      Function<Download, JsonObject> json) {
    Action a = action(action, deleteFiles);
    JsonArray unknown = new JsonArray();
    Future<List<Download>> chosen;
    if (ids != null) {
      List<Future<Download>> each = new ArrayList<>(ids.size());
      for (String id : ids) {
        // a cold one is read back only when the action can change it
        each.add(cold.peek(id).recover(err -> Future.succeededFuture(null)));
      }
      chosen =
          Future.join(each)
              .transform(
                  ar -> {
                    List<Download> found = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) {
                      Download d = each.get(i).result();
                      if (d == null) {
                        unknown.add(
                            new JsonObject()
                                .put("id", ids.get(i))
                                .put("outcome", "not-found")
                                .put("message", "no download has id " + ids.get(i)));
                      } else {
                        found.add(d);
                      }
                    }
                    return Future.succeededFuture(found);
                  });
    } else {
      chosen = DownloadQuery.all(index, cold, filter, json);
    }
    return chosen
        .compose(list -> held(a, list, unknown))
        .compose(list -> run(a, list))
        .map(
            outcomes -> {
              outcomes.addAll(unknown);
              return summary(outcomes).put("action", action);
            });
  }

  /**
   * {@code chosen}, each cold one the action can change read back into memory first (the others are
   * answered from their rows).
   */
  private Future<List<Download>> held(Action a, List<Download> chosen, JsonArray failed) {
    List<Future<Download>> each = new ArrayList<>(chosen.size());
    for (Download d : chosen) {
      boolean detached = index.byId(d.id) != d;
      each.add(
          detached && !a.wanted().test(d) && a.possible().test(d)
              ? cold.resolve(d.id)
              : Future.succeededFuture(d));
    }
    return Future.join(each)
        .transform(
            ar -> {
              List<Download> out = new ArrayList<>(each.size());
              for (int i = 0; i < each.size(); i++) {
                if (each.get(i).succeeded()) {
                  out.add(each.get(i).result());
                } else {
                  failed.add(outcome(chosen.get(i), "failed", message(a, each.get(i).cause())));
                }
              }
              return Future.succeededFuture(out);
            });
  }

  private Future<JsonObject> all(Action a) {
    List<Download> chosen = index.all().stream().filter(a.possible()).toList();
    return run(a, chosen)
        .map(
            outcomes -> {
              JsonArray failed = new JsonArray();
              outcomes.forEach(
                  o -> {
                    JsonObject r = (JsonObject) o;
                    if ("failed".equals(r.getString("outcome"))) {
                      failed.add(
                          new JsonObject()
                              .put("id", r.getString("id"))
                              .put("message", r.getString("message")));
                    }
                  });
              return counts(outcomes).put("failed", failed);
            });
  }

  /** Runs {@code a} on each of {@code chosen} at once; one outcome each, in order. */
  private static Future<JsonArray> run(Action a, Collection<Download> chosen) {
    List<Download> list = List.copyOf(chosen);
    List<Future<JsonObject>> each = new ArrayList<>(list.size());
    for (Download d : list) {
      if (a.wanted().test(d)) {
        each.add(Future.succeededFuture(outcome(d, "unchanged", null)));
      } else if (!a.possible().test(d)) {
        each.add(Future.succeededFuture(outcome(d, "skipped", cannot(a, d))));
      } else {
        each.add(
            a.command()
                .apply(d)
                .map(x -> outcome(d, "done", null))
                .otherwise(
                    err ->
                        a.wanted().test(d)
                            ? outcome(d, "unchanged", null)
                            : !a.possible().test(d)
                                ? outcome(d, "skipped", cannot(a, d))
                                : outcome(d, "failed", message(a, err))));
      }
    }
    return Future.join(each)
        .map(v -> new JsonArray(new ArrayList<>(each.stream().map(Future::result).toList())));
  }

  private Action action(String name, boolean deleteFiles) {
    return switch (name) {
      case "pause" ->
          new Action(
              name,
              d -> d.status == PAUSED,
              d -> d.status == WAITING || d.status.transferring() || d.status == RETRYING,
              commands::pause);
      case "resume" ->
          new Action(
              name,
              d -> d.status == WAITING || d.status.transferring() || d.status == RETRYING,
              d -> d.status == PAUSED,
              commands::resume);
      case "retry" -> new Action(name, d -> false, d -> d.status == FAILED, commands::retry);
      case "remove" ->
          new Action(
              name, d -> d.status == REMOVED, d -> true, d -> commands.remove(d, deleteFiles));
      default -> throw new IllegalArgumentException("unknown bulk action " + name);
    };
  }

  private static JsonObject outcome(Download d, String outcome, String message) {
    JsonObject o =
        new JsonObject().put("id", d.id).put("outcome", outcome).put("status", d.status.wire());
    return message == null ? o : o.put("message", message);
  }

  private static String cannot(Action a, Download d) {
    return "cannot " + a.name() + " it: it is " + d.status.wire();
  }

  private static String message(Action a, Throwable err) {
    String why = err instanceof ServiceException e ? e.callerMessage() : err.getMessage();
    return a.name() + " failed: " + why;
  }

  /**
   * {@code {matched, done, unchanged, skipped, failed, downloads}} of {@code outcomes}; an id no
   * download has counts as failed, not as matched.
   */
  public static JsonObject summary(JsonArray outcomes) {
    JsonObject reply = counts(outcomes);
    int notFound = 0;
    for (Object o : outcomes) {
      notFound += "not-found".equals(((JsonObject) o).getString("outcome")) ? 1 : 0;
    }
    int matched = outcomes.size() - notFound;
    int failed =
        outcomes.size()
            - reply.getInteger("done")
            - reply.getInteger("unchanged")
            - reply.getInteger("skipped");
    return reply.put("matched", matched).put("failed", failed).put("downloads", outcomes);
  }

  private static JsonObject counts(JsonArray outcomes) {
    int done = 0;
    int unchanged = 0;
    int skipped = 0;
    for (Object o : outcomes) {
      switch (((JsonObject) o).getString("outcome")) {
        case "done" -> done++;
        case "unchanged" -> unchanged++;
        case "skipped" -> skipped++;
        default -> {}
      }
    }
    return new JsonObject().put("done", done).put("unchanged", unchanged).put("skipped", skipped);
  }
}
