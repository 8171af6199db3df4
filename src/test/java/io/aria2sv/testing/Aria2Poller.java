package io.aria2sv.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A process of its own that asks one node's aria2c what it runs ({@code aria2.tellActive}, its port
 * and secret read from the node's {@code aria2.conf}) every {@code period} ms and prints one line a
 * poll: the wall-clock millisecond, a tab, and aria2c's answer (or {@code -}). Started in the
 * node's network namespace, it reaches an aria2c that listens on that namespace's loopback alone,
 * and keeps polling while the node's links are cut or its JVM is stopped.
 *
 * <p>{@code java io.aria2sv.testing.Aria2Poller <aria2.conf> <period ms>}; JDK classes only.
 */
public final class Aria2Poller {
  private Aria2Poller() {}

  public static void main(String[] args) throws Exception {
    Path conf = Path.of(args[0]);
    long period = Long.parseLong(args[1]);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(period)).build();
    long next = System.currentTimeMillis();
    while (true) {
      long at = System.currentTimeMillis();
      System.out.println(at + "\t" + poll(http, conf, period));
      System.out.flush();
      next += period;
      long wait = next - System.currentTimeMillis();
      if (wait > 0) {
        Thread.sleep(wait);
      } else {
        next = System.currentTimeMillis();
      }
    }
  }

  private static String poll(HttpClient http, Path conf, long period) {
    Map<String, String> c = conf(conf);
    if (c == null) {
      return "-";
    }
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":\"c\",\"method\":\"aria2.tellActive\",\"params\":[\"token:"
            + c.get("rpc-secret")
            + "\",[\"files\"]]}";
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + c.get("rpc-listen-port") + "/jsonrpc"))
                  .timeout(Duration.ofMillis(period))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.body().replace('\n', ' ');
    } catch (IOException e) {
      return "-";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "-";
    }
  }

  private static Map<String, String> conf(Path file) {
    try {
      Map<String, String> out = new HashMap<>();
      for (String line : Files.readAllLines(file)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
      return out.containsKey("rpc-secret") && out.containsKey("rpc-listen-port") ? out : null;
    } catch (IOException e) {
      return null; // not written yet, or being replaced
    }
  }
}
