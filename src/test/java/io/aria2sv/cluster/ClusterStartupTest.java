package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.ClusterNodes;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Start-up of a cluster node that cannot join: a bad setting, a held port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterStartupTest {
  private static final Duration START = Duration.ofSeconds(40);

  @TempDir Path root;

  private Map<String, String> env() {
    Map<String, String> env = ChildJvm.envFor(root);
    env.put("ARIA2SV_CLUSTER_ENABLED", "true");
    env.put("ARIA2SV_CLUSTER_NODE_NAME", "solo");
    return env;
  }

  @Test
  void aMemberThatIsNotAnAddressStopsStartUpWith78NamingTheKey() throws Exception {
    Map<String, String> env = env();
    env.put("ARIA2SV_CLUSTER_MEMBERS", "127.0.0.1:5702,db.example:5701");
    try (ChildJvm jvm = ChildJvm.mainWithJvmFlags(ClusterNodes.jvmFlags(), root, env)) {
      assertThat(jvm.awaitExit(START)).as(jvm.output()).isEqualTo(ExitCodes.CONFIG);
      assertThat(jvm.output())
          .contains(
              "invalid configuration: cluster.members: 'db.example:5701' must be an IP address and port")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void aHeldClusterPortStopsStartUpWithOneLineNamingTheKey() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Map<String, String> env = env();
      env.put("ARIA2SV_CLUSTER_PORT", String.valueOf(held.getLocalPort()));
      try (ChildJvm jvm = ChildJvm.mainWithJvmFlags(ClusterNodes.jvmFlags(), root, env)) {
        assertThat(jvm.awaitExit(START)).as(jvm.output()).isEqualTo(ExitCodes.FAILURE);
        assertThat(jvm.output())
            .contains(
                "cannot start: cluster port "
                    + held.getLocalPort()
                    + " (cluster.port) is already in use on 127.0.0.1 by another process")
            .doesNotContain("\tat ");
      }
    }
  }

  @Test
  void theSelfTestOfAClusterNodeChecksItAloneWithoutJoining() throws Exception {
    Map<String, String> env = env();
    env.put("ARIA2SV_CLUSTER_PORT", String.valueOf(io.aria2sv.testing.TestConfig.freePort()));
    try (ChildJvm jvm =
        ChildJvm.mainWithJvmFlags(ClusterNodes.jvmFlags(), root, env, "--self-test")) {
      assertThat(jvm.awaitExit(START)).as(jvm.output()).isEqualTo(ExitCodes.OK);
      assertThat(jvm.output())
          .contains("the self-test does not join the cluster")
          .contains("self-test passed")
          .doesNotContain("joining cluster");
    }
  }

  @Test
  void aBadClusterValueStopsTheSelfTestToo() throws Exception {
    Map<String, String> env = env();
    env.put("ARIA2SV_CLUSTER_HOST", "localhost");
    try (ChildJvm jvm =
        ChildJvm.mainWithJvmFlags(ClusterNodes.jvmFlags(), root, env, "--self-test")) {
      assertThat(jvm.awaitExit(START)).as(jvm.output()).isEqualTo(ExitCodes.CONFIG);
      assertThat(jvm.output()).contains("cluster.host: 'localhost' must be an IP address");
    }
  }
}
