package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import io.aria2sv.config.ClusterConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
          Duration.ofSeconds(5));

  @Test
  void hazelcastJoinsOnlyTheConfiguredMembersOnTheConfiguredInterface() {
    Config cfg = ClusterVertx.hazelcast(C);
    var join = cfg.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers())
        .containsExactlyInAnyOrder("127.0.0.1:15702", "127.0.0.1:15701");
    assertThat(cfg.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(cfg.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(cfg.getNetworkConfig().getPort()).isEqualTo(15701);
    assertThat(cfg.getNetworkConfig().isPortAutoIncrement()).isFalse();
    assertThat(cfg.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(cfg.getClusterName()).isEqualTo("test");
  }

  @Test
  void phoneHomeIsOffAndLoggingGoesThroughSlf4j() {
    Config cfg = ClusterVertx.hazelcast(C);
    assertThat(cfg.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(cfg.getProperty("hazelcast.logging.type")).isEqualTo("slf4j");
    assertThat(System.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
  }

  @Test
  void aSilentMemberIsDroppedAfterTheFailureTimeout() {
    Config cfg = ClusterVertx.hazelcast(C);
    assertThat(cfg.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("3");
    assertThat(cfg.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
  }

  @Test
  void clustersSplitByAPartitionLookForEachOtherEvery15Seconds() {
    Config cfg = ClusterVertx.hazelcast(C);
    assertThat(cfg.getProperty("hazelcast.merge.first.run.delay.seconds")).isEqualTo("15");
    assertThat(cfg.getProperty("hazelcast.merge.next.run.delay.seconds")).isEqualTo("15");
  }

  @Test
  void vertxKeepsItsOwnMaps() {
    Config cfg = ClusterVertx.hazelcast(C);
    assertThat(cfg.getMultiMapConfigs()).containsKey("__vertx.subs");
    assertThat(cfg.getMapConfigs()).containsKeys("__vertx.haInfo", "__vertx.nodeInfo");
  }
}
