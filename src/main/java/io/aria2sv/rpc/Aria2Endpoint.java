package io.aria2sv.rpc;

import io.vertx.core.json.JsonObject;

/**
 * Where the current aria2c answers JSON-RPC, and its secret. The secret is never printed: {@link
 * #toString()} masks it, and the endpoint travels on the event bus only with local-only delivery.
 */
public record Aria2Endpoint(String host, int port, String secret) {

  /** The {@code token:<secret>} parameter that aria2 expects first in every call. */
  public String token() {
    return "token:" + secret;
  }

  /** {@code http://host:port/jsonrpc}. */
  public String url() {
    return "http://" + host + ":" + port + "/jsonrpc";
  }

  /** For local-only event bus delivery. */
  public JsonObject toJson() {
    return new JsonObject().put("host", host).put("port", port).put("secret", secret);
  }

  /** The inverse of {@link #toJson()}. */
  public static Aria2Endpoint fromJson(JsonObject json) {
    return new Aria2Endpoint(
        json.getString("host"), json.getInteger("port"), json.getString("secret"));
  }

  @Override
  public String toString() {
    return "Aria2Endpoint[" + host + ":" + port + ", secret=***]";
  }
}
