package io.aria2sv.testing;

import io.aria2sv.supervisor.Aria2ConfFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a plain aria2c for side-by-side comparisons: the options the supervisor's
 * {@code aria2.conf} gives its own aria2c (session files in {@code dataDir}, downloads in {@code
 * dir}; RPC on {@code rpcPort} with {@code secret}, or none when {@code rpcPort} is 0; no session
 * input, which would make aria2c ignore URIs on its command line), the tests' loopback-only options
 * and a free BitTorrent port.
 */
public final class PlainAria2c {
  private PlainAria2c() {}

  public static List<String> command(Path dataDir, Path dir, int rpcPort, String secret) {
    List<String> cmd = new ArrayList<>(List.of("aria2c"));
    Aria2ConfFile.ownedOptions(dataDir, dir, rpcPort, secret)
        .forEach(
            (k, v) -> {
              boolean rpc = k.equals("enable-rpc") || k.startsWith("rpc-");
              if (!k.equals("input-file") && (rpcPort > 0 || !rpc)) {
                cmd.add("--" + k + "=" + v);
              }
            });
    TestConfig.LOOPBACK_ONLY.forEach((k, v) -> cmd.add("--" + k + "=" + v));
    cmd.add("--listen-port=" + TestConfig.freePort());
    return cmd;
  }
}
