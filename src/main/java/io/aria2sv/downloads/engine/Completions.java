package io.aria2sv.downloads.engine;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.completion.Command;
import io.aria2sv.downloads.completion.Mover;
import io.aria2sv.downloads.registry.RegistryStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs after a download ended {@code complete}: the move into the finished root its request
 * asked for ({@code moveTo}, from the add, its category or the default), then the operator's
 * command ({@code completion.command}, see {@link Command}) with its exit code and output tail kept
 * in the state. The step's state is part of the download ({@code completion: {state:
 * pending|running|done|failed, step, finalPath, reason, at}}), stored in the same transaction as
 * the transition to complete and with every change after it, and published as {@code changed} once
 * per change. The destination is planned and stored before anything is written there, so a run
 * after a crash finishes the same move ({@link Mover}). A failed step keeps the files where they
 * were and can be run again. Event-loop confined; the file work runs on workers.
 */
final class Completions {
  private static final Logger LOG = LoggerFactory.getLogger(Completions.class);

  private final Vertx vertx;
  private final Transitions transitions;
  private final RegistryStore store;
  private final Path root;
  private volatile Path finishedRoot;
  private List<String> command = List.of();
  private Duration commandTimeout = Duration.ofMinutes(5);
  private final Set<String> running = new HashSet<>();
  private final TorrentStore torrents;
  private final java.util.function.Predicate<Download> torrentStillNeeded;

  Completions(
      Vertx vertx,
      Transitions transitions,
      RegistryStore store,
      Path root,
      TorrentStore torrents,
      java.util.function.Predicate<Download> torrentStillNeeded) {
    this.vertx = vertx;
    this.torrents = torrents;
    this.torrentStillNeeded = torrentStillNeeded;
    this.transitions = transitions;
    this.store = store;
    this.root = root.toAbsolutePath().normalize();
  }

  /** Where moves go (null: none is configured). */
  void finishedRoot(Path dir) {
    this.finishedRoot = dir == null ? null : dir.toAbsolutePath().normalize();
  }

  /** The operator's command after each complete download (empty: none), and its time limit. */
  void command(List<String> argv, Duration timeout) {
    this.command = argv;
    this.commandTimeout = timeout;
  }

  /**
   * {@code d} reaches complete: its step becomes pending before that transition is stored, and runs
   * once it is.
   */
  void begin(Download d) {
    if (d.request.moveTo() == null && command.isEmpty() || d.completion != null) {
      return;
    }
    d.completion = state("pending", d.request.moveTo() != null ? "move" : "command", null, null);
    vertx.runOnContext(v -> run(d));
  }

  /** Runs again the steps a stop or a crash interrupted. */
  void resume(Iterable<Download> all) {
    for (Download d : all) {
      if (d.completion != null
          && d.status == DownloadStatus.COMPLETE
          && ("pending".equals(d.completion.getString("state"))
              || "running".equals(d.completion.getString("state")))) {
        run(d);
      }
    }
  }

  /** A failed step, run again from the step that failed (CONFLICT unless it failed). */
  Future<Download> retry(Download d) {
    if (d.completion == null || !"failed".equals(d.completion.getString("state"))) {
      return Future.failedFuture(
          new ServiceException(
              ErrorCode.CONFLICT,
              "download "
                  + d.id
                  + (d.completion == null
                      ? " has no completion step"
                      : "'s completion step is "
                          + d.completion.getString("state")
                          + ", not failed")));
    }
    String step = d.completion.getString("step");
    // a failed move left nothing at its destination: planned anew; a failed command keeps the path
    d.completion =
        state(
            "pending",
            step,
            "command".equals(step) ? d.completion.getString("finalPath") : null,
            null);
    transitions.changed(d);
    run(d);
    return Future.succeededFuture(d);
  }

  private void run(Download d) {
    if (!running.add(d.id)) {
      return;
    }
    boolean move = "move".equals(d.completion.getString("step"));
    Future<Path> placed =
        move
            ? move(d)
            : Future.succeededFuture(
                d.completion.getString("finalPath") != null
                    ? Path.of(d.completion.getString("finalPath"))
                    : d.path == null ? null : Path.of(d.path));
    placed
        .compose(path -> command.isEmpty() ? Future.succeededFuture(path) : command(d, path))
        .onComplete(
            ar -> {
              running.remove(d.id);
              JsonObject now = d.completion;
              if (ar.succeeded()) {
                forgetTorrent(d);
                d.completion =
                    state(
                        "done",
                        now.getString("step"),
                        ar.result() == null ? null : ar.result().toString(),
                        null);
                copyCommand(now, d.completion);
                LOG.info(
                    "download {}: completion done ({})", d.id, d.completion.getString("finalPath"));
              } else {
                String why = reason(ar.cause());
                d.completion =
                    state("failed", now.getString("step"), now.getString("finalPath"), why);
                copyCommand(now, d.completion);
                LOG.warn(
                    "download {}: completion step {} failed: {}", d.id, now.getString("step"), why);
              }
              transitions.changed(d, "completion");
            });
  }

