package io.aria2sv.http;

import io.aria2sv.config.ConfigException;
import io.aria2sv.config.HttpAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Set;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS of the API ({@code http.tls}): the PEM certificate chain and key, read at start (a missing,
 * unreadable or unusable file stops start-up naming its key), then read again every {@code
 * checkInterval}. A changed pair that loads and matches is given to the server for new connections;
 * a broken one is logged once and the one in use kept. TLS 1.2 and 1.3 only.
 */
final class TlsFiles {
  private static final Logger LOG = LoggerFactory.getLogger(TlsFiles.class);

  /** The protocols served; older ones are refused in the handshake. */
  static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** A certificate chain and key as read, with what the log says of the certificate. */
  record Pair(Buffer cert, Buffer key, String subject, String notAfter) {
    boolean sameFiles(Pair other) {
      return other != null && cert.equals(other.cert) && key.equals(other.key);
    }
  }

  private final Vertx vertx;
  private final HttpAccess.Tls tls;
  private volatile Pair inUse;
  private volatile Pair refused;
  private long timer = -1;

  TlsFiles(Vertx vertx, HttpAccess.Tls tls) {
    this.vertx = vertx;
    this.tls = tls;
  }

  /** Reads and checks both files (blocking work on a worker); fails with a ConfigException. */
  Future<HttpServerOptions> serverOptions(HttpServerOptions options) {
    return vertx
        .executeBlocking(() -> load(vertx, tls), false)
        .map(
            pair -> {
              inUse = pair;
              LOG.info(
                  "TLS certificate {} (subject {}, valid until {}), key {}",
                  tls.cert(),
                  pair.subject(),
                  pair.notAfter(),
                  tls.key());
              options
                  .setSsl(true)
                  .setKeyCertOptions(keyCert(pair))
                  .setEnabledSecureTransportProtocols(PROTOCOLS);
              return options;
            });
  }

  /** Reads the files again every {@code checkInterval} and gives {@code server} a renewed pair. */
  void watch(HttpServer server) {
    timer =
        vertx.setPeriodic(
            tls.checkInterval().toMillis(),
            id ->
                vertx
                    .executeBlocking(this::changed, false)
                    .onComplete(
                        ar -> {
                          if (ar.failed()) {
                            LOG.warn(
                                "TLS files {} and {} changed but cannot be used ({}); the"
                                    + " certificate in use is kept",
                                tls.cert(),
                                tls.key(),
                                ar.cause().getMessage());
                          } else if (ar.result() != null) {
                            renew(server, ar.result());
                          }
                        }));
  }

  void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * The pair in the files when they changed since the one in use and since the last broken one;
   * null when they did not. Fails (once per change) when the new files cannot be used. Blocking.
   */
  private Pair changed() {
    Buffer cert;
    Buffer key;
    try {
      cert = Buffer.buffer(Files.readAllBytes(tls.cert()));
      key = Buffer.buffer(Files.readAllBytes(tls.key()));
    } catch (IOException e) {
      // mid-way through a renewal's replacement, or gone: the next check reads them again
      Pair missing = new Pair(Buffer.buffer(), Buffer.buffer(), "", "");
      if (missing.sameFiles(refused)) {
        return null;
      }
      refused = missing;
      throw new ConfigException("http.tls", "cannot read: " + e.getMessage());
    }
    Pair raw = new Pair(cert, key, "", "");
    if (raw.sameFiles(inUse) || raw.sameFiles(refused)) {
      return null;
    }
    try {
      return load(vertx, tls);
    } catch (RuntimeException e) {
      refused = raw;
      throw e;
    }
  }

  private void renew(HttpServer server, Pair next) {
    server
        .updateSSLOptions(
            new ServerSSLOptions()
                .setKeyCertOptions(keyCert(next))
                .setEnabledSecureTransportProtocols(PROTOCOLS),
            true)
        .onSuccess(
            v -> {
              inUse = next;
              LOG.info(
                  "TLS certificate renewed from {}: subject {}, valid until {}; used for new"
                      + " connections",
                  tls.cert(),
                  next.subject(),
                  next.notAfter());
            })
        .onFailure(
            err -> {
              refused = next;
              LOG.warn(
                  "TLS files {} and {} changed but the server refused them ({}); the certificate"
                      + " in use is kept",
                  tls.cert(),
                  tls.key(),
                  err.getMessage());
            });
  }

  private static PemKeyCertOptions keyCert(Pair pair) {
    return new PemKeyCertOptions().addCertValue(pair.cert()).addKeyValue(pair.key());
  }

  /**
   * Reads both files and checks that they load and that the key belongs to the first certificate.
   * Blocking.
   */
  static Pair load(Vertx vertx, HttpAccess.Tls tls) {
    Buffer cert = read("http.tls.cert", tls.cert());
    Buffer key = read("http.tls.key", tls.key());
    if (!cert.toString().contains("-----BEGIN CERTIFICATE-----")) {
      throw new ConfigException(
          "http.tls.cert", tls.cert() + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    if (!key.toString().contains("PRIVATE KEY-----")) {
      throw new ConfigException(
          "http.tls.key", tls.key() + " holds no PEM private key (-----BEGIN … PRIVATE KEY-----)");
    }
    X509KeyManager manager;
    try {
      manager =
          Arrays.stream(
                  new PemKeyCertOptions()
                      .addCertValue(cert)
                      .addKeyValue(key)
                      .getKeyManagerFactory(vertx)
                      .getKeyManagers())
              .filter(X509KeyManager.class::isInstance)
              .map(X509KeyManager.class::cast)
              .findFirst()
              .orElseThrow();
    } catch (Exception e) {
      throw new ConfigException(
          "http.tls", "cannot load " + tls.cert() + " and " + tls.key() + ": " + e.getMessage());
    }
    for (String type : new String[] {"RSA", "EC", "EdDSA", "Ed25519", "RSASSA-PSS"}) {
      String[] aliases = manager.getServerAliases(type, null);
      if (aliases != null && aliases.length > 0) {
        X509Certificate[] chain = manager.getCertificateChain(aliases[0]);
        PrivateKey pk = manager.getPrivateKey(aliases[0]);
        if (chain == null || chain.length == 0 || pk == null) {
          continue;
        }
        if (!matches(pk, chain[0])) {
          throw new ConfigException(
              "http.tls.key",
              tls.key() + " is not the key of the certificate in " + tls.cert() + " (first one)");
        }
        return new Pair(
            cert,
            key,
            chain[0].getSubjectX500Principal().getName(),
            chain[0].getNotAfter().toInstant().toString());
      }
    }
    throw new ConfigException(
        "http.tls", "no usable key and certificate in " + tls.cert() + " and " + tls.key());
  }

  private static Buffer read(String key, Path file) {
    try {
      return Buffer.buffer(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new ConfigException(key, "cannot read " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new ConfigException(key, "cannot read " + file + ": permission denied");
    } catch (IOException e) {
      throw new ConfigException(key, "cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Whether {@code key} signs what the certificate's public key verifies. */
  private static boolean matches(PrivateKey key, X509Certificate cert) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "EdDSA", "Ed25519" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return true; // an unusual key type: the handshake will tell
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
  }
}
