package io.aria2sv.cluster;

import io.aria2sv.config.ClusterConfig;
import io.aria2sv.config.ConfigException;
import io.aria2sv.config.PemFiles;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The cluster's key material ({@code cluster.tls}), read and checked once at start: the CA, this
 * node's certificate (signed by that CA) and its key (mode 0600). It gives the same trust to both
 * channels between nodes: JGroups' TCP transport (membership and shared data) and Vert.x's
 * clustered event bus. Each requires the peer's certificate and trusts only the cluster's CA, so
 * that a process without a certificate of that CA can neither join nor connect.
 */
final class ClusterKeys {
  /** The protocols offered between nodes. */
  static final Set<String> PROTOCOLS = Set.of("TLSv1.3");

  private final Buffer ca;
  private final List<X509Certificate> anchors;
  private final PemFiles.Pair node;

  private ClusterKeys(Buffer ca, List<X509Certificate> anchors, PemFiles.Pair node) {
    this.ca = ca;
    this.anchors = anchors;
    this.node = node;
  }

  /** Reads and checks the three files; fails with a ConfigException naming the key. Blocking. */
  static ClusterKeys load(ClusterConfig.Tls tls) {
    PemFiles.ownerOnly("cluster.tls.key", tls.key());
    Buffer ca = PemFiles.read("cluster.tls.ca", tls.ca());
    // more than one CA while the cluster moves to a new one (README, "Cluster keys")
    List<X509Certificate> anchors = certificates("cluster.tls.ca", tls.ca().toString(), ca);
    PemFiles.Pair node = PemFiles.load("cluster.tls", tls.cert(), tls.key());
    X509Certificate nodeCert =
        certificates("cluster.tls.cert", tls.cert().toString(), node.cert()).get(0);
    if (anchors.stream().noneMatch(a -> signedBy(nodeCert, a))) {
      throw new ConfigException(
          "cluster.tls.cert",
          tls.cert()
              + " is not signed by the CA in "
              + tls.ca()
              + ": the other nodes would refuse this one");
    }
    try {
      nodeCert.checkValidity();
    } catch (GeneralSecurityException e) {
      throw new ConfigException(
          "cluster.tls.cert",
          tls.cert() + " is not valid now (" + nodeCert.getNotAfter().toInstant() + ")");
    }
    return new ClusterKeys(ca, anchors, node);
  }

  /** The subject and expiry of this node's certificate, for the log. */
  String describe() {
    return node.subject() + ", valid until " + node.notAfter();
  }

  /** The TLS context of JGroups' transport: this node's key, the cluster's CA alone as trust. */
  SSLContext sslContext() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(
          keyCert().getKeyManagerFactory(null).getKeyManagers(), trust().getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new ConfigException("cluster.tls", "cannot use the cluster's keys: " + e.getMessage());
    }
  }

  /** {@code options} of the clustered event bus with TLS both ways and the cluster's CA alone. */
  EventBusOptions secure(EventBusOptions options) {
    options
        .setSsl(true)
        .setKeyCertOptions(keyCert())
        .setTrustOptions(new PemTrustOptions().addCertValue(ca))
        .setTrustAll(false)
        .setClientAuth(ClientAuth.REQUIRED);
    options.getEnabledSecureTransportProtocols().clear();
    PROTOCOLS.forEach(options::addEnabledSecureTransportProtocol);
    return options;
  }

  private PemKeyCertOptions keyCert() {
    return new PemKeyCertOptions().addCertValue(node.cert()).addKeyValue(node.key());
  }

  /** The cluster's CA as the only trust anchor. */
  private TrustManagerFactory trust() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (int i = 0; i < anchors.size(); i++) {
      store.setCertificateEntry("cluster-ca-" + i, anchors.get(i));
    }
    TrustManagerFactory f =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(store);
    return f;
  }

  private static boolean signedBy(X509Certificate cert, X509Certificate ca) {
    try {
      cert.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static List<X509Certificate> certificates(String key, String file, Buffer pem) {
    if (!pem.toString().contains("-----BEGIN CERTIFICATE-----")) {
      throw new ConfigException(
          key, file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    try {
      return CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes()))
          .stream()
          .map(X509Certificate.class::cast)
          .toList();
    } catch (GeneralSecurityException e) {
      throw new ConfigException(key, "cannot load " + file + ": " + e.getMessage());
    }
  }
}
