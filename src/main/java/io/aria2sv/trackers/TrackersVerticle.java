package io.aria2sv.trackers;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.OptionLayers;
import io.aria2sv.config.AppConfig;
import io.aria2sv.config.Durations;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BitTorrent tracker lists kept fresh ({@code bittorrent.trackerLists}): each list is fetched with
 * the Web Client at start and every {@code trackerListInterval}, filtered ({@link TrackerList}),
 * kept in {@code trackers.json} in the data directory, and the merged list, after any {@code
 * bt-tracker} of {@code aria2.options}, becomes aria2's global {@code bt-tracker} through {@link
 * OptionLayers}: every torrent and magnet added afterwards gets it. A list that cannot be fetched
 * keeps its last good content and says why in its status (one log line per failure).
 */
public final class TrackersVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TrackersVerticle.class);
  private static final int FETCH_TIMEOUT_MS = 30_000;

  private final Map<URI, ListState> lists = new LinkedHashMap<>();
  private AppConfig.Bittorrent config;
  private Path dataDir;
  private String configured;
  private WebClient web;
  private TrackerStore store;
  private long timer = -1;
  private Instant nextFetch;

  /** What was last given as {@code bt-tracker}. */
  private List<String> merged = List.of();

  /** A deployment of this verticle with the effective configuration. */
  public static DeploymentOptions options(JsonObject config) {
    return new DeploymentOptions().setConfig(config);
  }

  @Override
  public Future<?> start() {
    AppConfig app = AppConfig.from(config());
    config = app.bittorrent();
    dataDir = app.aria2().dataDir();
    configured = app.aria2().options().getOrDefault("bt-tracker", "");
    store = new TrackerStore(dataDir);
    config.trackerLists().forEach(u -> lists.put(u, new ListState()));
    vertx.eventBus().<JsonObject>localConsumer(Addresses.TRACKERS_STATUS, m -> m.reply(status()));
    vertx
        .eventBus()
        .<JsonObject>localConsumer(
            Addresses.TRACKERS_REFRESH, m -> fetchAll().onComplete(ar -> m.reply(status())));
    if (lists.isEmpty()) {
      return Future.succeededFuture();
    }
    web =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setConnectTimeout(10_000)
                .setFollowRedirects(true)
                .setMaxRedirects(3)
                .setUserAgent("aria2-supervisor")
                .setMetricsName("tracker-lists"));
    return vertx
        .executeBlocking(store::load, false)
        .map(
            kept -> {
              kept.forEach(
                  (url, state) -> {
                    if (lists.containsKey(url)) {
                      lists.put(url, state);
                    }
                  });
              publish();
              fetchAll();
              schedule();
              return null;
            });
  }

  private void schedule() {
    long every = config.trackerListInterval().toMillis();
    nextFetch = Instant.now().plusMillis(every);
    timer =
        vertx.setPeriodic(
            every,
            id -> {
              nextFetch = Instant.now().plusMillis(every);
              fetchAll();
            });
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (web != null) {
      web.close();
    }
    return Future.succeededFuture();
  }

  /** Fetches every list; completes when all answered or failed, the layer published. */
  private Future<Void> fetchAll() {
    if (lists.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<Boolean>> each = new ArrayList<>();
    lists.keySet().forEach(u -> each.add(fetch(u)));
    return Future.join(each)
        .transform(
            ar -> {
              boolean changed = each.stream().anyMatch(f -> f.succeeded() && f.result());
              if (!changed) {
                return Future.succeededFuture();
              }
              // kept first, then given to aria2c: what aria2c runs with is on disk for a restart
              Map<URI, ListState> snapshot = new LinkedHashMap<>(lists);
              return vertx
                  .executeBlocking(
                      () -> {
                        store.save(snapshot);
                        return null;
                      },
                      false)
                  .onFailure(
                      err ->
                          LOG.warn(
                              "cannot keep the tracker lists in {}: {}",
                              store.file(),
                              err.getMessage()))
                  .<Void>mapEmpty()
                  .otherwiseEmpty()
                  .onComplete(v -> publish());
            });
  }

  /** One list; true when its content changed. */
  private Future<Boolean> fetch(URI url) {
    ListState state = lists.get(url);
    LimitedBody sink = new LimitedBody(TrackerList.MAX_BYTES);
    return web.getAbs(url.toString())
        .timeout(FETCH_TIMEOUT_MS)
        .as(BodyCodec.pipe(sink))
        .send()
        .compose(
            response ->
                response.statusCode() == 200
                    ? Future.succeededFuture(sink.body())
                    : Future.failedFuture("HTTP " + response.statusCode()))
        .map(
            body -> {
              List<String> trackers = TrackerList.parse(body.toString(StandardCharsets.UTF_8));
              if (trackers.isEmpty()) {
                throw new IllegalStateException("no http, https or udp announce URL in it");
              }
              boolean changed = !trackers.equals(state.trackers);
              state.trackers = trackers;
              state.fetchedAt = Instant.now();
              state.error = null;
              LOG.info("tracker list {}: {} trackers", url, trackers.size());
              return changed;
            })
        .recover(
            err -> {
              state.error = String.valueOf(err.getMessage());
              state.failedAt = Instant.now();
              LOG.warn(
                  "tracker list {} could not be fetched ({}); {}",
                  url,
                  state.error,
                  state.fetchedAt == null
                      ? "no earlier list of it is kept"
                      : "its list of "
                          + state.trackers.size()
                          + " trackers from "
                          + state.fetchedAt
                          + " stays in use");
              return Future.succeededFuture(false);
            });
  }

  /** The merged list, after the configured bt-tracker, as aria2's global {@code bt-tracker}. */
  private void publish() {
    List<List<String>> all = new ArrayList<>();
    if (!configured.isBlank()) {
      all.add(List.of(configured.split(",")));
    }
    lists.values().forEach(s -> all.add(s.trackers));
    merged = TrackerList.merge(all);
    OptionLayers.put(
        vertx,
        dataDir,
        OptionLayers.TRACKERS,
        merged.isEmpty() ? Map.of() : Map.of("bt-tracker", String.join(",", merged)));
  }

  private JsonObject status() {
    JsonArray each = new JsonArray();
    lists.forEach(
        (url, s) ->
            each.add(
                new JsonObject()
                    .put("url", url.toString())
                    .put("ok", s.error == null && s.fetchedAt != null)
                    .put("trackers", s.trackers.size())
                    .put("fetchedAt", s.fetchedAt == null ? null : s.fetchedAt.toString())
                    .put("error", s.error)
                    .put("failedAt", s.error == null ? null : s.failedAt.toString())));
    JsonArray trackers = new JsonArray(new ArrayList<>(merged));
    return new JsonObject()
        .put("lists", each)
        .put("count", trackers.size())
        .put("trackers", trackers)
        .put("interval", Durations.format(config.trackerListInterval()))
        .put("nextFetch", nextFetch == null ? null : nextFetch.toString());
  }
}
