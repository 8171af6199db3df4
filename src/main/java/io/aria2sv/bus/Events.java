package io.aria2sv.bus;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/** Builds event bodies: every event carries {@code type} and {@code ts} (epoch milliseconds). */
public final class Events {
  private Events() {}

  /**
   * A {@link Addresses#EVENTS_STORAGE} event: {@code what} ({@code registry}, {@code session}) can
   * be saved again when {@code problem} is null; {@code okType} and {@code badType} name the two.
   */
  public static JsonObject storage(
      String what, String okType, String badType, String problem, Path dataDir) {
    return of(
        problem == null ? okType : badType,
        new JsonObject()
            .put("what", what)
            .put("ok", problem == null)
            .put("problem", problem)
            .put("dataDir", dataDir.toString()));
  }

  /** An event of {@code type} with the fields of {@code payload}. */
  public static JsonObject of(String type, JsonObject payload) {
    return new JsonObject()
        .put("type", type)
        .put("ts", System.currentTimeMillis())
        .mergeIn(payload);
  }
}
