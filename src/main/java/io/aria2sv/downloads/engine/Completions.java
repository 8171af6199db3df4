package io.aria2sv.downloads.engine;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
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
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs after a download ended {@code complete}: the move into the finished root its request
 * asked for ({@code moveTo}, from the add, its category or the default). The step's state is part
 * of the download ({@code completion: {state: pending|running|done|failed, step, finalPath, reason,
 * at}}), stored in the same transaction as the transition to complete and with every change after
 * it, and published as {@code changed} once per change. The destination is planned and stored
 * before anything is written there, so a run after a crash finishes the same move ({@link Mover}).
 * A failed step keeps the files where they were and can be run again. Event-loop confined; the file
 * work runs on workers.
 */
final class Completions {
  private static final Logger LOG = LoggerFactory.getLogger(Completions.class);

  private final Vertx vertx;
  private final Transitions transitions;
  private final RegistryStore store;
  private final Path root;
  private volatile Path finishedRoot;
  private final Set<String> running = new HashSet<>();

  Completions(Vertx vertx, Transitions transitions, RegistryStore store, Path root) {
    this.vertx = vertx;
    this.transitions = transitions;
    this.store = store;
    this.root = root.toAbsolutePath().normalize();
  }

  /** Where moves go (null: none is configured). */
  void finishedRoot(Path dir) {
    this.finishedRoot = dir == null ? null : dir.toAbsolutePath().normalize();
  }

  /**
   * {@code d} reaches complete: its step becomes pending before that transition is stored, and runs
   * once it is.
   */
  void begin(Download d) {
    if (d.request.moveTo() == null || d.completion != null) {
      return;
    }
    d.completion = state("pending", null, null);
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

  /** A failed step, run again (CONFLICT unless it failed). */
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
    // planned anew: the failed run left nothing at its destination
    d.completion = state("pending", null, null);
    transitions.changed(d);
    run(d);
    return Future.succeededFuture(d);
  }

  private void run(Download d) {
    if (!running.add(d.id)) {
      return;
    }
    Path base = root.resolve(d.request.dir()).normalize();
    Path target =
        finishedRoot == null ? null : finishedRoot.resolve(d.request.moveTo()).normalize();
    String planned = d.completion.getString("finalPath");
    vertx
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
              d.completion = state("running", paths[1].toString(), null);
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
        .onComplete(
            ar -> {
              running.remove(d.id);
              if (ar.succeeded()) {
                d.completion = state("done", ar.result().toString(), null);
                LOG.info("download {} moved to {}", d.id, ar.result());
              } else {
                String why = reason(ar.cause());
                d.completion = state("failed", d.completion.getString("finalPath"), why);
                LOG.warn("download {} could not be moved: {}", d.id, why);
              }
              transitions.changed(d, "completion");
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

  private static JsonObject state(String state, String finalPath, String reason) {
    JsonObject o = new JsonObject().put("step", "move").put("state", state);
    if (finalPath != null) {
      o.put("finalPath", finalPath);
    }
    if (reason != null) {
      o.put("reason", reason);
    }
    return o.put("at", Instant.now().toString());
  }
}
