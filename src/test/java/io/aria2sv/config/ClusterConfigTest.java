package io.aria2sv.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ClusterConfigTest {
  private static final JsonObject DEFAULTS =
      new JsonObject(io.vertx.core.buffer.Buffer.buffer(yamlDefaultsAsJson()));

  /** The built-in defaults, as the loader reads them (YAML through Jackson). */
  private static String yamlDefaultsAsJson() {
    try (var in = ClusterConfigTest.class.getResourceAsStream("/aria2sv/defaults.yaml")) {
      var yaml =
          new com.fasterxml.jackson.databind.ObjectMapper(
              new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
      return new com.fasterxml.jackson.databind.ObjectMapper()
          .writeValueAsString(yaml.readTree(in));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static ClusterConfig cluster(JsonObject cluster) {
    return cluster(cluster, 6880);
  }

  private static ClusterConfig cluster(JsonObject cluster, int httpPort) {
    JsonObject json = DEFAULTS.copy();
    json.getJsonObject("cluster").mergeIn(cluster, true);
    json.getJsonObject("http").put("port", httpPort);
    return AppConfig.from(json, Path.of("/tmp")).cluster();
  }

  @Test
  void clusteringIsOffByDefaultAndBindsLoopback() {
    ClusterConfig c = cluster(new JsonObject());
    assertThat(c.enabled()).isFalse();
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.members()).isEmpty();
    assertThat(c.failureTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void theNodeNameDefaultsToTheHostNameAndHttpPort() {
    assertThat(cluster(new JsonObject()).nodeName()).endsWith(":6880").doesNotStartWith(":");
    assertThat(cluster(new JsonObject().put("nodeName", "worker-1")).nodeName())
        .isEqualTo("worker-1");
  }

  @Test
  void aClusteredNodeOnAnyHttpPortNeedsAName() {
    assertThatThrownBy(() -> cluster(new JsonObject().put("enabled", true), 0))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cluster.nodeName: must be set when http.port is 0");
    assertThat(cluster(keys().put("enabled", true).put("nodeName", "n1"), 0).nodeName())
        .isEqualTo("n1");
  }

  private static JsonObject keys() {
    return new JsonObject()
        .put(
            "tls",
            new JsonObject()
                .put("ca", "keys/ca.crt")
                .put("cert", "n1.crt")
                .put("key", "/k/n1.key"));
  }

  @Test
  void aClusteredNodeNeedsTheClustersKeysUnlessTlsIsTurnedOff() {
    for (String missing : List.of("ca", "cert", "key")) {
      JsonObject c = keys().put("enabled", true);
      c.getJsonObject("tls").remove(missing);
      assertThatThrownBy(() -> cluster(c))
          .as(missing)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("cluster.tls." + missing + ": must name a PEM file");
    }
    ClusterConfig.Tls tls = cluster(keys().put("enabled", true)).tls();
    assertThat(tls.enabled()).isTrue();
    assertThat(tls.ca()).isEqualTo(Path.of("/tmp/keys/ca.crt"));
    assertThat(tls.cert()).isEqualTo(Path.of("/tmp/n1.crt"));
    assertThat(tls.key()).isEqualTo(Path.of("/k/n1.key"));
    JsonObject off = new JsonObject().put("enabled", true);
    off.put("tls", new JsonObject().put("enabled", false));
    assertThat(cluster(off).tls()).isEqualTo(ClusterConfig.Tls.OFF);
    assertThat(cluster(new JsonObject()).tls().enabled())
        .as("on by default; a single supervisor needs no keys")
        .isTrue();
  }

  @Test
  void aMajorityOfTheConfiguredNodesIsTheQuorumUnlessSetAndTheLeaseIsSixSeconds() {
    assertThat(cluster(new JsonObject()).quorum()).as("alone").isEqualTo(1);
    var three = new JsonObject().put("members", List.of("127.0.0.1:5702", "127.0.0.1:5703"));
    assertThat(cluster(three).quorum()).isEqualTo(2);
    var two = new JsonObject().put("members", List.of("127.0.0.1:5702"));
    assertThat(cluster(two).quorum()).as("a majority of two is two").isEqualTo(2);
    assertThat(cluster(two.copy().put("quorum", 1)).quorum()).isEqualTo(1);
    assertThatThrownBy(() -> cluster(two.copy().put("quorum", 3)))
        .hasMessageStartingWith("cluster.quorum");
    assertThat(cluster(new JsonObject()).lease()).isEqualTo(Duration.ofSeconds(6));
    assertThatThrownBy(() -> cluster(new JsonObject().put("lease", "2s")))
        .hasMessageStartingWith("cluster.lease: must be at least 3s");
  }

  @Test
  void membersAreIpAddressesWithPorts() {
    assertThat(
            cluster(new JsonObject().put("members", List.of("127.0.0.1:5702", "[::1]:5703")))
                .members())
        .containsExactly("127.0.0.1:5702", "[::1]:5703");
    for (String bad :
        List.of("localhost:5701", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:x", "10.0.0.1:70000")) {
      assertThatThrownBy(() -> cluster(new JsonObject().put("members", List.of(bad))))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("cluster.members: '" + bad + "'");
    }
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> cluster(new JsonObject().put("host", "example.org")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("cluster.host: 'example.org' must be an IP address");
    assertThatThrownBy(() -> cluster(new JsonObject().put("port", 0)))
        .hasMessageStartingWith("cluster.port");
    assertThatThrownBy(() -> cluster(new JsonObject().put("name", "a b")))
        .hasMessageStartingWith("cluster.name");
    assertThatThrownBy(() -> cluster(new JsonObject().put("nodeName", "n/1")))
        .hasMessageStartingWith("cluster.nodeName");
    assertThatThrownBy(() -> cluster(new JsonObject().put("failureTimeout", "2500ms")))
        .hasMessageStartingWith("cluster.failureTimeout: must be whole seconds");
    assertThatThrownBy(() -> cluster(new JsonObject().put("failureTimeout", "1s")))
        .hasMessageStartingWith("cluster.failureTimeout");
  }
}
