package io.aria2sv.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What each node's aria2c runs, asked of aria2c itself (its port and secret read from the node's
 * {@code aria2.conf}), every 200 ms, whatever the supervisors do: a download is known by its file
 * name. Keeps the history, and finds the moments a download was active on two nodes at once.
 */
public final class ActivityChecker implements AutoCloseable {
  /** One poll round: when (ms since the start), and the file names each node's aria2c ran. */
  public record Round(long atMs, Map<String, Set<String>> active) {}

  /** A download active on two nodes in the same round. */
  public record Violation(long atMs, String file, List<String> nodes) {}

  private final Vertx vertx;
  private final WebClient web;
  private final Map<String, Path> dataDirs;
  private final List<Round> history = Collections.synchronizedList(new ArrayList<>());
  private final long t0 = System.nanoTime();
  private final long timer;

  /** Polls the aria2c of each node (name to data directory). */
  public ActivityChecker(Vertx vertx, Map<String, Path> dataDirs) {
    this.vertx = vertx;
    this.web = WebClient.create(vertx);
    this.dataDirs = dataDirs;
    this.timer = vertx.setPeriodic(200, id -> poll());
  }

  /** Milliseconds since the checker started (the time line of {@link #history}). */
  public long now() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  private void poll() {
    long at = now();
    Map<String, Set<String>> round = new java.util.concurrent.ConcurrentHashMap<>();
    List<io.vertx.core.Future<?>> asks = new ArrayList<>();
    dataDirs.forEach(
        (node, dir) -> {
          Map<String, String> conf = conf(dir.resolve("aria2.conf"));
          if (conf == null) {
            return;
          }
          JsonObject call =
              new JsonObject()
                  .put("jsonrpc", "2.0")
                  .put("id", "c")
                  .put("method", "aria2.tellActive")
                  .put(
                      "params",
                      new JsonArray()
                          .add("token:" + conf.get("rpc-secret"))
                          .add(new JsonArray().add("files")));
          asks.add(
              web.post(Integer.parseInt(conf.get("rpc-listen-port")), "127.0.0.1", "/jsonrpc")
                  .timeout(150)
                  .sendJsonObject(call)
                  .onSuccess(
                      r -> {
                        Set<String> names = new HashSet<>();
                        JsonArray result = r.bodyAsJsonObject().getJsonArray("result");
                        if (result != null) {
                          result.forEach(
                              o -> {
                                JsonArray files = ((JsonObject) o).getJsonArray("files");
                                if (files != null && !files.isEmpty()) {
                                  String p = files.getJsonObject(0).getString("path", "");
                                  names.add(Path.of(p).getFileName().toString());
                                }
                              });
                        }
                        round.put(node, names);
                      }));
        });
    io.vertx.core.Future.join(asks).onComplete(ar -> history.add(new Round(at, Map.copyOf(round))));
  }

  private static Map<String, String> conf(Path file) {
    try {
      Map<String, String> out = new HashMap<>();
      for (String line : Files.readAllLines(file)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
      return out.containsKey("rpc-secret") ? out : null;
    } catch (java.io.IOException e) {
      return null; // not written yet, or being replaced
    }
  }

  /** Every download active on two nodes in one round at or after {@code fromMs}. */
  public List<Violation> violations(long fromMs) {
    List<Violation> out = new ArrayList<>();
    synchronized (history) {
      for (Round r : history) {
        if (r.atMs() < fromMs) {
          continue;
        }
        Map<String, List<String>> where = new HashMap<>();
        r.active()
            .forEach(
                (node, files) ->
                    files.forEach(f -> where.computeIfAbsent(f, k -> new ArrayList<>()).add(node)));
        where.forEach(
            (file, nodes) -> {
              if (nodes.size() > 1) {
                out.add(new Violation(r.atMs(), file, List.copyOf(nodes)));
              }
            });
      }
    }
    return out;
  }

  /** The history of {@code file}: each round's nodes that ran it, for a report. */
  public String historyOf(String file) {
    StringBuilder b = new StringBuilder(file).append(':');
    synchronized (history) {
      for (Round r : history) {
        List<String> on = new ArrayList<>();
        r.active()
            .forEach(
                (node, files) -> {
                  if (files.contains(file)) {
                    on.add(node);
                  }
                });
        b.append(String.format("%n  %6d ms %s", r.atMs(), on));
      }
    }
    return b.toString();
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
    web.close();
  }
}
