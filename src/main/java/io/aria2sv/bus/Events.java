package io.aria2sv.bus;

import io.vertx.core.json.JsonObject;

/** Builds event bodies: every event carries {@code type} and {@code ts} (epoch milliseconds). */
public final class Events {
  private Events() {}

  /** An event of {@code type} with the fields of {@code payload}. */
  public static JsonObject of(String type, JsonObject payload) {
    return new JsonObject().put("type", type).put("ts", System.currentTimeMillis()).mergeIn(payload);
  }
}
