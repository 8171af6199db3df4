package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.Browsers;
import io.aria2sv.testing.ClusterNodes;
import io.aria2sv.testing.FileServer;
import io.aria2sv.testing.Signals;
import io.aria2sv.testing.SupervisorHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three supervisor JVMs on 127.0.0.1 as one cluster, against a file server of known content: adds
 * spread, lists and actions from any node, one download per request id, and the loss (kill -9) and
 * return of a node. The tests share the cluster and run in order; each says what it relies on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterTest {
  private static final int SMALL = 64 * 1024;
  private static final int SLOW = 384 * 1024;
  private static final String LIMIT = "96K";

  @TempDir static Path root;
  private Vertx vertx;
  private FileServer files;
  private ClusterNodes nodes;
  private final Map<String, String> digests = new HashMap<>();

  @BeforeAll
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void startThreeNodes() throws Exception {
    vertx = Vertx.vertx();
    files = new FileServer(vertx).start();
    nodes =
        new ClusterNodes(vertx, root, 3, Map.of("ARIA2SV_CLUSTER_REQUEST_TIMEOUT", "2s"))
            .startAll();
    assertThat(nodes.jvm(0).output())
        .as("the nodes talk over TLS with the cluster's keys")
        .contains("TLS between nodes, this node's certificate CN=n0");
    for (int i = 0; i < 3; i++) {
      int node = i;
      try {
        Awaitility.await()
            .atMost(Duration.ofSeconds(40))
            .until(() -> cluster(node).getJsonArray("live").size() == 3);
        nodes.awaitReady(node, Duration.ofSeconds(20));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        StringBuilder why = new StringBuilder("n" + node + " sees " + cluster(node));
        for (int n = 0; n < 3; n++) {
          why.append("\n--- n").append(n).append(":\n").append(nodes.jvm(n).output());
        }
        throw new AssertionError(why.toString(), e);
      }
    }
  }

  @AfterAll
  void stop() {
    if (nodes != null) {
      nodes.close();
    }
    vertx.close();
  }

  private JsonObject cluster(int i) throws Exception {
    return nodes.call(i, HttpMethod.GET, "/api/v1/cluster", null).bodyAsJsonObject();
  }

  private JsonObject add(int via, String name, int size, JsonObject extra) throws Exception {
    digests.put(name, files.addRandomFile(name, size, name.hashCode()));
    JsonObject body =
        new JsonObject().put("uris", new JsonArray().add(files.url(name))).mergeIn(extra);
    HttpResponse<Buffer> r = nodes.call(via, HttpMethod.POST, "/api/v1/downloads", body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isIn(200, 201);
    return r.bodyAsJsonObject();
  }

  private Map<String, JsonObject> byId(int via) throws Exception {
    Map<String, JsonObject> out = new HashMap<>();
    nodes
        .list(via)
        .getJsonArray("downloads")
        .forEach(o -> out.put(((JsonObject) o).getString("id"), (JsonObject) o));
    return out;
  }

  private void awaitAll(int via, Set<String> ids, Predicate<JsonObject> state, Duration atMost) {
    Awaitility.await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              Map<String, JsonObject> all = byId(via);
              return ids.stream().allMatch(id -> all.containsKey(id) && state.test(all.get(id)));
            });
  }

  private static String fileName(JsonObject d) {
    String uri = d.getJsonArray("uris").getString(0);
    return uri.substring(uri.lastIndexOf('/') + 1);
  }

  /** The SHA-256 of the file download {@code d} wrote on the node that owns it. */
  private String digestOnOwner(JsonObject d) throws Exception {
    int owner = Integer.parseInt(d.getString("node").substring(1));
    Path f = nodes.downloads(owner).resolve(d.getString("dir")).resolve(fileName(d));
    return FileServer.sha256(Files.readAllBytes(f));
  }

  @Test
  @Order(0)
  void thirtyAddsThroughOneNodeAreSpreadEvenlyAndCompleteWithTheRightContent() throws Exception {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      ids.add(
          add(0, "spread-" + i + ".bin", SMALL, new JsonObject().put("dir", "spread"))
              .getString("id"));
    }
    awaitAll(0, ids, d -> "complete".equals(d.getString("status")), Duration.ofSeconds(40));
    Map<String, JsonObject> all = byId(0);
    Map<String, Long> perNode =
        ids.stream()
            .collect(
                Collectors.groupingBy(id -> all.get(id).getString("node"), Collectors.counting()));
    assertThat(perNode)
        .containsOnlyKeys("n0", "n1", "n2")
        .allSatisfy((node, n) -> assertThat(n).isEqualTo(10L));
    for (String id : ids) {
      assertThat(digestOnOwner(all.get(id))).as(id).isEqualTo(digests.get(fileName(all.get(id))));
    }
  }

  @Test
  @Order(1)
  void everyNodeListsTheWholeClusterInOneOrder() throws Exception {
    List<String> first = null;
    for (int i = 0; i < 3; i++) {
      JsonObject page = nodes.list(i);
      assertThat(page.getLong("total")).isEqualTo(30);
      List<String> ids =
          page.getJsonArray("downloads").stream()
              .map(o -> ((JsonObject) o).getString("id"))
              .toList();
      if (first == null) {
        first = ids;
      }
      assertThat(ids).as("list from n" + i).hasSize(30).doesNotHaveDuplicates().isEqualTo(first);
    }
    JsonObject page =
        nodes
            .call(1, HttpMethod.GET, "/api/v1/downloads?offset=25&limit=10&order=newest", null)
            .bodyAsJsonObject();
    assertThat(page.getLong("total")).isEqualTo(30);
    assertThat(page.getJsonArray("downloads")).hasSize(5);
    // aria2's own JSON-RPC on any node (as AriaNg polls it) lists every node's downloads too.
    JsonObject rpc =
        nodes
            .call(
                2,
                HttpMethod.POST,
                "/jsonrpc",
                new JsonObject()
                    .put("jsonrpc", "2.0")
                    .put("id", "1")
                    .put("method", "aria2.tellStopped")
                    .put("params", new JsonArray().add(0).add(1000)))
            .bodyAsJsonObject();
    Set<String> gids = new HashSet<>();
    rpc.getJsonArray("result").forEach(o -> gids.add(((JsonObject) o).getString("gid")));
    Set<String> expected = new HashSet<>();
    nodes
        .list(0)
        .getJsonArray("downloads")
        .forEach(
            o ->
                expected.add(
                    ((JsonObject) o).getJsonObject("retry").getJsonArray("gids").getString(0)));
    assertThat(gids).isEqualTo(expected);
    JsonObject onN0 =
        nodes.list(0).getJsonArray("downloads").stream()
            .map(o -> (JsonObject) o)
            .filter(d -> "n0".equals(d.getString("node")))
            .findFirst()
            .orElseThrow();
    JsonObject status =
        nodes
            .call(
                2,
                HttpMethod.POST,
                "/jsonrpc",
                new JsonObject()
                    .put("jsonrpc", "2.0")
                    .put("id", "2")
                    .put("method", "aria2.tellStatus")
                    .put("params", new JsonArray().add(onN0.getString("gid"))))
            .bodyAsJsonObject();
    assertThat(status.getJsonObject("result").getString("status"))
        .as(status.encode())
        .isEqualTo("complete");
    HttpResponse<Buffer> bad = nodes.call(2, HttpMethod.GET, "/api/v1/downloads?limit=0", null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsString()).contains("limit");
  }

  @Test
  @Order(1)
  void theNodesTalkOnlyOnLoopbackTcpAndNeverMulticast() throws Exception {
    for (int i = 0; i < 3; i++) {
      long pid = nodes.jvm(i).pid();
      List<String> tcp = sockets("-tanpH", pid);
      assertThat(tcp).as("TCP sockets of n" + i).isNotEmpty();
      for (String line : tcp) {
        String[] f = line.trim().split("\\s+");
        for (String address : List.of(f[3], f[4])) {
          assertThat(address)
              .as(line)
              .matches(
                  "(127\\.0\\.0\\.1|\\[::ffff:127\\.0\\.0\\.1\\]|\\*|0\\.0\\.0\\.0):(\\d+|\\*)");
        }
        assertThat(f[3])
            .as("nothing listens beyond loopback: " + line)
            .doesNotStartWith("*")
            .doesNotStartWith("0.0.0.0");
      }
      // Vert.x's DNS resolver keeps unconnected UDP sockets; JGroups' diagnostics would bind 7500,
      // its UDP transport 45588.
      assertThat(sockets("-uanpH", pid))
          .as("UDP sockets of n" + i)
          .noneMatch(l -> l.contains(":7500 ") || l.contains(":45588 "));
    }
    // Nor has any process here joined a multicast group: every IPv4 group in /proc/net/igmp is
    // 224.0.0.1 (all hosts, 010000E0), which every interface has. The links of
    // ClusterPartitionTest's network (a2s...), which may run beside this test, are not this one's.
    List<String> groups = new java.util.ArrayList<>();
    boolean ours = true;
    for (String l : Files.readString(Path.of("/proc/net/igmp")).lines().toList()) {
      if (!l.startsWith("\t")) {
        String[] f = l.trim().split("\\s+");
        ours = f.length < 2 || !f[1].startsWith("a2s");
      } else if (ours) {
        groups.add(l.trim().split("\\s+")[0]);
      }
    }
    assertThat(groups).allMatch("010000E0"::equals);
  }

  private static List<String> sockets(String flags, long pid) throws Exception {
    Process ss = new ProcessBuilder("ss", flags).redirectErrorStream(true).start();
    String out =
        new String(ss.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(ss.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return out.lines().filter(l -> l.contains("pid=" + pid + ",")).toList();
  }

  @Test
  @Order(1)
  void aNodeWithoutACertificateOfTheClustersCaNeitherJoinsNorSeesADownload() throws Exception {
    // the cluster's name and members, with a certificate of another CA; and with no TLS at all
    Map<String, String> foreign =
        io.aria2sv.testing.ClusterCerts.ca(root.resolve("other-ca")).env("stranger");
    Map<String, String> plain = Map.of("ARIA2SV_CLUSTER_TLS_ENABLED", "false");
    List<io.aria2sv.testing.ChildJvm> strangers = new java.util.ArrayList<>();
    try {
      int i = 0;
      for (Map<String, String> env : List.of(foreign, plain)) {
        strangers.add(
            nodes.spawn(
                "stranger" + i,
                root.resolve("stranger" + i++),
                io.aria2sv.testing.TestConfig.freePort(),
                env));
      }
      for (var s : strangers) {
        int port = s.awaitHttpPort();
        JsonObject seen =
            SupervisorHarness.await(
                    WebClient.create(vertx)
                        .get(port, "127.0.0.1", "/api/v1/downloads?limit=1000")
                        .send())
                .bodyAsJsonObject();
        assertThat(seen.getLong("total")).as("what a stranger lists").isZero();
        JsonObject view =
            SupervisorHarness.await(
                    WebClient.create(vertx).get(port, "127.0.0.1", "/api/v1/cluster").send())
                .bodyAsJsonObject();
        assertThat(view.getJsonArray("live")).as("the stranger's view").hasSize(1);
      }
      for (int n = 0; n < 3; n++) {
        assertThat(cluster(n).getJsonArray("live"))
            .as("n%d's view with strangers knocking", n)
            .containsExactlyInAnyOrder("n0", "n1", "n2");
        assertThat(nodes.list(n).getLong("total")).isEqualTo(30);
      }
    } finally {
      strangers.forEach(io.aria2sv.testing.ChildJvm::close);
    }
  }

  @Test
  @Order(1)
  void aFourthNodeWithTheNameOfALiveOneIsRefusedWith78() throws Exception {
    try (io.aria2sv.testing.ChildJvm dup =
        nodes.spawn("n1", root.resolve("dup"), io.aria2sv.testing.TestConfig.freePort())) {
      assertThat(dup.awaitExit(Duration.ofSeconds(40)))
          .as(dup.output())
          .isEqualTo(io.aria2sv.lifecycle.ExitCodes.CONFIG);
      assertThat(dup.output())
          .contains(
              "invalid configuration: cluster.nodeName: 'n1' is the name of another live member");
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                cluster(0).getJsonArray("live").size() == 3
                    && cluster(0).getJsonArray("lost").isEmpty());
    assertThat(nodes.list(0).getLong("total")).isEqualTo(30);
  }

  @Test
  @Order(2)
  void theEventStreamAndDashboardOfOneNodeShowTheDownloadsOfEveryNode() throws Exception {
    StringBuilder stream = new StringBuilder();
    io.vertx.core.http.HttpClient client = vertx.createHttpClient();
    io.vertx.core.http.HttpClientResponse sse =
        io.aria2sv.testing.SupervisorHarness.await(
            client
                .request(
                    new io.vertx.core.http.RequestOptions()
                        .setHost("127.0.0.1")
                        .setPort(nodes.httpPort(1))
                        .setURI("/api/v1/events?types=download"))
                .compose(r -> r.send()));
    sse.handler(
        b -> {
          synchronized (stream) {
            stream.append(b.toString());
          }
        });
    Map<String, String> nodeOf = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      JsonObject d = add(0, "sse-" + i + ".bin", SMALL, new JsonObject().put("dir", "sse"));
      nodeOf.put(d.getString("id"), d.getString("node"));
    }
    assertThat(Set.copyOf(nodeOf.values())).containsExactlyInAnyOrder("n0", "n1", "n2");
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> {
              synchronized (stream) {
                return nodeOf.keySet().stream()
                    .allMatch(id -> stream.indexOf("\"id\":\"" + id + "\"") >= 0);
              }
            });
    client.close();

    org.openqa.selenium.WebDriver browser =
        Browsers.chromium(Files.createDirectories(root.resolve("chromium")));
    try {
      browser.get("http://127.0.0.1:" + nodes.httpPort(2) + "/");
      new org.openqa.selenium.support.ui.WebDriverWait(
              browser, Duration.ofSeconds(30), Duration.ofMillis(100))
          .until(
              b ->
                  b.findElements(org.openqa.selenium.By.cssSelector("#downloads tbody tr")).size()
                      == 33);
      Set<String> shown = new HashSet<>();
      for (var cell :
          browser.findElements(org.openqa.selenium.By.cssSelector("#downloads tbody td.node"))) {
        shown.add(cell.getText());
      }
      assertThat(shown).containsExactlyInAnyOrder("n0", "n1", "n2");
      assertThat(browser.findElement(org.openqa.selenium.By.id("cluster-nodes")).getText())
          .isEqualTo("cluster of 3: n0, n1, n2");
    } finally {
      browser.quit();
    }
  }

  @Test
  @Order(3)
  void aBatchAddedThroughOneNodeReportsOneProgressFromAnyNode() throws Exception {
    JsonArray items = new JsonArray();
    for (int i = 0; i < 4; i++) {
      digests.put(
          "batch-" + i + ".bin", files.addRandomFile("batch-" + i + ".bin", SMALL, 100 + i));
      items.add(
          new JsonObject()
              .put("uris", new JsonArray().add(files.url("batch-" + i + ".bin")))
              .put("dir", "batch"));
    }
    HttpResponse<Buffer> added =
        nodes.call(1, HttpMethod.POST, "/api/v1/batches", new JsonObject().put("items", items));
    assertThat(added.statusCode()).as(added.bodyAsString()).isIn(200, 201, 202);
    String batch = added.bodyAsJsonObject().getString("id");
    for (int i = 0; i < 3; i++) {
      int via = i;
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> {
                JsonObject b =
                    nodes
                        .call(via, HttpMethod.GET, "/api/v1/batches/" + batch, null)
                        .bodyAsJsonObject();
                return b.getInteger("total") == 4
                    && b.getInteger("complete") == 4
                    && b.getBoolean("done");
              });
    }
    assertThat(nodes.call(2, HttpMethod.GET, "/api/v1/batches/bnosuchbatch", null).statusCode())
        .isEqualTo(404);
  }

  private Object rpc(int via, String method, JsonArray params) throws Exception {
    JsonObject answer =
        nodes
            .call(
                via,
                HttpMethod.POST,
                "/jsonrpc",
                new JsonObject()
                    .put("jsonrpc", "2.0")
                    .put("id", method)
                    .put("method", method)
                    .put("params", params))
            .bodyAsJsonObject();
    assertThat(answer.containsKey("result")).as(answer.encode()).isTrue();
    return answer.getValue("result");
  }

  private static List<String> gidsOf(Object list) {
    return ((JsonArray) list).stream().map(o -> ((JsonObject) o).getString("gid")).toList();
  }

  private static String firstGid(JsonObject d) {
    return d.getJsonObject("retry").getJsonArray("gids").getString(0);
  }

  @Test
  @Order(3)
  void aria2sListMethodsOnAnyNodeShowEveryNodesDownloads() throws Exception {
    List<JsonObject> running = new ArrayList<>();
    List<JsonObject> paused = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        running.add(
            add(
                0,
                "listed-active-" + i + ".bin",
                2 << 20,
                new JsonObject()
                    .put("options", new JsonObject().put("max-download-limit", LIMIT))));
        paused.add(
            add(
                0,
                "listed-paused-" + i + ".bin",
                SMALL,
                new JsonObject().put("options", new JsonObject().put("pause", "true"))));
      }
      assertThat(running.stream().map(d -> d.getString("node")).distinct().count())
          .as("placed on more than one node")
          .isGreaterThan(1);
      awaitAll(
          0,
          running.stream().map(d -> d.getString("id")).collect(Collectors.toSet()),
          d -> "active".equals(d.getString("status")),
          Duration.ofSeconds(20));
      List<String> active = running.stream().map(ClusterTest::firstGid).toList();
      List<String> waiting = paused.stream().map(ClusterTest::firstGid).toList();
      for (int via = 0; via < 3; via++) {
        List<String> a = gidsOf(rpc(via, "aria2.tellActive", new JsonArray()));
        assertThat(a).as("tellActive on n" + via).containsAll(active).doesNotHaveDuplicates();
        List<String> w = gidsOf(rpc(via, "aria2.tellWaiting", new JsonArray().add(0).add(1000)));
        assertThat(w).as("tellWaiting on n" + via).containsAll(waiting).doesNotHaveDuplicates();
        List<String> backwards =
            gidsOf(rpc(via, "aria2.tellWaiting", new JsonArray().add(-1).add(1000)));
        List<String> reversed = new ArrayList<>(w);
        java.util.Collections.reverse(reversed);
        assertThat(backwards).as("tellWaiting(-1) on n" + via).isEqualTo(reversed);
        assertThat(gidsOf(rpc(via, "aria2.tellWaiting", new JsonArray().add(1).add(2))))
            .isEqualTo(w.subList(1, 3));
        JsonObject stat = (JsonObject) rpc(via, "aria2.getGlobalStat", new JsonArray());
        assertThat(Long.parseLong(stat.getString("numActive")))
            .as("numActive on n" + via)
            .isGreaterThanOrEqualTo(active.size());
        assertThat(Long.parseLong(stat.getString("numWaiting")))
            .as("numWaiting on n" + via)
            .isGreaterThanOrEqualTo(waiting.size());
        assertThat(Long.parseLong(stat.getString("downloadSpeed")))
            .as("the whole cluster's speed on n" + via)
            .isPositive();
      }
    } finally {
      for (JsonObject d : running) {
        nodes.call(0, HttpMethod.DELETE, "/api/v1/downloads/" + d.getString("id"), null);
      }
      for (JsonObject d : paused) {
        nodes.call(0, HttpMethod.DELETE, "/api/v1/downloads/" + d.getString("id"), null);
      }
    }
  }

  @Test
  @Order(3)
  void anActionOnADownloadIsCarriedOutByItsOwnerWhereverItArrives() throws Exception {
    JsonObject d =
        add(
            0,
            "action.bin",
            SLOW,
            new JsonObject()
                .put("dir", "action")
                .put("options", new JsonObject().put("max-download-limit", LIMIT)));
    String id = d.getString("id");
    int owner = Integer.parseInt(d.getString("node").substring(1));
    int other = (owner + 1) % 3;
    HttpResponse<Buffer> paused =
        nodes.call(other, HttpMethod.POST, "/api/v1/downloads/" + id + "/pause", null);
    assertThat(paused.statusCode()).as(paused.bodyAsString()).isEqualTo(200);
    assertThat(paused.bodyAsJsonObject().getString("node")).isEqualTo("n" + owner);
    assertThat(
            nodes
                .call((owner + 2) % 3, HttpMethod.GET, "/api/v1/downloads/" + id, null)
                .bodyAsJsonObject()
                .getString("status"))
        .isEqualTo("paused");
    HttpResponse<Buffer> removed =
        nodes.call(other, HttpMethod.DELETE, "/api/v1/downloads/" + id, null);
    assertThat(removed.statusCode()).as(removed.bodyAsString()).isEqualTo(204);
    awaitAll(
        owner, Set.of(id), x -> "removed".equals(x.getString("status")), Duration.ofSeconds(10));
    HttpResponse<Buffer> missing =
        nodes.call(other, HttpMethod.GET, "/api/v1/downloads/dnosuchdownload1", null);
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  @Test
  @Order(4)
  void oneRequestIdSentToTwoNodesAtOnceMakesOneDownload() throws Exception {
    digests.put("once.bin", files.addRandomFile("once.bin", SMALL, 7));
    JsonObject body =
        new JsonObject()
            .put("uris", new JsonArray().add(files.url("once.bin")))
            .put("dir", "once")
            .put("requestId", "same-request-" + System.nanoTime());
    long before = nodes.list(0).getLong("total");
    CompletableFuture<JsonObject> a = CompletableFuture.supplyAsync(() -> post(1, body));
    CompletableFuture<JsonObject> b = CompletableFuture.supplyAsync(() -> post(2, body));
    assertThat(a.get(30, TimeUnit.SECONDS).getString("id"))
        .isEqualTo(b.get(30, TimeUnit.SECONDS).getString("id"));
    assertThat(post(0, body).getString("id")).isEqualTo(a.get().getString("id"));
    assertThat(nodes.list(0).getLong("total")).isEqualTo(before + 1);
  }

  private JsonObject post(int via, JsonObject body) {
    try {
      HttpResponse<Buffer> r = nodes.call(via, HttpMethod.POST, "/api/v1/downloads", body);
      assertThat(r.statusCode()).as(r.bodyAsString()).isIn(200, 201);
      return r.bodyAsJsonObject();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private Set<String> lostIds = Set.of();

  @Test
  @Order(5)
  void aKilledNodesUnfinishedDownloadsFinishOnTheOthersOnceWithTheRightContent() throws Exception {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      ids.add(
          add(
                  0,
                  "loss-" + i + ".bin",
                  SLOW,
                  new JsonObject()
                      .put("dir", "loss")
                      .put("options", new JsonObject().put("max-download-limit", LIMIT)))
              .getString("id"));
    }
    awaitAll(
        0,
        ids,
        d -> "active".equals(d.getString("status")) && d.getLong("completedLength") > 0,
        Duration.ofSeconds(20));
    Map<String, JsonObject> before = byId(0);
    Set<String> onN2 =
        ids.stream()
            .filter(id -> "n2".equals(before.get(id).getString("node")))
            .collect(Collectors.toSet());
    assertThat(onN2).hasSize(2);
    long t0 = System.nanoTime();
    nodes.kill(2);
    awaitAll(
        0,
        onN2,
        d -> !"n2".equals(d.getString("node")) && "active".equals(d.getString("status")),
        Duration.ofSeconds(15));
    long failoverMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(failoverMs).as("failover within the 15 s goal").isLessThan(15_000);
    awaitAll(0, ids, d -> "complete".equals(d.getString("status")), Duration.ofSeconds(40));
    Map<String, JsonObject> after = byId(1);
    for (String id : ids) {
      assertThat(after.get(id).getString("node")).isIn("n0", "n1");
      assertThat(digestOnOwner(after.get(id)))
          .as(id)
          .isEqualTo(digests.get(fileName(after.get(id))));
    }
    // Once: each taken-over download is listed once, and by one owner.
    List<String> listed =
        nodes.list(1).getJsonArray("downloads").stream()
            .map(o -> ((JsonObject) o).getString("id"))
            .toList();
    assertThat(listed).doesNotHaveDuplicates().containsAll(ids);
    lostIds = onN2;
  }

  @Test
  @Order(6)
  void theLostNodeReturningOnItsDataDirectoryDoesNotRunTakenOverDownloadsAgain() throws Exception {
    assertThat(lostIds).as("relies on the node-loss test").hasSize(2);
    Path partial = nodes.downloads(2).resolve("loss");
    Map<String, Long> sizesBefore = new HashMap<>();
    try (var s = Files.list(partial)) {
      s.forEach(p -> sizesBefore.put(p.getFileName().toString(), p.toFile().length()));
    }
    nodes.start(2);
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cluster(0).getJsonArray("live").size() == 3);
    assertThat(nodes.jvm(2).output())
        .contains("2 downloads were taken over by other nodes while this one was away");
    Map<String, JsonObject> all = byId(2);
    for (String id : lostIds) {
      assertThat(all.get(id).getString("node")).isIn("n0", "n1");
    }
    List<String> listed =
        nodes.list(2).getJsonArray("downloads").stream()
            .map(o -> ((JsonObject) o).getString("id"))
            .toList();
    assertThat(listed).doesNotHaveDuplicates();
    // Its aria2c holds none of them: their partial files are not written to again.
    try (var s = Files.list(partial)) {
      s.forEach(
          p ->
              assertThat(p.toFile().length())
                  .as(p.toString())
                  .isEqualTo(sizesBefore.get(p.getFileName().toString())));
    }
  }

  @Test
  @Order(7)
  void aRequestToAFrozenNodeEndsWith504Or503WithinTheRequestTimeout() throws Exception {
    JsonObject d =
        add(
            0,
            "frozen.bin",
            SLOW,
            new JsonObject()
                .put("dir", "frozen")
                .put("options", new JsonObject().put("max-download-limit", LIMIT)));
    int owner = Integer.parseInt(d.getString("node").substring(1));
    int other = (owner + 1) % 3;
    Signals.stop(nodes.jvm(owner).pid());
    try {
      long t0 = System.nanoTime();
      HttpResponse<Buffer> r =
          nodes.call(
              other, HttpMethod.POST, "/api/v1/downloads/" + d.getString("id") + "/pause", null);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      String asked = "after " + ms + " ms; n" + other + ":\n" + nodes.jvm(other).output();
      assertThat(r.statusCode()).as(asked).isIn(503, 504);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message"))
          .as(asked)
          .contains("n" + owner);
      // cluster.requestTimeout is 2 s here; pause is a slow action (3 x), plus a second's slack.
      assertThat(ms).isLessThan(7_000);
    } finally {
      nodes.kill(owner);
    }
  }

  @Test
  @Order(8)
  void aNodeStoppedWithSigtermHandsItsUnfinishedDownloadsOverAndExitsCleanly() throws Exception {
    // the node killed before returns: two stay in a majority of three once one leaves
    for (int i = 0; i < 3; i++) {
      if (!nodes.jvm(i).alive()) {
        nodes.start(i);
      }
    }
    int stays = 0;
    int leaves = 1;
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  cluster(stays).getJsonArray("live").size() == 3
                      && cluster(stays).getJsonArray("lost").isEmpty()
                      && nodes.call(leaves, HttpMethod.GET, "/health/ready", null).statusCode()
                          == 200);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "cluster as n"
              + stays
              + " sees it: "
              + cluster(stays)
              + ", as n"
              + leaves
              + ": "
              + cluster(leaves)
              + "\n--- n"
              + leaves
              + ":\n"
              + nodes.jvm(leaves).output()
              + "\n--- n2 (started again):\n"
              + nodes.jvm(2).output(),
          e);
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      ids.add(
          add(
                  stays,
                  "leave-" + i + ".bin",
                  SLOW,
                  new JsonObject()
                      .put("dir", "leave")
                      .put("options", new JsonObject().put("max-download-limit", LIMIT)))
              .getString("id"));
    }
    Map<String, JsonObject> before = byId(stays);
    Set<String> onLeaving =
        ids.stream()
            .filter(id -> ("n" + leaves).equals(before.get(id).getString("node")))
            .collect(Collectors.toSet());
    assertThat(onLeaving)
        .as("placement on n%d, cluster %s:%n%s", stays, cluster(stays), nodes.jvm(stays).output())
        .hasSize(2);
    String third = "n2";
    Signals.send(nodes.jvm(leaves).pid(), "TERM");
    assertThat(nodes.jvm(leaves).awaitExit(Duration.ofSeconds(30))).isZero();
    assertThat(cluster(stays).getJsonArray("lost"))
        .as("a node that left on purpose is not lost")
        .doesNotContain("n" + leaves);
    awaitAll(
        stays,
        onLeaving,
        d -> ("n" + stays).equals(d.getString("node")) || third.equals(d.getString("node")),
        Duration.ofSeconds(10));
    awaitAll(stays, ids, d -> "complete".equals(d.getString("status")), Duration.ofSeconds(40));
    Map<String, JsonObject> after = byId(stays);
    for (String id : ids) {
      assertThat(digestOnOwner(after.get(id)))
          .as(id)
          .isEqualTo(digests.get(fileName(after.get(id))));
    }
  }
}
