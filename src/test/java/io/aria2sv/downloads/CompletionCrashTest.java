package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.aria2sv.testing.Tmpfs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill -9 of the JVM in the middle of a move to another file system (a tmpfs): after the restart
 * exactly one whole file is at the destination, no part file anywhere, the source gone.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CompletionCrashTest {
  private static final int SIZE = 160 << 20;
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path root;
  private Tmpfs tmpfs;
  private FileServer files;

  @AfterEach
  void tearDown() throws Exception {
    if (files != null) {
      files.close();
    }
    await().atMost(WAIT).until(() -> Signals.countAria2For(root.resolve("data")) == 0);
    if (tmpfs != null) {
      tmpfs.close();
    }
  }

  private static String sha256(Path f) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(f)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aJvmKilledInTheMiddleOfACopyLeavesOneWholeFileAfterTheRestart(Vertx vertx) throws Exception {
    String why = Tmpfs.whyNot();
    assumeTrue(why == null, () -> "skipped: " + why);
    Path finished = root.resolve("finished");
    tmpfs = Tmpfs.mount(finished, 2 * (SIZE >> 10));
    files = new FileServer(vertx).start();
    String sha = files.addRandomFile("large.bin", SIZE, 7);
    StringBuilder yaml =
        TestConfig.childYaml()
            .append("completion:\n  finishedRoot: ")
            .append(finished)
            .append("\n  moveTo: done\n");
    Path conf = Files.writeString(root.resolve("child.yaml"), yaml);
    WebClient web = WebClient.create(vertx);
    Path part = finished.resolve("done/.large.bin.aria2sv-part");
    String id;
    try (ChildJvm jvm = ChildJvm.main(root, ChildJvm.envFor(root), "--config", conf.toString())) {
      int port = jvm.awaitHttpPort();
      id =
          SupervisorHarness.await(
                  web.post(port, "127.0.0.1", "/api/v1/downloads")
                      .sendJsonObject(
                          new JsonObject()
                              .put("uris", new JsonArray().add(files.url("large.bin")))
                              .put("out", "large.bin")))
              .bodyAsJsonObject()
              .getString("id");
      // the copy under way: its part file is there and growing
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(1))
          .until(() -> Files.exists(part) && Files.size(part) > 0);
      Signals.kill9(jvm.pid());
      jvm.awaitExit(Duration.ofSeconds(10));
    }
    long copiedBeforeKill = Files.exists(part) ? Files.size(part) : -1;
    assertThat(copiedBeforeKill).as("killed mid-copy").isBetween(1L, (long) SIZE - 1);
    await().atMost(WAIT).until(() -> Signals.countAria2For(root.resolve("data")) == 0);

    try (ChildJvm again = ChildJvm.main(root, ChildJvm.envFor(root), "--config", conf.toString())) {
      int port = again.awaitHttpPort();
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                JsonObject c =
                    SupervisorHarness.await(
                            web.get(port, "127.0.0.1", "/api/v1/downloads/" + id).send())
                        .bodyAsJsonObject()
                        .getJsonObject("completion");
                return c != null && "done".equals(c.getString("state"));
              });
    }
    assertThat(names(finished.resolve("done"))).containsExactly("large.bin");
    assertThat(sha256(finished.resolve("done/large.bin"))).isEqualTo(sha);
    assertThat(names(root.resolve("downloads"))).isEmpty();
  }
}
