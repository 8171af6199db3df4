package io.aria2sv.testing;

import io.aria2sv.config.ConfigLoader;
import io.aria2sv.rpc.Aria2Rpc;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Effective configurations for tests: the real loader, a temp data dir and quick timings. */
public final class TestConfig {
  private TestConfig() {}

  /** Quick supervision timings, so crashes and hangs resolve in well under a second or two. */
  public static Properties fast(Path root) {
    Properties p = new Properties();
    p.setProperty("aria2sv.aria2.dataDir", root.resolve("data").toString());
    p.setProperty("aria2sv.aria2.downloadDir", root.resolve("downloads").toString());
    p.setProperty("aria2sv.supervisor.startupTimeout", "5s");
    p.setProperty("aria2sv.supervisor.checkInterval", "200ms");
    p.setProperty("aria2sv.supervisor.healthTimeout", "300ms");
    p.setProperty("aria2sv.supervisor.failureThreshold", "2");
    p.setProperty("aria2sv.supervisor.shutdownTimeout", "3s");
    p.setProperty("aria2sv.supervisor.restart.initialDelay", "100ms");
    p.setProperty("aria2sv.supervisor.restart.maxDelay", "400ms");
    p.setProperty("aria2sv.http.port", "0");
    LOOPBACK_ONLY.forEach((k, v) -> p.setProperty("aria2sv.aria2.options." + k, v));
    // BitTorrent listens on 6881-6999 by default: a free port of its own instead
    p.setProperty("aria2sv.aria2.options.listen-port", String.valueOf(freePort()));
    return p;
  }

  /**
   * aria2's ways of reaching peers beyond this machine, all off in every test's aria2c: DHT (IPv4
   * and IPv6), local peer discovery (multicast) and peer exchange. Nothing may leave 127.0.0.0/8.
   */
  public static final Map<String, String> LOOPBACK_ONLY =
      Map.of(
          "enable-dht",
          "false",
          "enable-dht6",
          "false",
          "bt-enable-lpd",
          "false",
          "enable-peer-exchange",
          "false");

  /**
   * The start of a YAML configuration for a supervisor in a child JVM: aria2 with {@link
   * #LOOPBACK_ONLY} and a free BitTorrent port; the caller appends its own sections.
   */
  public static StringBuilder childYaml() {
    StringBuilder yaml = new StringBuilder("aria2:\n  options:\n");
    LOOPBACK_ONLY.forEach(
        (k, v) -> yaml.append("    ").append(k).append(": \"").append(v).append("\"\n"));
    return yaml.append("    listen-port: \"").append(freePort()).append("\"\n");
  }

  /** Fails unless aria2c at {@code rpc} runs with every option of {@link #LOOPBACK_ONLY}. */
  public static void assertLoopbackOnly(Aria2Rpc rpc) throws Exception {
    JsonObject global =
        SupervisorHarness.await(rpc.callObject("aria2.getGlobalOption", Duration.ofSeconds(2)));
    LOOPBACK_ONLY.forEach(
        (k, v) -> {
          if (!v.equals(global.getString(k))) {
            throw new AssertionError(
                "aria2c runs with " + k + "=" + global.getString(k) + ", not " + v);
          }
        });
  }

  /** A TCP port free on 127.0.0.1 a moment ago. */
  public static int freePort() {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * A free port below Linux's ephemeral range (32768 and up), for a server that must get the same
   * port again after a restart: a port of that range can be taken meanwhile as the local port of
   * any outgoing connection, such as the other cluster nodes' attempts to reach the one that is
   * down.
   */
  public static int freeFixedPort() {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 20_000 + random.nextInt(12_000);
      try (java.net.ServerSocket s = new java.net.ServerSocket()) {
        s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
        return port;
      } catch (java.io.IOException e) {
        // taken: another one
      }
    }
    throw new IllegalStateException("no free port between 20000 and 32000");
  }

  /** Loads the effective configuration for {@code properties}, with no environment and no file. */
  public static JsonObject load(Vertx vertx, Path root, Properties properties) throws Exception {
    return new ConfigLoader(vertx, root, Map.of(), properties)
        .load(null)
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /** {@link #fast} plus {@code overrides} (keys without the {@code aria2sv.} prefix). */
  public static JsonObject fast(Vertx vertx, Path root, String... overrides) throws Exception {
    Properties p = fast(root);
    for (int i = 0; i < overrides.length; i += 2) {
      p.setProperty("aria2sv." + overrides[i], overrides[i + 1]);
    }
    return load(vertx, root, p);
  }
}
