package io.aria2sv.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * How {@link Aria2Notifications} lets go of its socket, against a WebSocket server on loopback that
 * holds the handshake until the test lets it through.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class Aria2NotificationsTest {
  /**
   * Where Vert.x logs "Connection evicted" when a client is closed under a connection it is
   * opening.
   */
  private static final Logger EVICTIONS =
      (Logger) LoggerFactory.getLogger("io.vertx.core.http.impl.HttpClientConnectionInternal");

  private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
  private final Promise<ServerWebSocketHandshake> handshake = Promise.promise();
  private final Promise<Short> serverSawClose = Promise.promise();

  @AfterEach
  void detach() {
    EVICTIONS.detachAppender(warnings);
  }

  /**
   * A server that parks each handshake in {@link #handshake}, and records the close status its
   * socket gets.
   */
  private HttpServer holdingServer(Vertx vertx) throws Exception {
    return SupervisorHarness.await(
        vertx
            .createHttpServer()
            .webSocketHandshakeHandler(handshake::tryComplete)
            .webSocketHandler(
                ws -> {
                  // The socket may have closed already: a client that closes at once sends its
                  // close frame
                  // right behind the handshake.
                  if (ws.isClosed()) {
                    serverSawClose.tryComplete(ws.closeStatusCode());
                  } else {
                    ws.closeHandler(v -> serverSawClose.tryComplete(ws.closeStatusCode()));
                  }
                })
            .listen(0, "127.0.0.1"));
  }

  /**
   * A verticle that follows the server's endpoint and, like the downloads verticle, waits for the
   * close in its stop.
   */
  private static final class Follower extends VerticleBase {
    private final int port;
    private Aria2Notifications notifications;

    Follower(int port) {
      this.port = port;
    }

    @Override
    public Future<?> start() {
      notifications = new Aria2Notifications(vertx, (method, gid) -> {}, () -> {});
      notifications.follow(new Aria2Endpoint("127.0.0.1", port, "unused"));
      return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
      return notifications.close();
    }
  }

  @Test
  void anUndeployDuringTheHandshakeClosesTheSocketCleanlyWithoutAnEvictionWarning(Vertx vertx)
      throws Exception {
    warnings.start();
    EVICTIONS.addAppender(warnings);
    HttpServer server = holdingServer(vertx);
    String id = SupervisorHarness.await(vertx.deployVerticle(new Follower(server.actualPort())));
    ServerWebSocketHandshake held = SupervisorHarness.await(handshake.future());

    // Undeploy while the server still holds the handshake, then let it through.
    Future<Void> undeployed = vertx.undeploy(id);
    SupervisorHarness.await(held.accept());
    SupervisorHarness.await(undeployed);
    // 1000: a close frame came; a client closed under the socket would leave the server 1006.
    assertThat(SupervisorHarness.await(serverSawClose.future()))
        .as("close status the server received")
        .isEqualTo((short) 1000);
    assertThat(warnings.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .doesNotContain("Connection evicted");
  }

  @Test
  void closeOfAnOpenSocketSendsACloseFrameAndDisconnects(Vertx vertx) throws Exception {
    HttpServer server = holdingServer(vertx);
    Promise<Void> connected = Promise.promise();
    Aria2Notifications notifications =
        new Aria2Notifications(vertx, (method, gid) -> {}, connected::tryComplete);
    vertx.runOnContext(
        v -> notifications.follow(new Aria2Endpoint("127.0.0.1", server.actualPort(), "unused")));
    SupervisorHarness.await(SupervisorHarness.await(handshake.future()).accept());
    SupervisorHarness.await(connected.future());
    assertThat(notifications.connected()).isTrue();

    Promise<Void> closed = Promise.promise();
    vertx.runOnContext(v -> notifications.close().onComplete(closed));
    SupervisorHarness.await(closed.future());
    assertThat(SupervisorHarness.await(serverSawClose.future()))
        .as("close status the server received")
        .isEqualTo((short) 1000);
    assertThat(notifications.connected()).isFalse();
  }
}
