package io.aria2sv.config;

import io.netty.util.NetUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code cluster} section: whether this supervisor joins others on Vert.x's clustered event bus
 * (Infinispan over JGroups), where it listens, whom it joins, and its name among them.
 *
 * @param enabled false (the default) for a single supervisor, with no clustering at all
 * @param name the cluster's name: members with another name never join this one
 * @param host the IP address JGroups and the event bus bind and announce (127.0.0.1)
 * @param port JGroups' TCP port (the event bus takes a free one beside it)
 * @param members the {@code host:port} list of a TCP-IP join; multicast is never used
 * @param nodeName this node's name in the {@code node} field of every download; unique in the
 *     cluster. The configured one, else the host name and HTTP port
 * @param failureTimeout how long a silent member stays a member (heartbeats stop: it is suspected,
 *     checked and dropped)
 * @param requestTimeout the longest a request forwarded to another node waits for its answer
 * @param tls the key material of the cluster's TLS
 * @param lease how long a node's hold on its downloads lasts without a renewal through a majority
 *     (README, "Failure model")
 * @param quorum how many nodes make a majority: by default more than half of this node and its
 *     {@code members}
 */
public record ClusterConfig(
    boolean enabled,
    String name,
    String host,
    int port,
    List<String> members,
    String nodeName,
    Duration failureTimeout,
    Duration requestTimeout,
    Tls tls,
    Duration lease,
    int quorum) {

  /** A cluster config of the settings before leases: the default lease, a majority as quorum. */
  public ClusterConfig(
      boolean enabled,
      String name,
      String host,
      int port,
      List<String> members,
      String nodeName,
      Duration failureTimeout,
      Duration requestTimeout,
      Tls tls) {
    this(
        enabled,
        name,
        host,
        port,
        members,
        nodeName,
        failureTimeout,
        requestTimeout,
        tls,
        Duration.ofSeconds(6),
        majority(members.size() + 1));
  }

  /** More than half of {@code nodes}: 2 of 3, 3 of 5, 2 of 2. */
  static int majority(int nodes) {
    return nodes / 2 + 1;
  }

  /**
   * The cluster's key material ({@code cluster.tls}): PEM files of the cluster's own CA, this
   * node's certificate (signed by that CA, for both server and client use) and its key (mode 0600).
   * Membership, shared data and the event bus between nodes run over TLS with client certificates
   * required; a peer whose certificate the CA did not sign is refused.
   *
   * @param enabled true (the default); false sends everything between nodes in the clear and lets
   *     anyone who can reach the port join (a test of the capture, or a private network)
   */
  public record Tls(boolean enabled, Path ca, Path cert, Path key) {
    /** No TLS: for a single supervisor and for tests of the engine's configuration. */
    public static final Tls OFF = new Tls(false, null, null, null);
  }

  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  static ClusterConfig from(ConfigReader c, int httpPort, Path base) {
    boolean enabled = c.bool("enabled");
    String name = c.nonBlank("name");
    if (!CLUSTER_NAME.matcher(name).matches()) {
      throw new ConfigException(
          c.key("name"), "'" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    String host = c.nonBlank("host");
    if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
      throw new ConfigException(
          c.key("host"),
          "'" + host + "' must be an IP address of this machine (for example 127.0.0.1)");
    }
    int port = (int) c.integer("port", 1, 65535);
    List<String> members = new ArrayList<>();
    for (String m : c.stringList("members")) {
      members.add(member(c.key("members"), m.trim()));
    }
    String configured = c.string("nodeName").trim();
    if (!configured.isEmpty() && !NODE_NAME.matcher(configured).matches()) {
      throw new ConfigException(
          c.key("nodeName"),
          "'" + configured + "' must be 1 to 64 letters, digits, '.', '_', ':' or '-'");
    }
    if (enabled && configured.isEmpty() && httpPort == 0) {
      throw new ConfigException(
          c.key("nodeName"),
          "must be set when http.port is 0 (the default name is the host name and HTTP port)");
    }
    Duration failureTimeout = c.duration("failureTimeout", Duration.ofSeconds(2));
    if (failureTimeout.toMillis() % 1000 != 0) {
      throw new ConfigException(c.key("failureTimeout"), "must be whole seconds");
    }
    Duration requestTimeout = c.duration("requestTimeout", Duration.ofMillis(100));
    String nodeName = configured.isEmpty() ? defaultNodeName(httpPort) : configured;
    return new ClusterConfig(
        enabled,
        name,
        host,
        port,
        List.copyOf(members),
        nodeName,
        failureTimeout,
        requestTimeout,
        tls(c.section("tls"), enabled, base),
        lease(c),
        quorum(c, members.size() + 1));
  }

  private static Duration lease(ConfigReader c) {
    Duration lease = c.duration("lease", Duration.ofSeconds(3));
    if (lease.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new ConfigException(c.key("lease"), "must be at most 10m");
    }
    return lease;
  }

  private static int quorum(ConfigReader c, int nodes) {
    int q = (int) c.integer("quorum", 0, nodes);
    return q == 0 ? majority(nodes) : q;
  }

  private static Tls tls(ConfigReader t, boolean clustered, Path base) {
    if (!t.bool("enabled")) {
      return Tls.OFF;
    }
    Path[] files = new Path[3];
    String[] names = {"ca", "cert", "key"};
    for (int i = 0; i < names.length; i++) {
      String v = t.string(names[i]).trim();
      if (v.isEmpty()) {
        if (clustered) {
          throw new ConfigException(
              t.key(names[i]),
              "must name a PEM file: a cluster runs over TLS with the cluster's own CA, each"
                  + " node's certificate and key (README, \"Cluster keys\"); or set "
                  + t.key("enabled")
                  + " false");
        }
        continue;
      }
      files[i] = base.resolve(v).toAbsolutePath().normalize();
    }
    return new Tls(true, files[0], files[1], files[2]);
  }

  private static String member(String key, String m) {
    int colon = m.lastIndexOf(':');
    String host = colon < 0 ? m : m.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    boolean ip = NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(m.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (!ip || port < 1 || port > 65535) {
      throw new ConfigException(
          key,
          "'" + m + "' must be an IP address and port, host:port (for example 127.0.0.1:5701)");
    }
    return m;
  }

  /** The host name and HTTP port, as in {@code worker-1:6880}; the host name alone for port 0. */
  static String defaultNodeName(int httpPort) {
    String host = HostName.VALUE;
    return httpPort == 0 ? host : host + ":" + httpPort;
  }

  /**
   * This machine's name, read once: the kernel's, else {@code HOSTNAME}, else {@code localhost}.
   */
  private static final class HostName {
    static final String VALUE = read();

    private static String read() {
      try {
        String k = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        if (!k.isEmpty()) {
          return k;
        }
      } catch (java.io.IOException | RuntimeException e) {
        // not Linux, or no /proc: fall through
      }
      String env = System.getenv("HOSTNAME");
      return env == null || env.isBlank() ? "localhost" : env.trim();
    }
  }
}
