package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.ClusterNodes;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an eavesdropper on the network between nodes sees: the loopback traffic between two nodes,
 * captured with tcpdump on their cluster and event-bus ports only, while downloads whose URL and
 * header carry a marker are added through one node (one of them placed on the other), listed by
 * both, and moved to the first when the second stops. With the cluster's TLS the marker is nowhere
 * in the capture; with TLS off the same capture finds it (so the check can fail).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ClusterWireTest {
  @TempDir Path root;

  @Test
  void withTheClustersTlsNoByteOfADownloadIsReadableBetweenNodes() throws Exception {
    Capture c = run(true);
    assertThat(c.found()).as("marker occurrences in %d bytes captured", c.bytes()).isZero();
    assertThat(c.bytes()).as("the capture saw the nodes talk").isGreaterThan(10_000);
  }

  @Test
  void withTlsOffTheSameCaptureReadsTheDownloadsUrlAndHeader() throws Exception {
    Capture c = run(false);
    assertThat(c.found()).as("marker occurrences in %d bytes captured", c.bytes()).isPositive();
  }

  record Capture(int found, long bytes) {}

  private Capture run(boolean tls) throws Exception {
    Vertx vertx = Vertx.vertx();
    Map<String, String> env = new HashMap<>(Map.of("ARIA2SV_CLUSTER_REQUEST_TIMEOUT", "2s"));
    if (!tls) {
      env.put("ARIA2SV_CLUSTER_TLS_ENABLED", "false");
    }
    String marker = "mk" + UUID.randomUUID().toString().replace("-", "");
    try (FileServer files = new FileServer(vertx).start();
        ClusterNodes nodes = new ClusterNodes(vertx, root, 2, env).startAll()) {
      files.throttle(16 * 1024); // still running when they move
      for (int i = 0; i < 2; i++) {
        int node = i;
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> live(nodes, node).size() == 2);
        nodes.awaitReady(node, Duration.ofSeconds(30));
      }
      Path pcap = root.resolve("wire.pcap");
      Process tcpdump = tcpdump(pcap, interNodePorts(nodes));
      try {
        moveMarkedDownloads(nodes, files, marker, tls);
      } finally {
        Signals.send(tcpdump.pid(), "INT");
        assertThat(tcpdump.waitFor(10, TimeUnit.SECONDS)).isTrue();
      }
      byte[] wire = Files.readAllBytes(pcap);
      return new Capture(
          occurrences(wire, marker.getBytes(StandardCharsets.US_ASCII)), wire.length);
    } finally {
      vertx.close();
    }
  }

  /**
   * Adds two downloads whose URL and header carry {@code marker} through n0 (one is placed on n1),
   * waits until both nodes list both, and with TLS moves n1's to n0 (n1 stops with SIGTERM).
   */
  private static void moveMarkedDownloads(
      ClusterNodes nodes, FileServer files, String marker, boolean tls) throws Exception {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 2; i++) { // placed round robin: one of them on the other node
      String name = marker + "-" + i + ".bin";
      files.addRandomFile(name, 1 << 20, i);
      JsonObject body =
          new JsonObject()
              .put("uris", new JsonArray().add(files.url(name)))
              .put("options", new JsonObject().put("header", "X-Marker: " + marker));
      var r = nodes.call(0, HttpMethod.POST, "/api/v1/downloads", body);
      assertThat(r.statusCode()).as(r.bodyAsString()).isIn(200, 201);
      ids.add(r.bodyAsJsonObject().getString("id"));
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> owners(nodes, 1, ids).size() == 2);
    assertThat(owners(nodes, 0, ids).values()).containsExactlyInAnyOrder("n0", "n1");
    if (!tls) {
      return; // in the clear already: the other variant moves them
    }
    Signals.send(nodes.jvm(1).pid(), "TERM"); // n1 hands its download over to n0
    assertThat(nodes.jvm(1).awaitExit(Duration.ofSeconds(30))).isZero();
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Set.copyOf(owners(nodes, 0, ids).values()).equals(Set.of("n0")));
  }

  private static JsonArray live(ClusterNodes nodes, int i) throws Exception {
    return nodes
        .call(i, HttpMethod.GET, "/api/v1/cluster", null)
        .bodyAsJsonObject()
        .getJsonArray("live");
  }

  /** Download id to owning node, as node {@code i} lists {@code ids}. */
  private static Map<String, String> owners(ClusterNodes nodes, int i, Set<String> ids)
      throws Exception {
    Map<String, String> out = new HashMap<>();
    nodes
        .list(i)
        .getJsonArray("downloads")
        .forEach(
            o -> {
              JsonObject d = (JsonObject) o;
              if (ids.contains(d.getString("id"))) {
                out.put(d.getString("id"), d.getString("node"));
              }
            });
    return out;
  }

  /** The ports the nodes' JVMs listen on but HTTP: the cluster transport and the event bus. */
  private static List<Integer> interNodePorts(ClusterNodes nodes) throws Exception {
    Process ss = new ProcessBuilder("ss", "-tlnpH").redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(ss.waitFor(10, TimeUnit.SECONDS)).isTrue();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      long pid = nodes.jvm(i).pid();
      int http = nodes.httpPort(i);
      out.lines()
          .filter(l -> l.contains("pid=" + pid + ","))
          .map(l -> l.trim().split("\\s+")[3])
          .map(a -> Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)))
          .filter(p -> p != http)
          .forEach(ports::add);
    }
    assertThat(ports).as("two ports per node").hasSize(2 * nodes.size());
    return ports;
  }

  private static Process tcpdump(Path pcap, List<Integer> ports) throws Exception {
    List<String> filter = new ArrayList<>();
    ports.forEach(p -> filter.add("port " + p));
    Path log = pcap.resolveSibling("tcpdump.log");
    Process p =
        new ProcessBuilder(
                "tcpdump",
                "--immediate-mode",
                "-i",
                "lo",
                "-U",
                "-s",
                "0",
                "-w",
                pcap.toString(),
                "tcp and (" + String.join(" or ", filter) + ")")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.readString(log).contains("listening on"));
    return p;
  }

  private static int occurrences(byte[] haystack, byte[] needle) {
    int n = 0;
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      n++;
    }
    return n;
  }
}
