package io.aria2sv.bus;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * aria2 global options that other parts of the supervisor lay over the configured and runtime ones:
 * the schedule's rules in force, then the fresh tracker lists' {@code bt-tracker}. Each layer is
 * kept in a local shared map, by data directory, so the supervisor reads it before its first aria2c
 * and every later one; a change is announced on {@link Addresses#SUPERVISOR_OPTION_LAYERS}, and the
 * supervisor sends the difference to the running aria2c.
 */
public final class OptionLayers {
  /** The schedule's rules in force. */
  public static final String SCHEDULE = "schedule";

  /** The fetched tracker lists, as {@code bt-tracker}. */
  public static final String TRACKERS = "trackers";

  private static final List<String> ORDER = List.of(SCHEDULE, TRACKERS);
  private static final String MAP = "aria2sv.option-layers";

  private OptionLayers() {}

  private static LocalMap<String, JsonObject> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  private static String key(Path dataDir, String layer) {
    return dataDir.toAbsolutePath().normalize() + "|" + layer;
  }

  /** Replaces {@code layer} of the supervisor on {@code dataDir} and announces it. */
  public static void put(Vertx vertx, Path dataDir, String layer, Map<String, String> options) {
    map(vertx).put(key(dataDir, layer), new JsonObject(new LinkedHashMap<>(options)));
    vertx
        .eventBus()
        .publish(
            Addresses.SUPERVISOR_OPTION_LAYERS,
            new JsonObject().put("layer", layer),
            new DeliveryOptions().setLocalOnly(true));
  }

  /** One layer as it stands (empty when nobody set it). */
  public static Map<String, String> layer(Vertx vertx, Path dataDir, String layer) {
    JsonObject o = map(vertx).get(key(dataDir, layer));
    Map<String, String> out = new LinkedHashMap<>();
    if (o != null) {
      o.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    }
    return out;
  }

  /** {@code below} with every layer over it, in order. */
  public static Map<String, String> over(Vertx vertx, Path dataDir, Map<String, String> below) {
    Map<String, String> out = new LinkedHashMap<>(below);
    for (String layer : ORDER) {
      out.putAll(layer(vertx, dataDir, layer));
    }
    return out;
  }
}
