package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.ClusterCerts;
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
  private ClusterCerts certs;

  private ClusterCerts certs() {
    if (certs == null) {
      certs = ClusterCerts.ca(root.resolve("keys"));
    }
    return certs;
  }

  private Map<String, String> env() {
    Map<String, String> env = ChildJvm.envFor(root);
    env.put("ARIA2SV_CLUSTER_ENABLED", "true");
    env.put("ARIA2SV_CLUSTER_NODE_NAME", "solo");
    env.put("ARIA2SV_CLUSTER_PORT", String.valueOf(io.aria2sv.testing.TestConfig.freePort()));
    env.putAll(certs().env("solo"));
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
  void aClusterKeyThatOthersCanReadStopsStartUpWith78NamingTheKey() throws Exception {
    Map<String, String> env = env();
    Path key = certs().key("solo");
    java.nio.file.Files.setPosixFilePermissions(
        key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertRefused(env, "cluster.tls.key: " + key + " is a private key that others can use");
  }

  @Test
  void aCertificateOfAnotherCaStopsStartUpWith78NamingTheKey() throws Exception {
    Map<String, String> env = env();
    ClusterCerts other = ClusterCerts.ca(root.resolve("other-ca"));
    env.put("ARIA2SV_CLUSTER_TLS_CERT", other.cert("solo").toString());
    env.put("ARIA2SV_CLUSTER_TLS_KEY", other.key("solo").toString());
    assertRefused(
        env,
        "cluster.tls.cert: "
            + other.cert("solo")
            + " is not signed by the CA in "
            + certs().caCert());
  }

  @Test
  void aMissingOrUnusableKeyFileStopsStartUpWith78NamingTheKey() throws Exception {
    Map<String, String> env = env();
    env.put("ARIA2SV_CLUSTER_TLS_CA", root.resolve("nowhere.crt").toString());
    assertRefused(
        env, "cluster.tls.ca: cannot read " + root.resolve("nowhere.crt") + ": no such file");
    env = env();
    Path notAKey = root.resolve("not-a.key");
    java.nio.file.Files.copy(certs().cert("solo"), notAKey);
    java.nio.file.Files.setPosixFilePermissions(
        notAKey, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    env.put("ARIA2SV_CLUSTER_TLS_KEY", notAKey.toString());
    assertRefused(env, "cluster.tls.key: " + notAKey + " holds no PEM private key");
  }

  private void assertRefused(Map<String, String> env, String line) throws Exception {
    try (ChildJvm jvm = ChildJvm.mainWithJvmFlags(ClusterNodes.jvmFlags(), root, env)) {
      assertThat(jvm.awaitExit(START)).as(jvm.output()).isEqualTo(ExitCodes.CONFIG);
      assertThat(jvm.output())
          .contains("invalid configuration: " + line)
          .doesNotContain("\tat ")
          .as("no key material in the log")
          .doesNotContainPattern("MI[A-Za-z0-9+/]{16}");
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
