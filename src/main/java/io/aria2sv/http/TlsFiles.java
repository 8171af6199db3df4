package io.aria2sv.http;

import io.aria2sv.config.ConfigException;
import io.aria2sv.config.HttpAccess;
import io.aria2sv.config.PemFiles;
import io.aria2sv.config.PemFiles.Pair;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Set;
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

  /** Reads both files and checks that they load and belong together. Blocking. */
  static Pair load(Vertx vertx, HttpAccess.Tls tls) {
    return PemFiles.load("http.tls", tls.cert(), tls.key());
  }
}
