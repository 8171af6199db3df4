package io.aria2sv.supervisor;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.OptionLayers;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.config.ConfigException;
import io.aria2sv.rpc.Aria2Call;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aria2 global options aria2c runs with, in layers: {@code aria2.options}, then those set at
 * run time ({@link GlobalOptions}, {@code PATCH /api/v1/options}), then the schedule's and the
 * tracker lists' ({@link OptionLayers}). Answers and applies run-time changes; gives a running
 * aria2c the difference when a layer changes, also when it changed while that aria2c was starting.
 * Used on the supervisor's event loop.
 */
final class RuntimeOptions {
  private static final Logger LOG = LoggerFactory.getLogger(RuntimeOptions.class);

  private final Vertx vertx;
  private final Path dataDir;
  private final Path binary;
  private final GlobalOptions globalOptions;

  /** aria2c's own defaults, for an option taken back with no configured value. */
  private final Map<String, String> aria2Defaults;

  private Map<String, String> configured;
  private Supplier<Aria2Run> running = () -> null;
  private Supplier<Duration> timeout = () -> Duration.ofSeconds(3);
  private Runnable relaunch = () -> {};
  private Map<String, String> inForce = Map.of();
  private Map<String, String> spawnedWith = Map.of();

  RuntimeOptions(
      Vertx vertx,
      Path dataDir,
      Path binary,
      GlobalOptions globalOptions,
      Map<String, String> aria2Defaults,
      Map<String, String> configured) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.binary = binary;
    this.globalOptions = globalOptions;
    this.aria2Defaults = aria2Defaults;
    this.configured = configured;
  }

  /**
   * Connects the running aria2c, the RPC time limit and what rebuilds the launcher after a change.
   */
  void bind(Supplier<Aria2Run> running, Supplier<Duration> timeout, Runnable relaunch) {
    this.running = running;
    this.timeout = timeout;
    this.relaunch = relaunch;
  }

  /** What the next aria2c runs with, every layer over {@code aria2.options}. */
  Map<String, String> next() {
    inForce = effective(configured);
    return inForce;
  }

  /** What aria2c would run with for {@code aria2.options} = {@code options}. */
  Map<String, String> effective(Map<String, String> options) {
    return OptionLayers.over(vertx, dataDir, globalOptions.over(options));
  }

  /** {@code aria2.options} of a new configuration. */
  void configured(Map<String, String> options) {
    configured = options;
  }

  /** An aria2c is being spawned with {@link #next()}'s values. */
  void spawning() {
    spawnedWith = inForce;
  }

  /** An aria2c is ready: a layer that changed while it started reaches it now. */
  void started() {
    if (!spawnedWith.equals(inForce)) {
      Map<String, String> started = spawnedWith;
      spawnedWith = inForce;
      send(started, inForce);
    }
  }

  /**
   * A layer changed: the running aria2c gets the difference (an option no layer sets any more goes
   * back to aria2's default), every later one the new values.
   */
  void layersChanged() {
    Map<String, String> before = inForce;
    relaunch.run();
    if (running.get() != null) {
      spawnedWith = inForce;
      send(before, inForce);
    }
  }

  private void send(Map<String, String> before, Map<String, String> after) {
    LiveOptions diff = LiveOptions.diff(before, after);
    JsonObject change = diff.changed().copy();
    diff.removed().forEach(k -> change.put(k, aria2Defaults.getOrDefault(k, "")));
    Aria2Run r = running.get();
    if (change.isEmpty() || r == null) {
      return;
    }
    r.handle
        .rpc()
        .call(Aria2Call.changeGlobalOption(change), timeout.get())
        .onSuccess(
            v ->
                LOG.info(
                    "aria2 global options from the schedule or tracker lists: {}", summary(change)))
        .onFailure(
            err ->
                LOG.warn(
                    "aria2 refused {} while running ({}); they apply at its next start",
                    change.fieldNames(),
                    err.getMessage()));
  }

  /** Option values for the log: a long tracker list is counted, not printed. */
  private static String summary(JsonObject change) {
    JsonObject shown = change.copy();
    String trackers = shown.getString("bt-tracker");
    if (trackers != null && trackers.length() > 120) {
      shown.put("bt-tracker", trackers.split(",").length + " trackers");
    }
    return shown.encode();
  }

  /**
   * The allowlisted global options in force, those set at run time, the configured ones and the
   * schedule's.
   */
  Future<JsonObject> reply() {
    Map<String, String> next = effective(configured);
    JsonObject planned = new JsonObject();
    GlobalOptions.names()
        .forEach(n -> planned.put(n, next.getOrDefault(n, aria2Defaults.getOrDefault(n, ""))));
    JsonObject reply =
        new JsonObject()
            .put("overrides", new JsonObject(new TreeMap<>(globalOptions.overrides())))
            .put("configured", new JsonObject(new TreeMap<>(configured)))
            .put(
                "scheduled",
                new JsonObject(
                    new TreeMap<>(OptionLayers.layer(vertx, dataDir, OptionLayers.SCHEDULE))));
    Aria2Run r = running.get();
    if (r == null) {
      return Future.succeededFuture(reply.put("options", planned));
    }
    return r.handle
        .rpc()
        .callObject(Aria2Call.getGlobalOption(), timeout.get())
        .map(
            live -> {
              JsonObject now = new JsonObject();
              GlobalOptions.names().forEach(n -> now.put(n, live.getValue(n, planned.getValue(n))));
              return reply.put("options", now);
            })
        .otherwise(err -> reply.put("options", planned));
  }

  /**
   * Sets allowlisted global options at run time: checked by aria2c, stored in {@code options.json},
   * then applied to the running aria2c without a restart (an option a schedule rule holds waits for
   * the rule's end).
   */
  Future<JsonObject> set(JsonObject body) {
    JsonObject patch = body.getValue("options") instanceof JsonObject o ? o : null;
    Map<String, String> next = globalOptions.patched(patch);
    // what aria2c gets for each patched option: the new value, or the one a null brings back
    Map<String, String> apply = new LinkedHashMap<>();
    for (String name : patch.fieldNames()) {
      apply.put(
          name,
          next.containsKey(name)
              ? next.get(name)
              : configured.getOrDefault(name, aria2Defaults.getOrDefault(name, "")));
    }
    JsonObject applied = new JsonObject(new LinkedHashMap<>(apply));
    OptionLayers.layer(vertx, dataDir, OptionLayers.SCHEDULE).keySet().forEach(applied::remove);
    return vertx
        .executeBlocking(
            () -> {
              try {
                Aria2OptionsCheck.check(binary, apply, dataDir);
              } catch (ConfigException e) {
                throw new ServiceException(
                    ErrorCode.BAD_REQUEST,
                    e.getMessage().replaceFirst("^aria2\\.options\\.", "options."));
              }
              try {
                globalOptions.write(next);
              } catch (java.io.IOException e) {
                throw new ServiceException(
                    ErrorCode.STORAGE_UNAVAILABLE,
                    "cannot store the options in "
                        + dataDir.resolve(GlobalOptions.FILE)
                        + ": "
                        + e.getMessage());
              }
              return null;
            },
            false)
        .compose(
            v -> {
              globalOptions.adopt(next);
              relaunch.run();
              LOG.info("aria2 global options set at run time: {}", applied.encode());
              Aria2Run r = running.get();
              return r == null || applied.isEmpty()
                  ? Future.succeededFuture()
                  : r.handle
                      .rpc()
                      .call(Aria2Call.changeGlobalOption(applied), timeout.get())
                      .mapEmpty();
            })
        .compose(v -> reply());
  }
}
