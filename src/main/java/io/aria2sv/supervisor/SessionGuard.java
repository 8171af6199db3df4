package io.aria2sv.supervisor;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches whether aria2 can save its session file. aria2c 1.36 cannot tell: on a full file system
 * it truncates the session to nothing, logs "Serialized session ... successfully" and answers
 * {@code aria2.saveSession} with OK (measured here on a full tmpfs), so a crash then loses every
 * unfinished download. This guard looks at the file system of the data directory every {@value
 * #EVERY_MILLIS} ms on a worker: the session is <em>at risk</em> while that file system is
 * read-only or has less free space than the larger of {@value #MIN_FREE_BYTES} bytes and the
 * session file's size. It reports each change of condition once (the listener gets the problem, or
 * null when safe again) and logs it once.
 */
final class SessionGuard {
  private static final Logger LOG = LoggerFactory.getLogger(SessionGuard.class);

  /** aria2 saves its session every second: look as often. */
  static final long EVERY_MILLIS = 1000;

  /** Below this much free space a session save is at risk whatever the file's size now. */
  static final long MIN_FREE_BYTES = 1 << 20;

  private final Vertx vertx;
  private final Path sessionFile;
  private final Consumer<String> onChange;
  private long timer = -1;
  private boolean checking;
  private String problem;

  SessionGuard(Vertx vertx, Path sessionFile, Consumer<String> onChange) {
    this.vertx = vertx;
    this.sessionFile = sessionFile;
    this.onChange = onChange;
  }

  /** Starts looking (on the caller's context); a first look happens at once. */
  void start() {
    if (timer < 0) {
      timer = vertx.setPeriodic(1, EVERY_MILLIS, id -> check());
    }
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Why the session is at risk now, or null while it can be saved. */
  String problem() {
    return problem;
  }

  private void check() {
    if (checking) {
      return;
    }
    checking = true;
    vertx
        .executeBlocking(() -> problemOf(sessionFile), false)
        .onComplete(
            ar -> {
              checking = false;
              String now =
                  ar.succeeded()
                      ? ar.result()
                      : "cannot look at "
                          + sessionFile.getParent()
                          + ": "
                          + ar.cause().getMessage();
              if (timer < 0 || (now == null ? problem == null : now.equals(problem))) {
                return;
              }
              if (now == null) {
                LOG.info("aria2's session file {} can be saved again", sessionFile);
              } else if (problem == null) {
                LOG.error(
                    "aria2's session file is at risk: {}; a crash of aria2c now would lose its unfinished downloads",
                    now);
              }
              problem = now;
              onChange.accept(now);
            });
  }

  /** Why a session save in {@code sessionFile}'s directory is at risk, or null. Blocking. */
  static String problemOf(Path sessionFile) throws IOException {
    Path dir = sessionFile.toAbsolutePath().getParent();
    FileStore fs = Files.getFileStore(dir);
    if (fs.isReadOnly()) {
      return "the file system of data directory "
          + dir
          + " is read-only: aria2 cannot save "
          + sessionFile.getFileName();
    }
    long size = Files.exists(sessionFile) ? Files.size(sessionFile) : 0;
    long free = fs.getUsableSpace();
    long need = Math.max(MIN_FREE_BYTES, size);
    if (free < need) {
      return "the file system of data directory "
          + dir
          + " has "
          + free
          + " bytes free, less than the "
          + need
          + " needed to save "
          + sessionFile.getFileName()
          + " safely (aria2 reports such saves as successful but writes an empty file)";
    }
    return null;
  }
}
