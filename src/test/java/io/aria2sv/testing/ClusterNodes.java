package io.aria2sv.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Supervisor JVMs ({@link ChildJvm}) joined as one cluster on 127.0.0.1: free cluster ports, a CA
 * of their own and a certificate each ({@link ClusterCerts}), a cluster name of their own, TCP-IP
 * members, a 4 s failure timeout, small heaps, and aria2c with every way off the machine turned
 * off. Node {@code i} is named {@code n<i>} and lives in {@code root/n<i>}; it can be killed and
 * started again on the same directories.
 */
public final class ClusterNodes implements AutoCloseable {
  /** Where node {@code i} lives: its addresses and the command in front of its JVM's. */
  public interface Hosts {
    /** Its cluster address ({@code cluster.host}). */
    String clusterHost(int i);

    /** Its HTTP API's address ({@code http.host}). */
    String httpHost(int i);

    /** The command that runs its JVM (such as {@code ip netns exec <ns>}), or none. */
    List<String> prefix(int i);
  }

  /** Every node on 127.0.0.1. */
  public static final Hosts LOOPBACK =
      new Hosts() {
        @Override
        public String clusterHost(int i) {
          return "127.0.0.1";
        }

        @Override
        public String httpHost(int i) {
          return "127.0.0.1";
        }

        @Override
        public List<String> prefix(int i) {
          return List.of();
        }
      };

  private final Path root;
  private final Hosts hosts;
  private final String name = "test-" + UUID.randomUUID().toString().substring(0, 8);
  private final int[] clusterPorts;
  private final ChildJvm[] jvms;
  private final int[] httpPorts;
  private final Map<String, String> extraEnv;
  private final WebClient web;
  private final ClusterCerts certs;

  public ClusterNodes(Vertx vertx, Path root, int size, Map<String, String> extraEnv) {
    this(vertx, root, size, extraEnv, LOOPBACK);
  }

  /**
   * As {@link #ClusterNodes(Vertx, Path, int, Map)}, node {@code i} living where {@code hosts}
   * says.
   */
  public ClusterNodes(Vertx vertx, Path root, int size, Map<String, String> extraEnv, Hosts hosts) {
    this.root = root;
    this.hosts = hosts;
    this.clusterPorts = new int[size];
    this.jvms = new ChildJvm[size];
    this.httpPorts = new int[size];
    this.extraEnv = extraEnv;
    this.web = WebClient.create(vertx);
    this.certs = ClusterCerts.ca(root.resolve("keys"));
    for (int i = 0; i < size; i++) {
      clusterPorts[i] = TestConfig.freeFixedPort(); // the same again when a node restarts
    }
  }

  /** Starts every node, one after the other (each joins those before it). */
  public ClusterNodes startAll() throws Exception {
    for (int i = 0; i < jvms.length; i++) {
      start(i);
    }
    return this;
  }

  /** Starts node {@code i} (again) and waits until it runs. */
  public void start(int i) throws Exception {
    jvms[i] = spawn(i, Map.of());
    httpPorts[i] = jvms[i].awaitHttpPort();
  }

  /**
   * Starts a supervisor named {@code node} in {@code dir}, listening for the cluster on {@code
   * clusterPort} of 127.0.0.1 and joining every node of this cluster; does not wait for it.
   */
  public ChildJvm spawn(String node, Path dir, int clusterPort) throws Exception {
    return spawn(node, dir, clusterPort, Map.of());
  }

  /** As {@link #spawn(String, Path, int)}, with {@code overrides} last in its environment. */
  public ChildJvm spawn(String node, Path dir, int clusterPort, Map<String, String> overrides)
      throws Exception {
    return spawn(node, dir, "127.0.0.1", clusterPort, LOOPBACK.prefix(0), overrides);
  }

  /** Starts node {@code i} where {@code hosts} puts it; does not wait for it. */
  private ChildJvm spawn(int i, Map<String, String> overrides) throws Exception {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("ARIA2SV_HTTP_HOST", hosts.httpHost(i));
    env.putAll(overrides);
    return spawn(
        name(i),
        root.resolve(name(i)),
        hosts.clusterHost(i),
        clusterPorts[i],
        hosts.prefix(i),
        env);
  }

