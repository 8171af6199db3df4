package io.aria2sv.testing;

import io.aria2sv.rpc.Aria2;
import io.aria2sv.rpc.Aria2Call;
import io.aria2sv.rpc.Aria2RpcException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * aria2 as a scripted fake, for unit tests of the downloads logic (never for claims about aria2c):
 * it keeps a status per GID, answers the calls the project makes the way aria2 does, records every
 * call in order (multicall entries one by one), and can hold back the answers to a method until the
 * test releases them, to stage a race. Confined to one event loop, like the code under test.
 */
public final class FakeAria2 implements Aria2 {
  private final List<Aria2Call> calls = new ArrayList<>();
  private final Map<String, JsonObject> statuses = new LinkedHashMap<>();
  private final Set<String> held = new HashSet<>();
  private final Map<String, List<Runnable>> waiting = new HashMap<>();
  private boolean running = true;

  /** Every call so far, in the order it was made. */
  public List<Aria2Call> calls() {
    return calls;
  }

  /** The calls of {@code method} so far. */
  public List<Aria2Call> calls(String method) {
    return calls.stream().filter(c -> c.method().equals(method)).toList();
  }

  /** The methods called so far, in order. */
  public List<String> methods() {
    return calls.stream().map(Aria2Call::method).toList();
  }

  /** Sets what aria2 reports for {@code gid}: its {@code status} and more fields. */
  public FakeAria2 status(String gid, String status, Object... fields) {
    JsonObject st =
        new JsonObject()
            .put("gid", gid)
            .put("status", status)
            .put("completedLength", "0")
            .put("totalLength", "0")
            .put("downloadSpeed", "0");
    for (int i = 0; i < fields.length; i += 2) {
      st.put((String) fields[i], fields[i + 1]);
    }
    statuses.put(gid, st);
    return this;
  }

  /** aria2 no longer knows {@code gid} (as after a restart that lost it). */
  public FakeAria2 forget(String gid) {
    statuses.remove(gid);
    return this;
  }

  /**
   * Holds back answers to {@code method} (the calls are recorded and their effect applied at once).
   */
  public FakeAria2 hold(String method) {
    held.add(method);
    return this;
  }

  /** Answers every held call of {@code method}, in order, and stops holding it. */
  public void release(String method) {
    held.remove(method);
    List<Runnable> answers = waiting.remove(method);
    if (answers != null) {
      answers.forEach(Runnable::run);
    }
  }

  @Override
  public boolean running() {
    return running;
  }

  @Override
  public Future<Object> call(Aria2Call call) {
    calls.add(call);
    Object answer;
    try {
      answer = answer(call);
    } catch (Aria2RpcException e) {
      answer = e;
    }
    return later(call.method(), answer);
  }

  @Override
  public Future<List<Object>> multicall(List<Aria2Call> batch) {
    List<Object> results = new ArrayList<>();
    for (Aria2Call c : batch) {
      calls.add(c);
      try {
        results.add(answer(c));
      } catch (Aria2RpcException e) {
        results.add(e);
      }
    }
    String method = batch.isEmpty() ? "system.multicall" : batch.get(0).method();
    return later(method, results).map(r -> results);
  }

  /** The answer now, or when the test releases {@code method}. */
  private Future<Object> later(String method, Object answer) {
    Promise<Object> p = Promise.promise();
    Runnable reply =
        () -> {
          if (answer instanceof Aria2RpcException e) {
            p.fail(e);
          } else {
            p.complete(answer);
          }
        };
    if (held.contains(method)) {
      waiting.computeIfAbsent(method, k -> new ArrayList<>()).add(reply);
    } else {
      reply.run();
    }
    return p.future();
  }

  private Object answer(Aria2Call c) {
    JsonArray p = c.params();
    switch (c.method()) {
      case "aria2.addUri":
        {
          JsonObject options = p.getJsonObject(1);
          String gid = options.getString("gid");
          if (statuses.containsKey(gid)) {
            throw Aria2RpcException.aria2(c.method(), 1, "GID " + gid + " is not unique");
          }
          status(gid, "true".equals(options.getString("pause")) ? "paused" : "waiting");
          return gid;
        }
      case "aria2.tellStatus":
        {
          JsonObject st = statuses.get(p.getString(0));
          if (st == null) {
            throw Aria2RpcException.aria2(c.method(), 1, "GID " + p.getString(0) + " is not found");
          }
          return st.copy();
        }
      case "aria2.forcePause":
        return setIfKnown(c, "paused");
      case "aria2.unpause":
        return setIfKnown(c, "waiting");
      case "aria2.forceRemove":
        return setIfKnown(c, "removed");
      case "aria2.removeDownloadResult":
        statuses.remove(p.getString(0));
        return "OK";
      case "aria2.tellActive":
        return list("active");
      case "aria2.tellWaiting":
        return list("waiting", "paused");
      case "aria2.tellStopped":
        return list("complete", "error", "removed");
      default:
        return "OK";
    }
  }

  private Object setIfKnown(Aria2Call c, String status) {
    String gid = c.params().getString(0);
    JsonObject st = statuses.get(gid);
    if (st == null) {
      throw Aria2RpcException.aria2(c.method(), 1, "GID " + gid + " is not found");
    }
    st.put("status", status);
    return gid;
  }

  private JsonArray list(String... status) {
    List<String> wanted = List.of(status);
    JsonArray out = new JsonArray();
    statuses.values().stream()
        .filter(st -> wanted.contains(st.getString("status")))
        .forEach(st -> out.add(st.copy()));
    return out;
  }
}
