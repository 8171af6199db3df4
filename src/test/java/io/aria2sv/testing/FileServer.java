package io.aria2sv.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local HTTP file server for integration tests, on 127.0.0.1 and a free port. It serves generated
 * files of known SHA-256 at {@code /files/NAME}, honours {@code Range}, can throttle (bytes per
 * second), and answers {@code /status/CODE} with that status.
 */
public final class FileServer implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
  private static final int CHUNK = 16 * 1024;

  private final Vertx vertx;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final AtomicInteger rangeRequests = new AtomicInteger();
  private final Map<String, AtomicInteger> fail503 = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> resets = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final Map<String, Transfer> transfers = new ConcurrentHashMap<>();
  private final Set<String> noRanges = ConcurrentHashMap.newKeySet();
  private volatile long bytesPerSecond;
  private HttpServer server;
  private String host = "127.0.0.1";

  public FileServer(Vertx vertx) {
    this.vertx = vertx;
  }

  public FileServer start() throws Exception {
    return start("127.0.0.1");
  }

  /** Listens on {@code host} (a port of its own). */
  public FileServer start(String host) throws Exception {
    this.host = host;
    server =
        vertx
            .createHttpServer()
            .requestHandler(this::handle)
            .listen(0, host)
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return this;
  }

  public int port() {
    return server.actualPort();
  }

  /** Registers {@code size} bytes of seeded random content and returns its SHA-256 in hex. */
  public String addRandomFile(String name, int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    files.put(name, data);
    return sha256(data);
  }

  /** Registers {@code data} under {@code name} and returns its SHA-256 in hex. */
  public String addFile(String name, byte[] data) {
    files.put(name, data.clone());
    return sha256(data);
  }

  /** Serves the content of {@code existing} under {@code name} too (no copy). */
  public void alias(String name, String existing) {
    files.put(name, files.get(existing));
  }

  public String url(String name) {
    return "http://" + host + ":" + port() + "/files/" + name;
  }

  /** The next {@code n} requests for {@code name} are answered 503. */
  public void fail503(String name, int n) {
    fail503.put(name, new AtomicInteger(n));
  }

  /** The next {@code n} requests for {@code name} send a few KiB and then reset the connection. */
  public void resetAfterSomeBytes(String name, int n) {
    resets.put(name, new AtomicInteger(n));
  }

  /**
   * {@code name} is served whole whatever the {@code Range} asked, as by servers that cannot
   * resume.
   */
  public void ignoreRanges(String name) {
    noRanges.add(name);
  }

  /** How many GET requests {@code name} received. */
  public int requests(String name) {
    AtomicInteger n = requests.get(name);
    return n == null ? 0 : n.get();
  }

  /**
   * When the first GET of a file arrived and when the last response to one ended ({@link
   * System#nanoTime()}), since {@link #forgetTransfer}: the transfer as the server saw it, over all
   * of a client's connections.
   */
  public record Transfer(long firstRequest, long lastEnd) {
    /** Milliseconds from the first request to the end of the last response. */
    public double millis() {
      return (lastEnd - firstRequest) / 1e6;
    }
  }

  /** The transfer of {@code name} since it was last forgotten, or null if it has not ended. */
  public Transfer transfer(String name) {
    Transfer t = transfers.get(name);
    return t == null || t.lastEnd() == 0 ? null : t;
  }

  public void forgetTransfer(String name) {
    transfers.remove(name);
  }

  public void throttle(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  public int rangeRequests() {
    return rangeRequests.get();
  }

  public static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    HttpServerResponse res = req.response();
    if (path.startsWith("/status/")) {
      res.setStatusCode(Integer.parseInt(path.substring(8))).end("status");
      return;
    }
    String name = path.startsWith("/files/") ? path.substring(7) : "";
    byte[] data = files.get(name);
    if (data == null) {
      res.setStatusCode(404).end("not found");
      return;
    }
    requests.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
    transfers.putIfAbsent(name, new Transfer(System.nanoTime(), 0));
    res.endHandler(
        v ->
            transfers.computeIfPresent(
                name, (k, t) -> new Transfer(t.firstRequest(), System.nanoTime())));
    if (take(fail503, name)) {
      res.setStatusCode(503).end("busy");
      return;
    }
    boolean reset = take(resets, name);
    int from = 0;
    int to = data.length - 1;
    String range = noRanges.contains(name) ? null : req.getHeader("Range");
    res.putHeader("Accept-Ranges", noRanges.contains(name) ? "none" : "bytes");
    if (range != null) {
      Matcher m = RANGE.matcher(range);
      if (m.matches()) {
        rangeRequests.incrementAndGet();
        from = Integer.parseInt(m.group(1));
        if (!m.group(2).isEmpty()) {
          to = Math.min(to, Integer.parseInt(m.group(2)));
        }
        if (from > to) {
          res.setStatusCode(416).putHeader("Content-Range", "bytes */" + data.length).end();
          return;
        }
        res.setStatusCode(206)
            .putHeader("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
      }
    }
    res.putHeader("Content-Length", Integer.toString(to - from + 1));
    if (req.method().name().equals("HEAD")) {
      res.end();
      return;
    }
    if (reset) {
      res.write(Buffer.buffer().appendBytes(data, from, Math.min(8192, to - from + 1)));
      vertx.setTimer(50, id -> req.connection().close());
      return;
    }
    send(res, data, from, to + 1);
  }

  private static boolean take(Map<String, AtomicInteger> plan, String name) {
    AtomicInteger left = plan.get(name);
    return left != null && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
  }

  private void send(HttpServerResponse res, byte[] data, int from, int end) {
    if (res.closed()) {
      return;
    }
    int n = Math.min(CHUNK, end - from);
    long bps = bytesPerSecond;
    res.write(Buffer.buffer().appendBytes(data, from, n));
    int next = from + n;
    if (next >= end) {
      res.end();
      return;
    }
    long delay = bps > 0 ? Math.max(1, n * 1000L / bps) : 0;
    if (delay == 0 && !res.writeQueueFull()) {
      vertx.runOnContext(v -> send(res, data, next, end));
    } else if (delay == 0) {
      res.drainHandler(v -> send(res, data, next, end));
    } else {
      vertx.setTimer(delay, id -> send(res, data, next, end));
    }
  }

  @Override
  public void close() {
    if (server != null) {
      try {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("file server did not close", e);
      }
    }
  }
}
