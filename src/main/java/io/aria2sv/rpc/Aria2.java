package io.aria2sv.rpc;

import io.vertx.core.Future;
import java.util.List;

/**
 * aria2 as the downloads service uses it: whichever aria2c runs now, with calls that wait while it
 * (re)starts and retry transport failures. {@link Aria2Client} is the real one; tests of the
 * downloads logic use a scripted fake.
 */
public interface Aria2 {
  /** Sends one call; the future holds aria2's {@code result}, or an {@link Aria2RpcException}. */
  Future<Object> call(Aria2Call call);

  /**
   * Sends {@code calls} in one {@code system.multicall}: each element of the result is that call's
   * result or the {@link Aria2RpcException} aria2 gave it.
   */
  Future<List<Object>> multicall(List<Aria2Call> calls);

  /** Whether an aria2c is running now (a call would not have to wait for one). */
  boolean running();

  /**
   * Why no aria2c will come without the user (stopped, or given up on after too many restarts), as
   * the failure a call would get; null while one runs or is on its way.
   */
  default Aria2RpcException stopped() {
    return null;
  }

  /** {@link #call} for a result that is a JSON object. */
  default Future<io.vertx.core.json.JsonObject> callObject(Aria2Call call) {
    return call(call).map(io.vertx.core.json.JsonObject.class::cast);
  }
}
