package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.FAILED;
import static io.aria2sv.bus.DownloadStatus.RETRYING;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.downloads.registry.Registry;
import io.aria2sv.downloads.registry.RegistryStore;
import io.aria2sv.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens after aria2 reports a download failed: {@link RetryDecider} says whether and when it
 * is added again; a re-add goes under a new GID with {@code continue=true}, so aria2 resumes the
 * partial file. A partial file in the way of a fresh start (aria2 errors 13 and 8) is deleted first
 * when it is the download's own. Also runs the re-adds of a manual retry and of a resume that aria2
 * no longer knows. Event-loop confined.
 */
final class ReAdds {
  private static final Logger LOG = LoggerFactory.getLogger(ReAdds.class);

  /** aria2's "file exists but has no control file". */
  static final int FILE_EXISTS = 13;

  /** aria2's "the server cannot resume" (it ignored the Range of a resumed download). */
  static final int RESUME_UNSUPPORTED = 8;

  /**
   * File times come from the kernel's coarse clock, which may lag the time a download was requested
   * by a clock tick (up to 10 ms at HZ=100); a file written within this much before is still ours.
   */
  private static final long FILE_TIME_SLACK_MS = 20;

  /** Why a download is added again. */
  enum Trigger {
    AUTOMATIC,
    MANUAL,
    RESUME
  }

  private final Vertx vertx;
  private final DownloadIndex index;
  private final Transitions transitions;
  private final Aria2Side aria2;
  private final AddsInFlight inFlight;
  private final RegistryStore store;
  private final DownloadFiles files;
  private final Metrics metrics;
  private final Map<String, Long> timers = new HashMap<>();
  private RetryDecider decider;

  ReAdds(
      Vertx vertx,
      DownloadIndex index,
      Transitions transitions,
      Aria2Side aria2,
      AddsInFlight inFlight,
      RegistryStore store,
      DownloadFiles files,
      Metrics metrics,
      RetryDecider decider) {
    this.vertx = vertx;
    this.index = index;
    this.transitions = transitions;
    this.aria2 = aria2;
    this.inFlight = inFlight;
    this.store = store;
    this.files = files;
    this.metrics = metrics;
    this.decider = decider;
  }

  RetryDecider decider() {
    return decider;
  }

  /** New re-add settings, for every later decision. */
  void reconfigure(RetryDecider next) {
    decider = next;
  }

  /** aria2 reports {@code d} failed with {@code code}: fail it for good, or re-add it later. */
  void failed(Download d, int code, String message) {
    if (d.status == FAILED || d.status == RETRYING) {
      return;
    }
    d.errorCode = code;
    d.errorMessage = message;
    String gid = d.gid;
    aria2.dropResult(gid);
    Download.Failure attempt = new Download.Failure(System.currentTimeMillis(), gid, code, message);
    d.failedAttempt(attempt);
    store.recordRetry(new Registry.RecordRetry(d.id, gid, code, message, attempt.at()));
    var delay = decider.reAddDelay(code, d.retryCount);
    if ((code == FILE_EXISTS && delay.isEmpty() || code == RESUME_UNSUPPORTED)
        && startOverIfOwnPartialFile(d, code, message)) {
      return;
    }
    if (delay.isEmpty()) {
      LOG.info(
          "download {} failed for good (aria2 error {}: {}) after {} re-adds",
          d.id,
          code,
          message,
          d.retryCount);
      failForGood(d, code);
      return;
    }
    LOG.info(
        "download {} failed (aria2 error {}: {}); re-adding in {} ms (re-add {} of {})",
        d.id,
        code,
        message,
        delay.get().toMillis(),
        d.retryCount + 1,
        decider.maxRetries());
    transitions.move(d, RETRYING);
    schedule(d, delay.get());
  }

