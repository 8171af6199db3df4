package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.config.ClusterConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jgroups.JChannel;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.stack.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ClusterVertxTest {
  private static final ClusterConfig C =
      new ClusterConfig(
          true,
          "test",
          "127.0.0.1",
          15701,
          List.of("127.0.0.1:15702"),
          "n1",
          Duration.ofSeconds(3),
          Duration.ofSeconds(5),
          ClusterConfig.Tls.OFF);

  @Test
  void theTransportBindsOnlyTheConfiguredAddressAndFindsOnlyTheConfiguredMembers()
      throws Exception {
    try (JChannel ch = ClusterVertx.channel(C, null)) {
      List<Protocol> stack = ch.getProtocolStack().getProtocols();
      TCP tcp = ch.getProtocolStack().findProtocol(TCP.class);
      assertThat(tcp.getBindAddr().getHostAddress()).isEqualTo("127.0.0.1");
      assertThat(tcp.getBindPort()).isEqualTo(15701);
      assertThat(tcp.getPortRange()).isZero();
      assertThat(tcp.getClientBindAddr().getHostAddress()).isEqualTo("127.0.0.1");
      TCPPING ping = ch.getProtocolStack().findProtocol(TCPPING.class);
      assertThat(ping.getPortRange()).isZero();
      assertThat(ping.getInitialHosts())
          .extracting(Object::toString)
          .containsExactlyInAnyOrder("127.0.0.1:15701", "127.0.0.1:15702");
      // no UDP, no multicast discovery, nothing that looks for members elsewhere
      assertThat(stack)
          .extracting(p -> p.getClass().getSimpleName())
          .doesNotContain("UDP", "MPING", "PING", "DNS_PING", "FILE_PING", "FD_SOCK", "FD_SOCK2");
    }
  }

  @Test
  void aSilentMemberIsSuspectedAfterTheFailureTimeout() throws Exception {
    try (JChannel ch = ClusterVertx.channel(C, null)) {
      FD_ALL3 fd = ch.getProtocolStack().findProtocol(FD_ALL3.class);
      assertThat(fd.getTimeout()).isEqualTo(3000);
      assertThat(fd.getInterval()).isEqualTo(750);
    }
  }

  @Test
  void vertxKeepsItsOwnCaches() throws Exception {
    var holder = ClusterVertx.caches(C, null);
    assertThat(holder.getNamedConfigurationBuilders())
        .containsKeys(
            "__vertx.subs",
            "__vertx.haInfo",
            "__vertx.nodeInfo",
            "__vertx.distributed.cache.configuration");
    var maps =
        holder
            .getNamedConfigurationBuilders()
            .get("__vertx.distributed.cache.configuration")
            .build();
    assertThat(maps.clustering().cacheMode().isReplicated()).as("every AsyncMap").isTrue();
    assertThat(maps.clustering().partitionHandling().mergePolicy())
        .isEqualTo(org.infinispan.conflict.MergePolicy.PREFERRED_ALWAYS);
    assertThat(holder.getGlobalConfigurationBuilder().build().transport().clusterName())
        .isEqualTo("test");
  }
}
