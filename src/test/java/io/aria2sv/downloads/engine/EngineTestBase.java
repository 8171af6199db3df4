package io.aria2sv.downloads.engine;

import io.aria2sv.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The engine's unit tests: a fresh {@link EngineHarness} for each test, closed after it. */
@ExtendWith(VertxExtension.class)
abstract class EngineTestBase {
  @TempDir Path root;
  EngineHarness h;

  /** The downloads settings the engine runs with; {@link EngineHarness#CONFIG} unless changed. */
  AppConfig.Downloads settings() {
    return EngineHarness.CONFIG;
  }

  @BeforeEach
  void startEngine(Vertx vertx) throws Exception {
    h = new EngineHarness(vertx, root, settings());
  }

  @AfterEach
  void stopEngine() throws Exception {
    h.close();
  }
}