  /**
   * Starts a download over from nothing, as a re-add, when its partial file is in the way:
   *
   * <ul>
   *   <li>error 13: aria2 refuses to write over a file that has no control file. When aria2c was
   *       killed after creating the file and before saving its control file (saved every second),
   *       the file is this download's own, and aria2 restored the download from its session without
   *       {@code continue}.
   *   <li>error 8: the server ignored the Range of a download resumed after a pause or a restart;
   *       its partial file and control file can only be replaced.
   * </ul>
   *
   * Only a file written after the download was requested is deleted. A file that existed before is
   * the user's: the download fails.
   *
   * @return whether the decision is under way (the download is RETRYING meanwhile)
   */
  private boolean startOverIfOwnPartialFile(Download d, int code, String message) {
    var delay = decider.nextDelay(d.retryCount);
    List<Path> own = files.of(d);
    if (delay.isEmpty() || own.isEmpty() || writtenByAnother(d, own.get(0))) {
      return false;
    }
    transitions.move(d, RETRYING);
    boolean withControlFile = code == RESUME_UNSUPPORTED;
    files
        .deleteOwnPartialFile(own.get(0), d.createdAt - FILE_TIME_SLACK_MS, withControlFile)
        .onComplete(
            ar -> {
              if (d.status != RETRYING) {
                return; // paused or removed meanwhile
              }
              if (ar.succeeded() && ar.result()) {
                LOG.info(
                    "download {}: deleted its own partial file {} ({}); starting over in {} ms (re-add {} of {})",
                    d.id,
                    own.get(0),
                    withControlFile
                        ? "the server cannot resume"
                        : "aria2c had not saved its control file",
                    delay.get().toMillis(),
                    d.retryCount + 1,
                    decider.maxRetries());
                schedule(d, delay.get());
              } else {
                LOG.info("download {} failed for good (aria2 error {}: {})", d.id, code, message);
                failForGood(d, code);
              }
            });
    return true;
  }

  /**
   * Whether another download of the registry writes (or wrote) {@code file}: then it is not {@code
   * d}'s to delete.
   */
  private boolean writtenByAnother(Download d, Path file) {
    Path f = file.toAbsolutePath().normalize();
    for (Download o : index.all()) {
      if (o != d
          && files.of(o).stream()
              .findFirst()
              .map(p -> p.toAbsolutePath().normalize().equals(f))
              .orElse(false)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Ends {@code d} as failed. For aria2's "file exists" the message says what to do here instead of
   * aria2's advice to restart aria2 with another option.
   */
  private void failForGood(Download d, int code) {
    if (code == FILE_EXISTS) {
      List<Path> own = files.of(d);
      String file = own.isEmpty() ? "its file" : "the file " + own.get(0);
      d.errorMessage =
          file
              + " already exists and was not written by this download: remove or rename it and retry,"
              + " or add the download again with another name (\"out\") or with option allow-overwrite=true to replace the file";
    }
    transitions.move(d, FAILED);
  }

  private void schedule(Download d, Duration delay) {
    cancel(d);
    timers.put(
        d.id,
        vertx.setTimer(
            Math.max(1, delay.toMillis()),
            id -> {
              timers.remove(d.id);
              if (d.status == RETRYING) {
                now(d, Trigger.AUTOMATIC, WAITING)
                    .onFailure(
                        err ->
                            LOG.warn("re-add of download {} deferred: {}", d.id, err.getMessage()));
              }
            }));
  }

  /** Cancels a re-add of {@code d} that waits for its time. */
  void cancel(Download d) {
    Long timer = timers.remove(d.id);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  /** Whether a re-add of {@code d} waits for its time. */
  boolean scheduled(Download d) {
    return timers.containsKey(d.id);
  }

  /**
   * Adds the download again under a new GID with {@code continue=true}, so aria2 resumes the
   * partial file, and moves it to {@code after} once aria2 took it. When aria2 is down the download
   * stays RETRYING and the next reconcile adds it; when aria2 refuses it, it fails.
   */
  Future<Download> now(Download d, Trigger trigger, DownloadStatus after) {
    cancel(d);
    boolean countRetry = trigger != Trigger.RESUME;
    if (countRetry) {
      metrics.reAdd(trigger == Trigger.AUTOMATIC);
    }
    index.newGid(d);
    if (countRetry) {
      d.retryCount++;
    }
    transitions.move(d, RETRYING);
    // After "file exists" the file on disk is not a partial download of ours (ours was deleted):
    // without continue, aria2 refuses again rather than append to someone else's file.
    boolean resume = !Objects.equals(d.errorCode, FILE_EXISTS);
    return inFlight.reAdd(
        d,
        aria2
            .add(d, resume)
            .map(
                v -> {
                  transitions.move(d, after);
                  return d;
                })
            .recover(
                err -> {
                  if (err instanceof AddRefused refused) {
                    d.errorMessage = refused.getMessage();
                    transitions.move(d, FAILED);
                  }
                  return Future.failedFuture(err);
                }));
  }

  void stop() {
    timers.values().forEach(vertx::cancelTimer);
    timers.clear();
  }
}
