package io.aria2sv.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.aria2sv.config.ClusterConfig;
import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.lifecycle.StartupException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;

/**
 * A clustered Vert.x on Hazelcast, set up from {@code cluster.*} alone: TCP-IP join to the
 * configured members (multicast and auto-detection off), Hazelcast and the event bus bound to
 * {@code cluster.host} only, phone-home off, logging through SLF4J, a heartbeat every second and
 * {@code cluster.failureTimeout} before a silent member is dropped. Vert.x's own maps ({@code
 * __vertx.*}) come from vertx-hazelcast's default configuration.
 */
public final class ClusterVertx {
  private ClusterVertx() {}

  static {
    // Read by Hazelcast classes before any instance exists, so set for the whole JVM.
    System.setProperty("hazelcast.logging.type", "slf4j");
    System.setProperty("hazelcast.phone.home.enabled", "false");
  }

  /** Builds and joins: the future completes once this node is a member. */
  public static Future<Vertx> join(VertxBuilder builder, ClusterConfig c) {
    return builder.withClusterManager(new HazelcastClusterManager(hazelcast(c))).buildClustered();
  }

  /**
   * Why Hazelcast could not listen on {@code cluster.host:cluster.port}, found by a bind of our own
   * first (Hazelcast's own failure is several stack traces): null when it can. Blocking (brief).
   */
  public static StartupException portProblem(ClusterConfig c) {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      // As Hazelcast binds: connections of a previous run left in TIME_WAIT do not hold the port.
      s.setReuseAddress(true);
      s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(c.host()), c.port()));
      return null;
    } catch (java.net.BindException e) {
      String why =
          "Address already in use".equals(e.getMessage())
              ? "cluster port "
                  + c.port()
                  + " (cluster.port) is already in use on "
                  + c.host()
                  + " by another process"
              : "cannot listen on "
                  + c.host()
                  + ":"
                  + c.port()
                  + " (cluster.host, cluster.port): "
                  + e.getMessage();
      return new StartupException(ExitCodes.FAILURE, why);
    } catch (java.io.IOException e) {
      return new StartupException(
          ExitCodes.FAILURE,
          "cannot listen on " + c.host() + ":" + c.port() + ": " + e.getMessage());
    }
  }

  /** The event bus of a clustered node: on {@code cluster.host}, a free port. */
  public static EventBusOptions eventBus(ClusterConfig c) {
    return new EventBusOptions().setHost(c.host()).setPort(0).setClusterPublicHost(c.host());
  }

  /** The Hazelcast configuration for {@code c}. */
  static Config hazelcast(ClusterConfig c) {
    Config cfg = ConfigUtil.loadConfig();
    cfg.setClusterName(c.name());
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    // The supervisor leaves the cluster itself once its verticles are stopped.
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
    cfg.setProperty("hazelcast.socket.bind.any", "false");
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    cfg.setProperty(
        "hazelcast.max.no.heartbeat.seconds", Long.toString(c.failureTimeout().toSeconds()));
    cfg.setProperty("hazelcast.wait.seconds.before.join", "1");
    // Two clusters made by a partition (or a member wrongly dropped under load) look for each
    // other every 15 s, not after Hazelcast's 5 and then 2 minutes.
    cfg.setProperty("hazelcast.merge.first.run.delay.seconds", "15");
    cfg.setProperty("hazelcast.merge.next.run.delay.seconds", "15");
    cfg.setProperty("hazelcast.tcp.join.port.try.count", "1");
    NetworkConfig net = cfg.getNetworkConfig();
    net.setPort(c.port()).setPortAutoIncrement(false);
    net.getInterfaces().setEnabled(true).setInterfaces(List.of(c.host()));
    net.getRestApiConfig().setEnabled(false);
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    List<String> members = new ArrayList<>(c.members());
    members.add(c.host() + ":" + c.port());
    join.getTcpIpConfig().setEnabled(true).setMembers(members).setConnectionTimeoutSeconds(2);
    return cfg;
  }
}
