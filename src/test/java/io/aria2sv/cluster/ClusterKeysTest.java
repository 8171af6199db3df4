package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aria2sv.config.ClusterConfig;
import io.aria2sv.testing.ClusterCerts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.jgroups.JChannel;
import org.jgroups.protocols.TCP;
import org.jgroups.util.SocketFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trust between nodes as JGroups' transport uses it: a TLS handshake between two sockets of its
 * socket factory, one per node.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterKeysTest {
  @TempDir static Path root;
  static ClusterCerts ours;
  static ClusterCerts theirs;

  @BeforeAll
  static void keys() {
    ours = ClusterCerts.ca(root.resolve("ours"));
    theirs = ClusterCerts.ca(root.resolve("theirs"));
  }

  private static ClusterConfig.Tls tls(Path ca, ClusterCerts certs, String node) {
    return new ClusterConfig.Tls(true, ca, certs.cert(node), certs.key(node));
  }

  private static SocketFactory sockets(ClusterConfig.Tls tls) throws Exception {
    ClusterConfig c =
        new ClusterConfig(
            true,
            "t",
            "127.0.0.1",
            1,
            List.of(),
            "n",
            Duration.ofSeconds(3),
            Duration.ofSeconds(1),
            tls);
    try (JChannel ch = ClusterVertx.channel(c, ClusterKeys.load(tls).sslContext())) {
      return ch.getProtocolStack().findProtocol(TCP.class).getSocketFactory();
    }
  }

  /**
   * Whether a node with {@code client}'s keys completes a handshake with one with {@code server}'s.
   */
  private static boolean handshake(SocketFactory server, SocketFactory client) throws Exception {
    try (ServerSocket listening =
        server.createServerSocket("test", 0, 5, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Boolean> accepted =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket s = listening.accept()) {
                  s.setSoTimeout(3000); // a peer that never completes a handshake
                  ((SSLSocket) s).startHandshake();
                  return s.getInputStream().read() == 42;
                } catch (IOException e) {
                  return false;
                }
              });
      try (Socket s =
          client.createSocket("test", InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
        s.setSoTimeout(3000);
        s.getOutputStream().write(42);
        s.getOutputStream().flush();
        s.getInputStream().read(); // the server's end of the handshake, or its refusal
      } catch (IOException e) {
        // refused by the server, or the client refused the server
      }
      return accepted.get(10, TimeUnit.SECONDS);
    }
  }

  /** A TLS client that accepts any server and shows no certificate of its own. */
  private static SocketFactory trustingAnyoneWithoutACertificate() throws Exception {
    javax.net.ssl.TrustManager anyone =
        new javax.net.ssl.X509TrustManager() {
          @Override
          public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

          @Override
          public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

          @Override
          public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
          }
        };
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
    ctx.init(null, new javax.net.ssl.TrustManager[] {anyone}, null);
    return new org.jgroups.util.DefaultSocketFactory(ctx);
  }

  @Test
  void twoNodesOfTheClustersCaShakeHandsAndANodeOfAnotherCaOrWithoutTlsIsRefused()
      throws Exception {
    SocketFactory n1 = sockets(tls(ours.caCert(), ours, "n1"));
    SocketFactory n2 = sockets(tls(ours.caCert(), ours, "n2"));
    SocketFactory stranger = sockets(tls(theirs.caCert(), theirs, "stranger"));
    assertThat(handshake(n1, n2)).isTrue();
    assertThat(handshake(n1, stranger)).isFalse();
    assertThat(handshake(stranger, n1)).isFalse();
    assertThat(handshake(n1, new org.jgroups.util.DefaultSocketFactory())).isFalse();
    assertThat(handshake(n1, trustingAnyoneWithoutACertificate()))
        .as("client certificates are required")
        .isFalse();
    // trusting our CA with a certificate of another: refused at start, before any handshake
    assertThatThrownBy(() -> sockets(tls(ours.caCert(), theirs, "half")))
        .isInstanceOf(io.aria2sv.config.ConfigException.class)
        .hasMessageContaining("is not signed by the CA in " + ours.caCert());
  }

  @Test
  void whileTheCaIsRotatedANodeTrustingBothAcceptsNodesOfEither() throws Exception {
    Path both = root.resolve("both.crt");
    Files.writeString(both, Files.readString(ours.caCert()) + Files.readString(theirs.caCert()));
    SocketFactory moving = sockets(tls(both, ours, "n1"));
    SocketFactory old = sockets(tls(ours.caCert(), ours, "n2"));
    SocketFactory renewed = sockets(tls(both, theirs, "n3"));
    assertThat(handshake(moving, old)).isTrue();
    assertThat(handshake(moving, renewed)).isTrue();
    assertThat(handshake(old, renewed)).as("a node not moved yet trusts only the old CA").isFalse();
  }
}
