package io.aria2sv.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A cluster's key material made as the README says, with {@code conf/cluster-keys.sh} (openssl): a
 * CA of its own in a directory, and a certificate and key per node, made on first use.
 */
public final class ClusterCerts {
  private static final Path SCRIPT = Path.of("conf", "cluster-keys.sh").toAbsolutePath();
  private final Path dir;

  private ClusterCerts(Path dir) {
    this.dir = dir;
  }

  /** A new CA in {@code dir}. */
  public static ClusterCerts ca(Path dir) {
    run("ca", dir.toString());
    return new ClusterCerts(dir);
  }

  public Path dir() {
    return dir;
  }

  public Path caCert() {
    return dir.resolve("ca.crt");
  }

  public Path cert(String node) {
    return nodeFiles(node, "127.0.0.1").resolve(node + ".crt");
  }

  public Path key(String node) {
    return nodeFiles(node, "127.0.0.1").resolve(node + ".key");
  }

  /** The environment that gives node {@code node} its keys (made now if they are not yet). */
  public Map<String, String> env(String node) {
    return env(node, "127.0.0.1");
  }

  /** As {@link #env(String)}, for a node on {@code ip} (in its certificate when made now). */
  public Map<String, String> env(String node, String ip) {
    nodeFiles(node, ip);
    Map<String, String> env = new HashMap<>();
    env.put("ARIA2SV_CLUSTER_TLS_CA", caCert().toString());
    env.put("ARIA2SV_CLUSTER_TLS_CERT", cert(node).toString());
    env.put("ARIA2SV_CLUSTER_TLS_KEY", key(node).toString());
    return env;
  }

  private synchronized Path nodeFiles(String node, String ip) {
    if (!Files.exists(dir.resolve(node + ".crt"))) {
      run("node", dir.toString(), node, ip);
    }
    return dir;
  }

  private static void run(String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("sh", SCRIPT.toString()));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
