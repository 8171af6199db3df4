package io.aria2sv.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A BitTorrent HTTP tracker on 127.0.0.1 for tests (BEP 3, compact peers of BEP 23): every peer
 * that announces an info hash is given the others, until it announces that it stopped. Nothing
 * else: no scrape, no UDP.
 */
public final class Tracker implements AutoCloseable {
  private final Vertx vertx;
  private final Map<String, Set<String>> peers = new ConcurrentHashMap<>();
  private HttpServer server;

  public Tracker(Vertx vertx) {
    this.vertx = vertx;
  }

  public Tracker start() throws Exception {
    server =
        SupervisorHarness.await(
            vertx.createHttpServer().requestHandler(this::announce).listen(0, "127.0.0.1"));
    return this;
  }

  /** The announce URL. */
  public String announce() {
    return "http://127.0.0.1:" + server.actualPort() + "/announce";
  }

  /** How many peers announced {@code infoHash} (hex). */
  public int peers(String infoHash) {
    return peers.getOrDefault(infoHash, Set.of()).size();
  }

  private void announce(HttpServerRequest req) {
    String hash = null;
    int port = -1;
    boolean stopped = false;
    String query = req.query() == null ? "" : req.query();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String key = pair.substring(0, eq);
      byte[] value = percentDecode(pair.substring(eq + 1));
      if (key.equals("info_hash")) {
        hash = HexFormat.of().formatHex(value);
      } else if (key.equals("event")) {
        stopped = "stopped".equals(new String(value, StandardCharsets.US_ASCII));
      } else if (key.equals("port")) {
        port = Integer.parseInt(new String(value, StandardCharsets.US_ASCII));
      }
    }
    if (hash == null || port <= 0) {
      req.response().end("d14:failure reason13:bad announcee");
      return;
    }
    String self = req.remoteAddress().host() + ":" + port;
    Set<String> known = peers.computeIfAbsent(hash, h -> ConcurrentHashMap.newKeySet());
    Set<String> others = new LinkedHashSet<>(known);
    others.remove(self);
    if (stopped) {
      known.remove(self); // a peer that left is given to nobody
    } else {
      known.add(self);
    }
    ByteArrayOutputStream compact = new ByteArrayOutputStream();
    for (String p : others) {
      String[] hp = p.split(":");
      for (String octet : hp[0].split("\\.")) {
        compact.write(Integer.parseInt(octet));
      }
      int pp = Integer.parseInt(hp[1]);
      compact.write(pp >> 8);
      compact.write(pp & 0xff);
    }
    Buffer body = Buffer.buffer("d8:intervali2e12:min intervali1e5:peers" + compact.size() + ":");
    body.appendBytes(compact.toByteArray()).appendString("e");
    req.response().putHeader("Content-Type", "text/plain").end(body);
  }

  private static byte[] percentDecode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else if (c == '+') {
        out.write(' ');
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }
}