  private ChildJvm spawn(
      String node,
      Path dir,
      String clusterHost,
      int clusterPort,
      List<String> prefix,
      Map<String, String> overrides)
      throws Exception {
    Map<String, String> env = ChildJvm.envFor(dir);
    env.put("ARIA2SV_CLUSTER_ENABLED", "true");
    env.put("ARIA2SV_CLUSTER_NAME", name);
    env.put("ARIA2SV_CLUSTER_HOST", clusterHost);
    env.put("ARIA2SV_CLUSTER_PORT", String.valueOf(clusterPort));
    env.put("ARIA2SV_CLUSTER_NODE_NAME", node);
    // Short, but not so short that a node slowed by the others on two cores is taken for dead.
    env.put("ARIA2SV_CLUSTER_FAILURE_TIMEOUT", "4s");
    List<String> members = new ArrayList<>();
    for (int j = 0; j < clusterPorts.length; j++) {
      String member = hosts.clusterHost(j) + ":" + clusterPorts[j];
      if (!member.equals(clusterHost + ":" + clusterPort)) {
        members.add(member);
      }
    }
    env.put("ARIA2SV_CLUSTER_MEMBERS", String.join(",", members));
    env.put("ARIA2SV_SUPERVISOR_SHUTDOWN_TIMEOUT", "3s");
    env.putAll(certs.env(node, clusterHost));
    env.putAll(extraEnv);
    env.putAll(overrides);
    return ChildJvm.mainWithJvmFlags(prefix, jvmFlags(), dir, env);
  }

  /** The cluster's CA and its nodes' keys. */
  public ClusterCerts certs() {
    return certs;
  }

  /** aria2c with nothing going off the machine, on a BitTorrent port of its own. */
  public static List<String> jvmFlags() {
    List<String> flags = new ArrayList<>();
    flags.add("-Xss512k");
    TestConfig.LOOPBACK_ONLY.forEach((k, v) -> flags.add("-Daria2sv.aria2.options." + k + "=" + v));
    flags.add("-Daria2sv.aria2.options.listen-port=" + TestConfig.freePort());
    return flags;
  }

  public static String name(int i) {
    return "n" + i;
  }

  public int size() {
    return jvms.length;
  }

  public ChildJvm jvm(int i) {
    return jvms[i];
  }

  public int httpPort(int i) {
    return httpPorts[i];
  }

  /** Node {@code i}'s download directory. */
  public Path downloads(int i) {
    return root.resolve(name(i)).resolve("downloads");
  }

  /** Node {@code i}'s data directory. */
  public Path data(int i) {
    return root.resolve(name(i)).resolve("data");
  }

  /** {@code kill -9} of node {@code i}'s JVM; its aria2c goes with it. */
  public void kill(int i) throws Exception {
    ProcessHandle.of(jvms[i].pid()).ifPresent(ProcessHandle::destroyForcibly);
    jvms[i].awaitExit(java.time.Duration.ofSeconds(10));
  }

  /**
   * Waits until node {@code i} is ready: joined, and holding its lease (it sees a majority), so
   * that it runs and accepts downloads.
   */
  public void awaitReady(int i, java.time.Duration atMost) {
    org.awaitility.Awaitility.await()
        .atMost(atMost)
        .pollInterval(java.time.Duration.ofMillis(200))
        .until(
            () ->
                call(i, io.vertx.core.http.HttpMethod.GET, "/health/ready", null).statusCode()
                    == 200);
  }

  /**
   * For a failure message: each node's cluster status (as it answers within 2 s) and its log
   * without Infinispan's rebalance lines.
   */
  public String report() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < jvms.length; i++) {
      if (jvms[i] == null) {
        continue;
      }
      String status;
      try {
        status =
            SupervisorHarness.await(
                    web.request(HttpMethod.GET, httpPorts[i], hosts.httpHost(i), "/api/v1/cluster")
                        .timeout(2000)
                        .send())
                .bodyAsString();
      } catch (Exception | AssertionError e) {
        status = "no answer: " + e.getMessage();
      }
      b.append("\n--- n").append(i).append(": ").append(status).append('\n');
      jvms[i]
          .output()
          .lines()
          .filter(
              l ->
                  !l.contains("LIFECYCLE") && !l.contains("ISPN10000") && !l.contains("ISPN000517"))
          .filter(l -> !l.startsWith("\tat ") && !l.startsWith("\t..."))
          .forEach(l -> b.append(l).append('\n'));
    }
    return b.toString();
  }

  /** An HTTP request to node {@code i}'s API. */
  public HttpResponse<Buffer> call(int i, HttpMethod method, String path, JsonObject body)
      throws Exception {
    var req = web.request(method, httpPorts[i], hosts.httpHost(i), path).timeout(60_000);
    return SupervisorHarness.await(body == null ? req.send() : req.sendJsonObject(body));
  }

  /** The whole cluster's downloads as node {@code i} lists them. */
  public JsonObject list(int i) throws Exception {
    HttpResponse<Buffer> r = call(i, HttpMethod.GET, "/api/v1/downloads?limit=1000", null);
    if (r.statusCode() != 200) {
      throw new AssertionError(
          "list from " + name(i) + ": " + r.statusCode() + " " + r.bodyAsString());
    }
    return r.bodyAsJsonObject();
  }

  @Override
  public void close() {
    for (ChildJvm j : jvms) {
      if (j != null) {
        j.close();
      }
    }
    web.close();
  }
}
