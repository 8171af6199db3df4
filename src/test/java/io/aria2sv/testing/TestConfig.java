package io.aria2sv.testing;

import io.aria2sv.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
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
    return p;
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
