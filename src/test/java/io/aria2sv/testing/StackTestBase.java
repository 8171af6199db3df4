package io.aria2sv.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.Aria2SupervisorClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every test of a whole supervisor stack shares: a temporary root, a local file server, the
 * stack ({@link SupervisorHarness}) and a bus client; after each test the stack is undeployed and
 * no aria2c may be left on the test's data directory. A test class adds its own set-up in a
 * {@code @BeforeEach} of another name (JUnit runs this one first, and its own clean-up before this
 * one's).
 */
@ExtendWith(VertxExtension.class)
public abstract class StackTestBase {
  @TempDir protected Path root;
  protected Vertx vertx;
  protected FileServer files;
  protected SupervisorHarness stack;
  protected Aria2SupervisorClient client;

  @BeforeEach
  void startStack(Vertx vertx) throws Exception {
    this.vertx = vertx;
    files = new FileServer(vertx).start();
    stack = new SupervisorHarness(vertx);
    client = new Aria2SupervisorClient(vertx, Duration.ofSeconds(20));
  }

  @AfterEach
  void stopStack() throws Exception {
    stack.undeploy();
    files.close();
    assertThat(Signals.countAria2For(root.resolve("data"))).as("aria2c left behind").isZero();
  }

  /** The settings every configuration of this class starts from (key, value, ...). */
  protected List<String> baseSettings() {
    return List.of("downloads.progressInterval", "200ms", "rpc.timeout", "2s");
  }

  /** A fast test configuration: {@link #baseSettings()}, then {@code overrides}. */
  protected JsonObject config(String... overrides) throws Exception {
    List<String> all = new ArrayList<>(baseSettings());
    all.addAll(List.of(overrides));
    return TestConfig.fast(vertx, root, all.toArray(String[]::new));
  }
}
