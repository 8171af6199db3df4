package io.aria2sv;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Vert.x instance the fat jar runs on uses the native transport wherever it loads. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TransportTest {
  @Test
  void theShippedVertxRunsOnEpollWhereItLoadsAndSaysSo() throws Exception {
    Vertx vertx = Aria2Supervisor.createVertx();
    try {
      assertThat(vertx.isNativeTransportEnabled()).isEqualTo(Transport.EPOLL.available());
      assertThat(Aria2Supervisor.transportName(vertx))
          .isEqualTo(Transport.EPOLL.available() ? "epoll" : "nio");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aVertxOnJavaNioIsReportedAsNio() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      assertThat(vertx.isNativeTransportEnabled()).isFalse();
      String name = Aria2Supervisor.transportName(vertx);
      // Where epoll could be loaded, NIO was chosen and there is no reason to give.
      assertThat(name).isEqualTo(Transport.EPOLL.available() ? "nio" : name).startsWith("nio");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
