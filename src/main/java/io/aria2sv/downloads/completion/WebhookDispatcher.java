package io.aria2sv.downloads.completion;

import io.aria2sv.downloads.registry.Outbox;
import io.aria2sv.downloads.registry.Registry;
import io.aria2sv.downloads.registry.RegistryStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the webhook outbox: as soon as new messages are committed, and four times a second for
 * those due later, the messages due are read and each is POSTed to its endpoint with the Web
 * Client, signed as Standard Webhooks says ({@code webhook-id}, {@code webhook-timestamp}, {@code
 * webhook-signature}). A 2xx within 15 s delivers it; a 410 stops it for good; anything else
 * (another status, no answer, no connection) is tried again after the next delay of the schedule
 * ({@code completion.webhookRetries}), with the same id, and fails when the schedule ends. Every
 * attempt is recorded; a message may be delivered again on request. Since messages are stored with
 * the transition they report, a crash loses none: a message sent but not yet recorded as delivered
 * is sent again (at least once, one id: receivers deduplicate by it).
 */
public final class WebhookDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
  private static final long TICK_MS = 250;
  private static final int TIMEOUT_MS = 15_000;
  private static final int BATCH = 64;

  private final Vertx vertx;
  private final RegistryStore store;
  private final Path dataDir;
  private final Webhooks webhooks;
  private final List<Duration> retries;
  private final Set<String> inFlight = new HashSet<>();
  private WebClient web;
  private Outbox outbox;
  private long timer = -1;
  private boolean polling;
  private boolean again;

  public WebhookDispatcher(
      Vertx vertx, RegistryStore store, Path dataDir, Webhooks webhooks, List<Duration> retries) {
    this.vertx = vertx;
    this.store = store;
    this.dataDir = dataDir;
    this.webhooks = webhooks;
    this.retries = retries;
  }

  /** Starts delivering (nothing to do without endpoints, but the log still answers). */
  public Future<Void> start() {
    return vertx
        .executeBlocking(() -> Outbox.open(dataDir), false)
        .map(
            o -> {
              outbox = o;
              if (!webhooks.endpoints().isEmpty()) {
                web =
                    WebClient.create(
                        vertx,
                        new WebClientOptions()
                            .setConnectTimeout(10_000)
                            .setFollowRedirects(false)
                            .setUserAgent("aria2-supervisor-webhooks")
                            .setMetricsName("webhooks"));
                timer = vertx.setPeriodic(TICK_MS, id -> poll());
              }
              return null;
            });
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (web != null) {
      web.close();
    }
    Outbox o = outbox;
    if (o != null) {
      vertx.executeBlocking(
          () -> {
            o.close();
            return null;
          },
          true);
    }
  }

  /** New messages were committed: read the outbox now rather than at the next tick. */
  public void kick() {
    if (outbox != null && web != null) {
      if (polling) {
        again = true;
      } else {
        poll();
      }
    }
  }

  private void poll() {
    if (polling) {
      return;
    }
    polling = true;
    again = false;
    long now = System.currentTimeMillis();
    vertx
        .executeBlocking(() -> outbox.due(now, BATCH), true)
        .onComplete(
            ar -> {
              polling = false;
              if (again) {
                vertx.runOnContext(v -> poll());
              }
              if (ar.failed()) {
                LOG.debug("webhook outbox unreadable: {}", ar.cause().getMessage());
                return;
              }
              for (Outbox.Message m : ar.result()) {
                if (inFlight.add(m.id())) {
                  deliver(m);
                }
              }
            });
  }

  private void deliver(Outbox.Message m) {
    Webhooks.Endpoint e = webhooks.endpoint(m.endpoint());
    long started = System.currentTimeMillis();
    if (e == null) {
      record(m, started, 0, "endpoint " + m.endpoint() + " is no longer configured", "failed", 0);
      return;
    }
    long ts = started / 1000;
    web.postAbs(e.url().toString())
        .timeout(TIMEOUT_MS)
        .putHeader("Content-Type", "application/json")
        .putHeader("webhook-id", m.id())
        .putHeader("webhook-timestamp", String.valueOf(ts))
        .putHeader("webhook-signature", WebhookSigner.sign(e.key(), m.id(), ts, m.body()))
        .sendBuffer(Buffer.buffer(m.body()))
        .onComplete(
            ar -> {
              long ms = System.currentTimeMillis() - started;
              if (ar.failed()) {
                retryOrFail(m, started, 0, String.valueOf(ar.cause().getMessage()), ms);
                return;
              }
              int status = ar.result().statusCode();
              if (status >= 200 && status < 300) {
                record(m, started, status, null, "delivered", ms);
              } else if (status == 410) {
                LOG.info(
                    "webhook {} to {}: 410 Gone, the endpoint wants no more", m.id(), e.name());
                record(m, started, status, "410 Gone", "stopped", ms);
              } else {
                retryOrFail(m, started, status, "HTTP " + status, ms);
              }
            });
  }

  private void retryOrFail(Outbox.Message m, long at, int status, String error, long ms) {
    int done = m.attempts() + 1;
    if (done > retries.size()) {
      LOG.warn(
          "webhook {} ({} of download {}) to {} failed {} times, last: {}; giving up",
          m.id(),
          m.type(),
          m.downloadId(),
          m.endpoint(),
          done,
          error);
      record(m, at, status, error, "failed", ms);
      return;
    }
    long next = at + retries.get(done - 1).toMillis();
    LOG.info(
        "webhook {} to {}: {}; attempt {} in {} ms",
        m.id(),
        m.endpoint(),
        error,
        done + 1,
        next - at);
    store
        .record(List.of(new Registry.Attempted(m.id(), at, status, error, ms, "pending", next)))
        .onComplete(v -> inFlight.remove(m.id()));
  }

  private void record(Outbox.Message m, long at, int status, String error, String state, long ms) {
    store
        .record(List.of(new Registry.Attempted(m.id(), at, status, error, ms, state, at)))
        .onComplete(v -> inFlight.remove(m.id()));
  }

  /** The delivery log, newest first (of one download when given). */
  public Future<JsonArray> log(String downloadId, int limit) {
    return vertx.executeBlocking(() -> outbox.log(downloadId, limit), true);
  }

  /** Delivers message {@code id} again now, whatever became of it; false when there is none. */
  public Future<Boolean> redeliver(String id) {
    return vertx
        .executeBlocking(() -> outbox.state(id), true)
        .compose(
            state ->
                state == null
                    ? Future.succeededFuture(false)
                    : store
                        .record(List.of(new Registry.Redeliver(id, System.currentTimeMillis())))
                        .map(true));
  }
}
