package io.aria2sv.supervisor;

import io.aria2sv.bus.SupervisorState;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.GlobalStat;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Builds the status and detailed-status replies (seed 000's fields). Never includes the secret. */
final class SupervisorStatus {
  private SupervisorStatus() {}

  static JsonObject of(
      SupervisorState state,
      Aria2Run r,
      int restarts,
      int restartsInWindow,
      JsonObject lastRestart,
      Path dataDir,
      String sessionProblem) {
    boolean up = r != null && r.readyAtMillis > 0;
    return new JsonObject()
        .put("state", state.name())
        .put("pid", r == null ? null : r.pid())
        .put("rpcPort", r == null ? null : r.port())
        .put("startedAt", up ? r.readyAtMillis : null)
        .put(
            "uptimeMs",
            up && state == SupervisorState.RUNNING
                ? System.currentTimeMillis() - r.readyAtMillis
                : 0L)
        .put("restarts", restarts)
        .put("restartsInWindow", restartsInWindow)
        .put("lastRestart", lastRestart == null ? null : lastRestart.copy())
        .put("rpcHealthy", up && state == SupervisorState.RUNNING && r.rpcHealthy)
        .put("version", up ? r.version : null)
        .put("sessionId", up ? r.sessionId : null)
        .put("dataDir", dataDir.toString())
        .put(
            "session",
            new JsonObject().put("safe", sessionProblem == null).put("problem", sessionProblem));
  }

  static Future<JsonObject> details(Aria2Run r, Duration timeout, JsonObject status) {
    List<Aria2Call> calls =
        List.of(
            Aria2Call.getVersion(),
            Aria2Call.getGlobalStat(),
            Aria2Call.tellActive(List.of("gid")));
    return r.handle
        .rpc()
        .multicall(calls, timeout)
        .map(
            results -> {
              JsonObject version = results.get(0) instanceof JsonObject v ? v : new JsonObject();
              JsonObject global =
                  results.get(1) instanceof JsonObject g ? GlobalStat.from(g).toJson(true) : null;
              int active = results.get(2) instanceof JsonArray a ? a.size() : 0;
              return new JsonObject()
                  .put("status", status)
                  .put(
                      "aria2",
                      new JsonObject()
                          .put("version", version.getString("version"))
                          .put(
                              "enabledFeatures",
                              version.getJsonArray("enabledFeatures", new JsonArray())))
                  .put("globalStat", global)
                  .put("activeDownloads", active);
            });
  }
}
