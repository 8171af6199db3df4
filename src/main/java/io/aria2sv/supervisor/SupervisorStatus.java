package io.aria2sv.supervisor;

import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Builds the status and detailed-status replies (seed 000's fields). Never includes the secret. */
final class SupervisorStatus {
  private static final List<String> GLOBAL_NUMBERS =
      List.of("downloadSpeed", "uploadSpeed", "numActive", "numWaiting", "numStopped", "numStoppedTotal");

  private SupervisorStatus() {}

  static JsonObject of(
      SupervisorState state, Aria2Run r, int restarts, int restartsInWindow, JsonObject lastRestart, Path dataDir,
      String sessionProblem) {
    boolean up = r != null && r.readyAtMillis > 0;
    return new JsonObject()
        .put("state", state.name())
        .put("pid", r == null ? null : r.pid())
        .put("rpcPort", r == null ? null : r.port())
        .put("startedAt", up ? r.readyAtMillis : null)
        .put("uptimeMs", up && state == SupervisorState.RUNNING ? System.currentTimeMillis() - r.readyAtMillis : 0L)
        .put("restarts", restarts)
        .put("restartsInWindow", restartsInWindow)
        .put("lastRestart", lastRestart == null ? null : lastRestart.copy())
        .put("rpcHealthy", up && state == SupervisorState.RUNNING && r.rpcHealthy)
        .put("version", up ? r.version : null)
        .put("sessionId", up ? r.sessionId : null)
        .put("dataDir", dataDir.toString())
        .put("session", new JsonObject().put("safe", sessionProblem == null).put("problem", sessionProblem));
  }

  static Future<JsonObject> details(Aria2Run r, Duration timeout, JsonObject status) {
    List<JsonObject> calls =
        List.of(
            new JsonObject().put("methodName", "aria2.getVersion"),
            new JsonObject().put("methodName", "aria2.getGlobalStat"),
            new JsonObject().put("methodName", "aria2.tellActive").put("params", new JsonArray().add(new JsonArray().add("gid"))));
    return r.rpc
        .multicall(calls, timeout)
        .map(
            results -> {
              JsonObject version = results.get(0) instanceof JsonObject v ? v : new JsonObject();
              JsonObject global = results.get(1) instanceof JsonObject g ? numbers(g) : null;
              int active = results.get(2) instanceof JsonArray a ? a.size() : 0;
              return new JsonObject()
                  .put("status", status)
                  .put(
                      "aria2",
                      new JsonObject()
                          .put("version", version.getString("version"))
                          .put("enabledFeatures", version.getJsonArray("enabledFeatures", new JsonArray())))
                  .put("globalStat", global)
                  .put("activeDownloads", active);
            })
        .recover(
            err -> {
              ErrorCode code =
                  err instanceof Aria2RpcException e && e.kind() == Aria2RpcException.Kind.TIMEOUT
                      ? ErrorCode.TIMEOUT
                      : ErrorCode.ARIA2_ERROR;
              return Future.failedFuture(BusReplies.failure(code, err.getMessage()));
            });
  }

  private static JsonObject numbers(JsonObject aria2Stat) {
    JsonObject out = new JsonObject();
    for (String k : GLOBAL_NUMBERS) {
      String v = aria2Stat.getString(k);
      out.put(k, v == null ? 0L : Long.parseLong(v));
    }
    return out;
  }
}
