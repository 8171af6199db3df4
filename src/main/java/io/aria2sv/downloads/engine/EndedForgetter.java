package io.aria2sv.downloads.engine;

import io.aria2sv.config.Durations;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code downloads.keepEnded}: with it set, looks for downloads that ended longer ago than that
 * four times per {@code keepEnded} (at least every second, at most every hour) and forgets them.
 * Event-loop confined.
 */
public final class EndedForgetter {
  private static final Logger LOG = LoggerFactory.getLogger(EndedForgetter.class);

  private final Vertx vertx;
  private final DownloadManager manager;
  private long timer = -1;

  public EndedForgetter(Vertx vertx, DownloadManager manager) {
    this.vertx = vertx;
    this.manager = manager;
  }

  /** Keeps ended downloads for {@code keepEnded} from now on; zero keeps them for ever. */
  public void keep(Duration keepEnded) {
    stop();
    if (keepEnded.isZero()) {
      return;
    }
    long every = Math.max(1000, Math.min(3_600_000, keepEnded.toMillis() / 4));
    timer =
        vertx.setPeriodic(
            every,
            id -> {
              manager
                  .forgetting()
                  .forgetEnded(System.currentTimeMillis() - keepEnded.toMillis())
                  .onSuccess(
                      n -> {
                        if (n > 0) {
                          LOG.info(
                              "forgot {} downloads that ended more than {} ago"
                                  + " (downloads.keepEnded)",
                              n,
                              Durations.format(keepEnded));
                        }
                      })
                  .onFailure(
                      err -> LOG.warn("cannot forget ended downloads: {}", err.getMessage()));
            });
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
