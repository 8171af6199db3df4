package io.aria2sv.rpc;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One aria2 JSON-RPC call without its token: a method of aria2's and its parameters. The factory
 * methods name every call the project makes, so aria2's method names are spelled here only. The
 * same value is sent alone ({@link Aria2Rpc#call(Aria2Call, java.time.Duration)}) or as one entry
 * of a {@code system.multicall}.
 */
public record Aria2Call(String method, JsonArray params) {
  /** The status keys the downloads service reads. */
  public static final List<String> STATUS_KEYS =
      List.of(
          "gid",
          "status",
          "totalLength",
          "completedLength",
          "downloadSpeed",
          "errorCode",
          "errorMessage",
          "files",
          "uploadLength",
          "uploadSpeed",
          "seeder",
          "numSeeders",
          "connections");

  public Aria2Call {
    params = params == null ? new JsonArray() : params;
  }

  /**
   * This add placed at {@code position} of aria2's waiting downloads (the last parameter of {@code
   * addUri} and {@code addTorrent}); unchanged for null.
   */
  public Aria2Call at(Integer position) {
    return position == null ? this : new Aria2Call(method, params.copy().add(position));
  }

  /** {@code aria2.addUri(uris, options)}. */
  public static Aria2Call addUri(List<String> uris, JsonObject options) {
    return new Aria2Call("aria2.addUri", new JsonArray().add(new JsonArray(uris)).add(options));
  }

  /**
   * {@code aria2.addTorrent(torrent, uris, options)}: {@code torrent} in base64, {@code uris} web
   * seeds.
   */
  public static Aria2Call addTorrent(String torrent, List<String> uris, JsonObject options) {
    return new Aria2Call(
        "aria2.addTorrent", new JsonArray().add(torrent).add(new JsonArray(uris)).add(options));
  }

  /** {@code aria2.getPeers(gid)}. */
  public static Aria2Call getPeers(String gid) {
    return new Aria2Call("aria2.getPeers", new JsonArray().add(gid));
  }

  /** {@code aria2.tellStatus(gid, keys)}. */
  public static Aria2Call tellStatus(String gid, List<String> keys) {
    return new Aria2Call("aria2.tellStatus", new JsonArray().add(gid).add(new JsonArray(keys)));
  }

  /** {@code aria2.tellActive(keys)}. */
  public static Aria2Call tellActive(List<String> keys) {
    return new Aria2Call("aria2.tellActive", new JsonArray().add(new JsonArray(keys)));
  }

  /** {@code aria2.tellWaiting(offset, num, keys)}. */
  public static Aria2Call tellWaiting(int offset, int num, List<String> keys) {
    return new Aria2Call(
        "aria2.tellWaiting", new JsonArray().add(offset).add(num).add(new JsonArray(keys)));
  }

  /** {@code aria2.tellStopped(offset, num, keys)}. */
  public static Aria2Call tellStopped(int offset, int num, List<String> keys) {
    return new Aria2Call(
        "aria2.tellStopped", new JsonArray().add(offset).add(num).add(new JsonArray(keys)));
  }

  /** {@code aria2.forcePause(gid)}. */
  public static Aria2Call forcePause(String gid) {
    return onGid("aria2.forcePause", gid);
  }

  /** {@code aria2.unpause(gid)}. */
  public static Aria2Call unpause(String gid) {
    return onGid("aria2.unpause", gid);
  }

  /** {@code aria2.forceRemove(gid)}. */
  public static Aria2Call forceRemove(String gid) {
    return onGid("aria2.forceRemove", gid);
  }

  /** {@code aria2.changeOption(gid, options)}. */
  public static Aria2Call changeOption(String gid, JsonObject options) {
    return new Aria2Call("aria2.changeOption", new JsonArray().add(gid).add(options));
  }

  /** {@code aria2.changePosition(gid, pos, how)}: {@code how} is POS_SET, POS_CUR or POS_END. */
  public static Aria2Call changePosition(String gid, int pos, String how) {
    return new Aria2Call("aria2.changePosition", new JsonArray().add(gid).add(pos).add(how));
  }

  /** {@code aria2.getFiles(gid)}. */
  public static Aria2Call getFiles(String gid) {
    return onGid("aria2.getFiles", gid);
  }

  /** {@code aria2.removeDownloadResult(gid)}. */
  public static Aria2Call removeDownloadResult(String gid) {
    return onGid("aria2.removeDownloadResult", gid);
  }

  /** {@code aria2.getVersion()}. */
  public static Aria2Call getVersion() {
    return new Aria2Call("aria2.getVersion", null);
  }

  /** {@code aria2.getSessionInfo()}. */
  public static Aria2Call getSessionInfo() {
    return new Aria2Call("aria2.getSessionInfo", null);
  }

  /** {@code aria2.getGlobalStat()}. */
  public static Aria2Call getGlobalStat() {
    return new Aria2Call("aria2.getGlobalStat", null);
  }

  /** {@code aria2.getGlobalOption()}. */
  public static Aria2Call getGlobalOption() {
    return new Aria2Call("aria2.getGlobalOption", null);
  }

  /** {@code aria2.changeGlobalOption(options)}. */
  public static Aria2Call changeGlobalOption(JsonObject options) {
    return new Aria2Call("aria2.changeGlobalOption", new JsonArray().add(options));
  }

  /** {@code aria2.saveSession()}. */
  public static Aria2Call saveSession() {
    return new Aria2Call("aria2.saveSession", null);
  }

  private static Aria2Call onGid(String method, String gid) {
    return new Aria2Call(method, new JsonArray().add(gid));
  }

  /** The GID this call is about, when its first parameter is one (for tests and logs). */
  public String gid() {
    return !params.isEmpty() && params.getValue(0) instanceof String s ? s : null;
  }

  /** {@code {methodName, params}} with {@code token} first, as one entry of a multicall. */
  JsonObject toMulticallEntry(String token) {
    JsonArray p = new JsonArray().add(token);
    params.forEach(p::add);
    return new JsonObject().put("methodName", method).put("params", p);
  }
}