  /**
   * A torrent's kept {@code .torrent} goes once its files are where they belong (unless another
   * download that has not ended uses the same torrent).
   */
  private void forgetTorrent(Download d) {
    String hash = d.request.torrent();
    if (hash == null || torrentStillNeeded.test(d)) {
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              torrents.removeFile(hash);
              return null;
            },
            false)
        .onFailure(
            err -> LOG.warn("cannot remove the kept torrent {}: {}", hash, err.getMessage()));
  }

  private static void copyCommand(JsonObject from, JsonObject to) {
    if (from.getJsonObject("command") != null) {
      to.put("command", from.getJsonObject("command"));
    }
  }

  /** The move: planned (and stored) first, then done on a worker. */
  private Future<Path> move(Download d) {
    Path base = root.resolve(d.request.dir()).normalize();
    Path target =
        finishedRoot == null ? null : finishedRoot.resolve(d.request.moveTo()).normalize();
    String planned = d.completion.getString("finalPath");
    return vertx
        .executeBlocking(
            () -> {
              Path source = item(base, d);
              if (target == null) {
                throw new IOException("no completion.finishedRoot is configured");
              }
              checkInside(target, finishedRoot, "the finished root");
              return new Path[] {
                source, planned != null ? Path.of(planned) : Mover.plan(source, target)
              };
            },
            false)
        .compose(
            paths -> {
              d.completion = state("running", "move", paths[1].toString(), null);
              transitions.changed(d);
              return store
                  .updateNow(d.stored())
                  .compose(
                      stored ->
                          vertx.executeBlocking(
                              () -> {
                                Mover.move(paths[0], paths[1]);
                                Files.deleteIfExists(Path.of(paths[0] + ".aria2"));
                                return paths[1];
                              },
                              false));
            })
        .onSuccess(p -> LOG.info("download {} moved to {}", d.id, p));
  }

  /** The command, once per completion while this JVM lives; again after a crash in the middle. */
  private Future<Path> command(Download d, Path path) {
    d.completion = state("running", "command", path == null ? null : path.toString(), null);
    transitions.changed(d);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ARIA2SV_ID", d.id);
    env.put("ARIA2SV_NAME", path == null ? "" : path.getFileName().toString());
    env.put("ARIA2SV_CATEGORY", d.request.category() == null ? "" : d.request.category());
    env.put("ARIA2SV_STATUS", d.status.wire());
    env.put("ARIA2SV_PATH", path == null ? "" : path.toString());
    env.put("ARIA2SV_DIR", path == null ? root.toString() : path.getParent().toString());
    Path cwd = path == null ? root : path.getParent();
    List<String> argv = command;
    Duration limit = commandTimeout;
    return store
        .updateNow(d.stored())
        .compose(v -> vertx.executeBlocking(() -> Command.run(argv, cwd, env, limit), false))
        .compose(
            r -> {
              JsonObject result =
                  new JsonObject()
                      .put("exitCode", r.exitCode())
                      .put("output", r.output())
                      .put("ms", r.ms());
              d.completion =
                  d.completion.copy().put("command", result); // replaced, never changed in place
              if (r.ok()) {
                return Future.succeededFuture(path);
              }
              return Future.failedFuture(
                  new IOException(
                      r.exitCode() == null
                          ? "the command ran over its time limit of " + limit.toSeconds() + " s"
                          : "the command exited " + r.exitCode()));
            });
  }

  /**
   * What moves: the download's file, or the torrent's directory it is in (the first name under its
   * directory in the download root). Blocking.
   */
  static Path item(Path base, Download d) throws IOException {
    if (d.path == null) {
      throw new IOException("aria2 never said which file it wrote");
    }
    Path file = Path.of(d.path).toAbsolutePath().normalize();
    if (!file.startsWith(base) || file.equals(base)) {
      throw new IOException(file + " is not inside " + base);
    }
    Path item = base.resolve(base.relativize(file).getName(0));
    if (!Files.exists(item, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(item + " is gone");
    }
    checkInside(item, base, "the download root");
    return item;
  }

  /** Fails when the real location of {@code p} (or of its nearest existing parent) is outside. */
  private static void checkInside(Path p, Path root, String what) throws IOException {
    Path existing = p;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    Path realRoot = Files.exists(root) ? root.toRealPath() : root;
    if (existing == null || !existing.toRealPath().startsWith(realRoot)) {
      throw new IOException(p + " leads out of " + what + " through a symbolic link");
    }
  }

  private static String reason(Throwable err) {
    if (err instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason() + " (" + f.getFile() + ")";
    }
    return String.valueOf(err.getMessage());
  }

  private static JsonObject state(String state, String step, String finalPath, String reason) {
    JsonObject o = new JsonObject().put("step", step).put("state", state);
    if (finalPath != null) {
      o.put("finalPath", finalPath);
    }
    if (reason != null) {
      o.put("reason", reason);
    }
    return o.put("at", Instant.now().toString());
  }
}
