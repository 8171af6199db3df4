package io.aria2sv.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What each node's aria2c runs, asked of aria2c itself every {@value #PERIOD_MS} ms by an {@link
 * Aria2Poller} process per node (in the node's network namespace when it has one), whatever the
 * supervisors do: a download is known by its file name. Keeps the history, and finds the moments a
 * download was active on two nodes at once (two polls of the same {@value #PERIOD_MS} ms slot).
 */
public final class ActivityChecker implements AutoCloseable {
  /** How often each aria2c is asked. */
  public static final long PERIOD_MS = 200;

  /** One answer: when (ms since the checker started), which node, the file names it ran. */
  public record Sample(long atMs, String node, Set<String> active) {}

  /** A download active on two nodes in the same slot. */
  public record Violation(long atMs, String file, List<String> nodes) {}

  private final long t0 = System.currentTimeMillis();
  private final List<Sample> history = Collections.synchronizedList(new ArrayList<>());
  private final List<Process> pollers = new ArrayList<>();

  /** Polls the aria2c of each node (name to data directory) from this machine's namespace. */
  public ActivityChecker(Map<String, Path> dataDirs) throws IOException {
    this(dataDirs, node -> List.of());
  }

  /**
   * Polls the aria2c of each node (name to data directory), each poller started with {@code
   * prefix}'s command in front (such as {@code ip netns exec <ns>}).
   */
  public ActivityChecker(Map<String, Path> dataDirs, Function<String, List<String>> prefix)
      throws IOException {
    for (Map.Entry<String, Path> e : dataDirs.entrySet()) {
      List<String> cmd = new ArrayList<>(prefix.apply(e.getKey()));
      cmd.addAll(
          List.of(
              ProcessHandle.current().info().command().orElse("java"),
              "-Xmx24m",
              "-XX:TieredStopAtLevel=1",
              "-cp",
              System.getProperty("java.class.path"),
              Aria2Poller.class.getName(),
              e.getValue().resolve("aria2.conf").toString(),
              String.valueOf(PERIOD_MS)));
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      pollers.add(p);
      Thread reader = new Thread(() -> read(e.getKey(), p), "poller-" + e.getKey());
      reader.setDaemon(true);
      reader.start();
    }
  }

  private void read(String node, Process p) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        int tab = line.indexOf('\t');
        String answer = line.substring(tab + 1);
        if (tab < 0 || answer.equals("-")) {
          continue; // no answer this time: nothing known, not "nothing runs"
        }
        Set<String> names = names(answer);
        if (names != null) {
          history.add(new Sample(Long.parseLong(line.substring(0, tab)) - t0, node, names));
        }
      }
    } catch (IOException | RuntimeException e) {
      // the poller ended
    }
  }

  private static Set<String> names(String answer) {
    JsonArray result;
    try {
      result = new JsonObject(answer).getJsonArray("result");
    } catch (RuntimeException e) {
      return null;
    }
    if (result == null) {
      return null;
    }
    Set<String> names = new HashSet<>();
    result.forEach(
        o -> {
          JsonArray files = ((JsonObject) o).getJsonArray("files");
          if (files != null && !files.isEmpty()) {
            String p = files.getJsonObject(0).getString("path", "");
            if (!p.isEmpty()) {
              names.add(Path.of(p).getFileName().toString());
            }
          }
        });
    return names;
  }

  /** Milliseconds since the checker started (the time line of its history). */
  public long now() {
    return System.currentTimeMillis() - t0;
  }

  /** How many answers came from {@code node} so far. */
  public long answers(String node) {
    synchronized (history) {
      return history.stream().filter(s -> s.node().equals(node)).count();
    }
  }

  /** Every download active on two nodes in one slot at or after {@code fromMs}. */
  public List<Violation> violations(long fromMs) {
    Map<Long, Map<String, List<String>>> slots = new TreeMap<>();
    synchronized (history) {
      for (Sample s : history) {
        if (s.atMs() < fromMs) {
          continue;
        }
        Map<String, List<String>> where =
            slots.computeIfAbsent(s.atMs() / PERIOD_MS, k -> new TreeMap<>());
        s.active()
            .forEach(
                f -> {
                  List<String> on = where.computeIfAbsent(f, k -> new ArrayList<>());
                  if (!on.contains(s.node())) {
                    on.add(s.node());
                  }
                });
      }
    }
    List<Violation> out = new ArrayList<>();
    slots.forEach(
        (slot, where) ->
            where.forEach(
                (file, nodes) -> {
                  if (nodes.size() > 1) {
                    out.add(new Violation(slot * PERIOD_MS, file, List.copyOf(nodes)));
                  }
                }));
    return out;
  }

  /** The history of {@code file}: when each node's aria2c began and stopped running it. */
  public String historyOf(String file) {
    StringBuilder b = new StringBuilder(file).append(':');
    Map<String, Boolean> running = new TreeMap<>();
    synchronized (history) {
      for (Sample s : history) {
        boolean runs = s.active().contains(file);
        Boolean before = running.put(s.node(), runs);
        if (before == null ? runs : before != runs) {
          b.append(
              String.format("%n  %6d ms %s %s", s.atMs(), s.node(), runs ? "runs it" : "stopped"));
        }
      }
    }
    return b.toString();
  }

  /** A report of {@code violations}: each file's history once. */
  public String report(List<Violation> violations) {
    return violations.stream()
        .map(Violation::file)
        .distinct()
        .map(this::historyOf)
        .reduce((a, b) -> a + "\n" + b)
        .orElse("");
  }

  @Override
  public void close() {
    pollers.forEach(Process::destroyForcibly);
  }
}
