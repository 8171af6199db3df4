package io.aria2sv.cluster;

import io.aria2sv.config.ClusterConfig;
import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.lifecycle.StartupException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.infinispan.configuration.parsing.ConfigurationBuilderHolder;
import org.infinispan.configuration.parsing.ParserRegistry;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.remoting.transport.jgroups.JGroupsTransport;
import org.jgroups.JChannel;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.jgroups.util.TLS;
import org.jgroups.util.TLSClientAuth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clustered Vert.x on Infinispan and JGroups, set up from {@code cluster.*} alone: JGroups' TCP
 * transport bound to {@code cluster.host:cluster.port}, the configured members as its static list
 * (no multicast, no UDP, no discovery of any other kind), failure detection by heartbeats ({@code
 * cluster.failureTimeout}), and with {@code cluster.tls} TLS on every connection with the cluster's
 * CA alone as trust and client certificates required, on the transport and the event bus alike.
 * Vert.x's own caches ({@code __vertx.*}) as vertx-infinispan's default configuration declares
 * them.
 */
public final class ClusterVertx {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterVertx.class);

  /** Vert.x's caches, as vertx-infinispan declares them; every AsyncMap from the template. */
  static final String CACHES =
      """
      <infinispan xmlns="urn:infinispan:config:14.0">
        <cache-container default-cache="distributed-cache" statistics="false">
          <transport/>
          <distributed-cache name="distributed-cache"/>
          <replicated-cache name="__vertx.subs"/>
          <replicated-cache name="__vertx.haInfo"/>
          <replicated-cache name="__vertx.nodeInfo"/>
          <!-- every AsyncMap (Vert.x makes them all from this template) is replicated: each node
               reads locally, so a frozen node never holds up a read; after a partition heals,
               each entry is the side's with the most nodes -->
          <replicated-cache-configuration name="__vertx.distributed.cache.configuration">
            <partition-handling when-split="ALLOW_READ_WRITES" merge-policy="PREFERRED_ALWAYS"/>
          </replicated-cache-configuration>
        </cache-container>
      </infinispan>
      """;

  private ClusterVertx() {}

  /**
   * Builds (with the options given to {@code builder}: the event bus's set) and joins: the future
   * completes once this node is a member (of a cluster of one when no member answered). Reads the
   * key files first: a problem fails with a ConfigException.
   */
  public static Future<Vertx> join(Function<VertxOptions, VertxBuilder> builder, ClusterConfig c) {
    try {
      ClusterKeys keys = c.tls().enabled() ? ClusterKeys.load(c.tls()) : null;
      if (keys == null) {
        LOG.warn(
            "cluster {}: cluster.tls.enabled is false: the traffic between nodes is in the clear"
                + " and any process that reaches {}:{} can join",
            c.name(),
            c.host(),
            c.port());
      } else {
        LOG.info(
            "cluster {}: TLS between nodes, this node's certificate {}", c.name(), keys.describe());
      }
      DefaultCacheManager caches =
          new DefaultCacheManager(caches(c, keys == null ? null : keys.sslContext()), false);
      EventBusOptions bus = eventBus(c);
      if (keys != null) {
        keys.secure(bus);
      }
      return builder
          .apply(new VertxOptions().setEventBusOptions(bus))
          .withClusterManager(new InfinispanCluster(caches))
          .buildClustered();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    } catch (Exception e) {
      return Future.failedFuture(
          new StartupException(ExitCodes.FAILURE, "cannot set up the cluster: " + e.getMessage()));
    }
  }

  /** Reads and checks {@code cluster.tls}'s files when it is on; fails with a ConfigException. */
  public static void checkKeys(ClusterConfig c) {
    if (c.tls().enabled()) {
      ClusterKeys.load(c.tls());
    }
  }

  /**
   * Why JGroups could not listen on {@code cluster.host:cluster.port}, found by a bind of our own
   * first: null when it can. Blocking (brief).
   */
  public static StartupException portProblem(ClusterConfig c) {
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      // As JGroups binds: connections of a previous run left in TIME_WAIT do not hold the port.
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(c.host()), c.port()));
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

  /** Infinispan's configuration for {@code c}: Vert.x's caches over {@link #channel}. */
  static ConfigurationBuilderHolder caches(ClusterConfig c, SSLContext tls) throws Exception {
    ConfigurationBuilderHolder holder = new ParserRegistry().parse(CACHES);
    holder.getGlobalConfigurationBuilder().classLoader(ClusterVertx.class.getClassLoader());
    holder.getGlobalConfigurationBuilder().jmx().disable();
    holder
        .getGlobalConfigurationBuilder()
        .transport()
        .clusterName(c.name())
        .nodeName(c.nodeName())
        .transport(new JGroupsTransport(channel(c, tls)));
    return holder;
  }

  /**
   * JGroups' stack for {@code c}: TCP on {@code cluster.host:cluster.port} (outgoing connections
   * from that address too), over TLS when {@code tls} is given; the members as a static list;
   * heartbeats every quarter of {@code cluster.failureTimeout}, a member silent that long suspected
   * and dropped once a check confirms it; partitions merged when they see each other again.
   */
  static JChannel channel(ClusterConfig c, SSLContext tls) throws Exception {
    InetAddress host = InetAddress.getByName(c.host());
    TCP tcp = new TCP();
    tcp.setBindAddress(host);
    tcp.setBindPort(c.port());
    tcp.setPortRange(0);
    tcp.setClientBindAddr(host);
    tcp.setBundlerType(OwnThreadBundler.class.getName());
    if (tls != null) {
      tcp.setSocketFactory(new TLS().setClientAuth(TLSClientAuth.NEED).createSocketFactory(tls));
    }
    List<InetSocketAddress> members = new ArrayList<>();
    members.add(new InetSocketAddress(host, c.port()));
    for (String m : c.members()) {
      int colon = m.lastIndexOf(':');
      String h = m.substring(0, colon).replace("[", "").replace("]", "");
      members.add(
          new InetSocketAddress(
              InetAddress.getByName(h), Integer.parseInt(m.substring(colon + 1))));
    }
    TCPPING ping = new TCPPING();
    ping.setInitialHosts(members);
    ping.setPortRange(0);
    // asked four times within the join timeout: a first request lost to a connection closed while
    // both ends dialled each other (a node back on its address at once) does not leave it alone
    ping.setValue("num_discovery_runs", 4);
    long timeout = c.failureTimeout().toMillis();
    FD_ALL3 fd = new FD_ALL3();
    fd.setTimeout(timeout);
    fd.setInterval(Math.max(250, timeout / 4));
    VERIFY_SUSPECT2 verify = new VERIFY_SUSPECT2();
    verify.setTimeout(Math.max(250, timeout / 4));
    MERGE3 merge = new MERGE3().setMinInterval(2000).setMaxInterval(5000);
    GMS gms = new GMS().setJoinTimeout(2000);
    gms.printLocalAddress(false);
    Protocol[] stack = {
      tcp,
      ping,
      merge,
      fd,
      verify,
      new NAKACK2().useMcastXmit(false),
      new UNICAST3(),
      new STABLE(),
      gms,
      new UFC(),
      new MFC(),
      new FRAG4()
    };
    return new JChannel(stack);
  }
}
