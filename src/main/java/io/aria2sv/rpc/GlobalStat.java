package io.aria2sv.rpc;

import io.vertx.core.json.JsonObject;

/**
 * aria2's {@code getGlobalStat}, parsed once: aria2 sends every figure as a decimal string; a
 * missing or malformed one reads 0.
 */
public record GlobalStat(
    long downloadSpeed,
    long uploadSpeed,
    long numActive,
    long numWaiting,
    long numStopped,
    long numStoppedTotal) {
  /** All zero: what is known while aria2c is not running. */
  public static final GlobalStat ZERO = new GlobalStat(0, 0, 0, 0, 0, 0);

  /** From aria2's answer. */
  public static GlobalStat from(JsonObject aria2) {
    return new GlobalStat(
        number(aria2, "downloadSpeed"),
        number(aria2, "uploadSpeed"),
        number(aria2, "numActive"),
        number(aria2, "numWaiting"),
        number(aria2, "numStopped"),
        number(aria2, "numStoppedTotal"));
  }

  private static long number(JsonObject o, String key) {
    try {
      return Long.parseLong(String.valueOf(o.getValue(key, "0")));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The figures as JSON numbers; {@code withStoppedTotal} adds {@code numStoppedTotal}. */
  public JsonObject toJson(boolean withStoppedTotal) {
    JsonObject j =
        new JsonObject()
            .put("downloadSpeed", downloadSpeed)
            .put("uploadSpeed", uploadSpeed)
            .put("numActive", numActive)
            .put("numWaiting", numWaiting)
            .put("numStopped", numStopped);
    return withStoppedTotal ? j.put("numStoppedTotal", numStoppedTotal) : j;
  }
}
