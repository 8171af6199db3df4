package io.aria2sv.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Hosts of the test's own in network namespaces ({@code ip netns}, from iproute2; root only), on
 * two bridges in the test's namespace: a service network (198.18.X.0/24; the test itself is .1 and
 * serves files there, each node's HTTP API is on it) and a cluster network (198.19.X.0/24, the
 * nodes' cluster traffic alone). 198.18.0.0/15 is the range kept for benchmarking networks: never
 * routed, nothing here leaves the machine. A link is cut by setting it down inside the node's
 * namespace: packets on it are lost, as on a pulled cable.
 *
 * <p>Host {@code i} is namespace {@code a2s<tag>n<i>}; its links are {@code svc} and {@code clu}.
 */
public final class TestNetwork implements AutoCloseable {
  private final String tag;
  private final int subnet;
  private final int size;
  private final List<String> made = new ArrayList<>();

  private TestNetwork(int size) {
    this.size = size;
    this.tag = Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    this.subnet = ThreadLocalRandom.current().nextInt(256);
  }

  /** Whether this process may make namespaces (root, with iproute2). */
  public static boolean possible() {
    return "root".equals(System.getProperty("user.name"))
        || ProcessHandle.current().info().user().map("root"::equals).orElse(false);
  }

  /** Makes {@code size} hosts on the two bridges, every link up. */
  public static TestNetwork create(int size) throws IOException {
    TestNetwork net = new TestNetwork(size);
    try {
      net.build();
    } catch (IOException | RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  private void build() throws IOException {
    String svc = bridge("s");
    String clu = bridge("c");
    // no multicast snooping: a bridge that snoops joins 224.0.0.106, which ClusterTest's check
    // that nothing here joined a multicast group would see
    ip("link", "add", svc, "type", "bridge", "mcast_snooping", "0");
    made.add("link:" + svc);
    ip("link", "add", clu, "type", "bridge", "mcast_snooping", "0");
    made.add("link:" + clu);
    ip("addr", "add", testIp() + "/24", "dev", svc);
    ip("link", "set", svc, "up");
    ip("link", "set", clu, "up");
    for (int i = 0; i < size; i++) {
      String ns = namespace(i);
      ip("netns", "add", ns);
      made.add("netns:" + ns);
      ip("-n", ns, "link", "set", "lo", "up");
      link(i, svc, "s", "svc", serviceIp(i));
      link(i, clu, "c", "clu", clusterIp(i));
    }
  }

  private void link(int i, String bridge, String kind, String inside, String address)
      throws IOException {
    String outside = "a2s" + tag + kind + i;
    ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", namespace(i));
    // deleted with its pair; the kernel would only drop it once the namespace is torn down
    made.add("link:" + outside);
    ip("link", "set", outside, "master", bridge, "up");
    ip("-n", namespace(i), "addr", "add", address + "/24", "dev", inside);
    ip("-n", namespace(i), "link", "set", inside, "up");
  }

  private String bridge(String kind) {
    return "a2s" + tag + kind;
  }

  /** Host {@code i}'s namespace. */
  public String namespace(int i) {
    return "a2s" + tag + "n" + i;
  }

  /** The test's own address on the service network (its file server listens there). */
  public String testIp() {
    return "198.18." + subnet + ".1";
  }

  /** Host {@code i}'s address on the service network (its HTTP API). */
  public String serviceIp(int i) {
    return "198.18." + subnet + "." + (10 + i);
  }

  /** Host {@code i}'s address on the cluster network. */
  public String clusterIp(int i) {
    return "198.19." + subnet + "." + (10 + i);
  }

  /** The command prefix that runs a program in host {@code i}'s namespace. */
  public List<String> exec(int i) {
    return List.of("ip", "netns", "exec", namespace(i));
  }

  /** Host {@code i} reaches nothing and nothing reaches it: both its links down. */
  public void isolate(int i) throws IOException {
    ip("-n", namespace(i), "link", "set", "svc", "down");
    ip("-n", namespace(i), "link", "set", "clu", "down");
  }

  /** Host {@code i} loses the other hosts but still reaches the test and its file server. */
  public void partFromPeers(int i) throws IOException {
    ip("-n", namespace(i), "link", "set", "clu", "down");
  }

  /** Every link of host {@code i} up again. */
  public void heal(int i) throws IOException {
    ip("-n", namespace(i), "link", "set", "svc", "up");
    ip("-n", namespace(i), "link", "set", "clu", "up");
  }

  private static void ip(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("ip");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + ": no answer in 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
    }
  }

  /** Deletes the namespaces (their links go with them) and the bridges. */
  @Override
  public void close() {
    for (int k = made.size() - 1; k >= 0; k--) {
      String m = made.get(k);
      int colon = m.indexOf(':');
      try {
        if (m.startsWith("netns:")) {
          ip("netns", "del", m.substring(colon + 1));
        } else {
          ip("link", "del", m.substring(colon + 1));
        }
      } catch (IOException e) {
        System.err.println("test network: " + e.getMessage());
      }
    }
  }
}
