package io.aria2sv.rpc;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * aria2's WebSocket notifications ({@code onDownloadStart}, {@code onDownloadPause}, {@code
 * onDownloadStop}, {@code onDownloadComplete}, {@code onDownloadError}, {@code
 * onBtDownloadComplete}; each names a GID only). Connects to each new endpoint, reconnects while
 * that endpoint is current, and calls {@code onConnected} after every (re)connection so the caller
 * can reconcile what it may have missed. Confined to the caller's event loop.
 */
public final class Aria2Notifications {
  private static final Logger LOG = LoggerFactory.getLogger(Aria2Notifications.class);
  private static final long RECONNECT_MILLIS = 200;

  private final Vertx vertx;
  private final WebSocketClient client;
  private final BiConsumer<String, String> onNotification;
  private final Runnable onConnected;
  private Aria2Endpoint endpoint;
  private WebSocket socket;

  /** The handshake under way, if any. */
  private Future<WebSocket> connecting;

  /** The latest socket close under way: the client is closed only after it. */
  private Future<Void> closing = Future.succeededFuture();

  private long reconnectTimer = -1;

  /**
   * @param onNotification called with the method name (e.g. {@code aria2.onDownloadComplete}) and
   *     the GID
   */
  public Aria2Notifications(
      Vertx vertx, BiConsumer<String, String> onNotification, Runnable onConnected) {
    this.vertx = vertx;
    this.client =
        vertx.createWebSocketClient(
            new io.vertx.core.http.WebSocketClientOptions().setMetricsName("aria2-notifications"));
    this.onNotification = onNotification;
    this.onConnected = onConnected;
  }

  /** Follows {@code next}; null disconnects. */
  public void follow(Aria2Endpoint next) {
    this.endpoint = next;
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
      reconnectTimer = -1;
    }
    if (socket != null) {
      WebSocket old = socket;
      socket = null;
      closing = old.close();
    }
    if (next != null) {
      connect(next);
    }
  }

  public boolean connected() {
    return socket != null;
  }

  private void connect(Aria2Endpoint target) {
    Future<WebSocket> attempt = client.connect(target.port(), target.host(), "/jsonrpc");
    connecting = attempt;
    attempt.onComplete(
        ar -> {
          if (connecting == attempt) {
            connecting = null;
          }
          if (endpoint != target) {
            if (ar.succeeded()) {
              closing = ar.result().close();
            }
            return;
          }
          if (ar.failed()) {
            scheduleReconnect(target);
            return;
          }
          WebSocket ws = ar.result();
          socket = ws;
          ws.textMessageHandler(this::dispatch);
          ws.closeHandler(
              v -> {
                if (socket == ws) {
                  socket = null;
                  scheduleReconnect(target);
                }
              });
          onConnected.run();
        });
  }

  private void scheduleReconnect(Aria2Endpoint target) {
    if (endpoint == target && reconnectTimer < 0) {
      reconnectTimer =
          vertx.setTimer(
              RECONNECT_MILLIS,
              id -> {
                reconnectTimer = -1;
                if (endpoint == target) {
                  connect(target);
                }
              });
    }
  }

  private void dispatch(String text) {
    try {
      JsonObject msg = new JsonObject(text);
      String method = msg.getString("method");
      JsonArray params = msg.getJsonArray("params");
      if (method == null || params == null) {
        return;
      }
      for (Object p : params) {
        if (p instanceof JsonObject o && o.getString("gid") != null) {
          onNotification.accept(method, o.getString("gid"));
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("ignoring an aria2 notification that is not JSON-RPC: {}", e.getMessage());
    }
  }

  /**
   * Disconnects for good: lets a handshake under way finish, closes the socket, then the client.
   * Closing the client under a handshake makes Vert.x log a spurious "Connection evicted" warning;
   * a verticle's undeploy does just that to the clients it created unless its stop waits for this.
   *
   * @return completes when the client is closed
   */
  public Future<Void> close() {
    follow(null);
    Future<?> handshake = connecting != null ? connecting : Future.succeededFuture();
    // Evaluated after the handshake, whose completion handler has then started its socket's close.
    return handshake.eventually(() -> closing).eventually(client::close).mapEmpty();
  }
}
