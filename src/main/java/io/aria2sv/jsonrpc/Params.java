package io.aria2sv.jsonrpc;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The parameters of aria2's methods, checked as aria2 checks them ("The parameter at N has wrong
 * type.").
 */
final class Params {
  private Params() {}

  static String string(JsonArray p, int i) {
    if (i >= p.size() || !(p.getValue(i) instanceof String s)) {
      throw RpcError.wrongType(i);
    }
    return s;
  }

  static int integer(JsonArray p, int i) {
    if (i >= p.size()
        || !(p.getValue(i) instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw RpcError.wrongType(i);
    }
    return n.intValue();
  }

  static JsonArray array(JsonArray p, int i) {
    if (i >= p.size() || !(p.getValue(i) instanceof JsonArray a)) {
      throw RpcError.wrongType(i);
    }
    return a;
  }

  static JsonArray optionalArray(JsonArray p, int i) {
    return i >= p.size() || p.getValue(i) == null ? null : array(p, i);
  }

  static JsonObject object(JsonArray p, int i) {
    if (i >= p.size() || p.getValue(i) == null) {
      return new JsonObject();
    }
    if (!(p.getValue(i) instanceof JsonObject o)) {
      throw RpcError.wrongType(i);
    }
    return o;
  }

  static Integer position(JsonArray p, int i) {
    return i >= p.size() || p.getValue(i) == null ? null : integer(p, i);
  }

  static List<String> keys(JsonArray p, int i) {
    if (i >= p.size() || p.getValue(i) == null) {
      return null;
    }
    return array(p, i).stream().map(String::valueOf).toList();
  }

  static JsonArray keysOrAll(JsonArray p, int i) {
    List<String> k = keys(p, i);
    return k == null ? new JsonArray() : new JsonArray(k);
  }
}
