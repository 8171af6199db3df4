package io.aria2sv;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.Signals;
import io.vertx.core.transport.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar as a newcomer runs it: {@code java -jar} from any directory with the embedded
 * defaults, and from a checkout, where the shipped {@code conf/config.yaml} (all comments) is read.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FatJarIT {
  @TempDir Path cwd;

  @Test
  void startsFromAnyDirectoryWithEmbeddedDefaultsAndStopsCleanlyOnSigterm() throws Exception {
    startAndStop();
  }

  @Test
  void startsInACheckoutWithTheShippedConfigFileAndTheBuildsArchive() throws Exception {
    // The README's run command, from a checkout; -Xshare:on fails the start if the archive the
    // build made cannot be mapped.
    Files.createDirectories(cwd.resolve("conf"));
    Files.copy(Path.of("conf/config.yaml"), cwd.resolve("conf/config.yaml"));
    Path archive = Path.of(System.getProperty("fatJar")).resolveSibling("aria2-supervisor.jsa");
    assertThat(archive).isNotEmptyFile();
    startAndStop("-Xshare:on", "-XX:SharedArchiveFile=" + archive.toAbsolutePath());
  }

  @Test
  void theJarLetsItsNativeLibrariesLoadWithoutWarningsOnNewerJavas() throws Exception {
    // Java 22 and later print four WARNING lines at every start for Netty's epoll and SQLite's
    // libraries unless the jar's manifest allows native access (checked by hand on Temurin 25).
    try (java.util.jar.JarFile jar = new java.util.jar.JarFile(System.getProperty("fatJar"))) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Enable-Native-Access"))
          .isEqualTo("ALL-UNNAMED");
    }
  }

  /** Our meters and Vert.x's own (HTTP server and clients), not the event bus's. */
  private static void assertMetrics(int port) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.URI base = java.net.URI.create("http://127.0.0.1:" + port);
    http.send(
        java.net.http.HttpRequest.newBuilder(base.resolve("/health/ready")).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding());
    String text =
        http.send(
                java.net.http.HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(text)
        .contains("aria2sv_supervisor_state{state=\"RUNNING\"} 1.0")
        .contains("aria2sv_rpc_latency_seconds_count{method=\"system.multicall\"")
        .contains("vertx_http_server_requests_total")
        .contains("vertx_http_client_requests_total{client_name=\"aria2-rpc-supervisor\"")
        .doesNotContain("vertx_eventbus_");
  }

  private void startAndStop(String... jvmFlags) throws Exception {
    Path jar = Path.of(System.getProperty("fatJar"));
    assertThat(jar).exists();

    try (ChildJvm jvm =
        ChildJvm.jar(jar, java.util.List.of(jvmFlags), cwd, Map.of("ARIA2SV_HTTP_PORT", "0"))) {
      jvm.awaitOutput("aria2-supervisor running", Duration.ofSeconds(30));
      assertThat(jvm.output()).contains("profile default").contains("aria2c 1.36.0 ready");
      // The jar carries Netty's epoll library; where this JVM can load it, the supervisor runs on
      // it.
      assertThat(jvm.output())
          .contains(Transport.EPOLL.available() ? "transport epoll)" : "transport nio");
      assertThat(cwd.resolve("data/aria2.conf")).exists();
      assertThat(cwd.resolve("downloads")).isDirectory();
      long aria2 = Long.parseLong(Files.readString(cwd.resolve("data/aria2.pid")).trim());
      assertMetrics(jvm.awaitHttpPort());

      Signals.send(jvm.pid(), "TERM");

      assertThat(jvm.awaitExit(Duration.ofSeconds(30))).as(jvm.output()).isZero();
      assertThat(Signals.alive(aria2)).isFalse();
    }
  }
}
