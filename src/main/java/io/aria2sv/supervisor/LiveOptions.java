package io.aria2sv.supervisor;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * What changed in {@code aria2.options} between two configurations: the options to send to the
 * running aria2c with {@code aria2.changeGlobalOption} (new or with a new value), and those that
 * were removed (aria2c keeps their current value until it restarts).
 */
record LiveOptions(JsonObject changed, List<String> removed) {
  static LiveOptions diff(Map<String, String> before, Map<String, String> after) {
    JsonObject changed = new JsonObject();
    after.forEach(
        (k, v) -> {
          if (!v.equals(before.get(k))) {
            changed.put(k, v);
          }
        });
    List<String> removed =
        before.keySet().stream().filter(k -> !after.containsKey(k)).sorted().toList();
    return new LiveOptions(changed, removed);
  }
}
