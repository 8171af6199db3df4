package io.aria2sv.supervisor;

import io.aria2sv.config.AppConfig;
import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.lifecycle.StartupException;
import io.aria2sv.rpc.Aria2Endpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Prepares and spawns one aria2c: picks or checks the RPC port on both loopback families, draws a
 * fresh 128-bit secret, writes {@code aria2.conf} (0600) and spawns the process. Blocking: call it
 * from a worker.
 */
public final class Aria2Launcher {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final AppConfig.Aria2 config;
  private final Aria2Binary binary;

  /** What one spawn produced. */
  public record Launched(Aria2Process process, Aria2Endpoint endpoint) {}

  public Aria2Launcher(AppConfig.Aria2 config, Aria2Binary binary) {
    this.config = config;
    this.binary = binary;
  }

  /**
   * Spawns aria2c.
   *
   * @throws PortInUseException when the configured fixed port is held by another socket
   */
  public Launched launch() throws IOException {
    int port = config.rpcPort();
    if (port == 0) {
      port = PortProbe.pickFree();
    } else if (!PortProbe.isFree(port)) {
      throw new PortInUseException(port, PortProbe.holders(port));
    }
    String secret = newSecret();
    Path conf =
        Aria2ConfFile.write(config.dataDir(), config.downloadDir(), port, secret, config.options());
    Aria2Process process = Aria2Process.spawn(binary.path(), config.dataDir(), conf);
    return new Launched(process, new Aria2Endpoint("127.0.0.1", port, secret));
  }

  /** A random 128-bit secret as 32 hex digits. */
  static String newSecret() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** The fixed RPC port is taken by someone else. */
  public static final class PortInUseException extends StartupException {
    private static final long serialVersionUID = 1L;

    PortInUseException(int port, String holders) {
      super(
          ExitCodes.FAILURE,
          "RPC port "
              + port
              + " (aria2.rpcPort) is already in use on "
              + holders
              + " by another process; free it or set aria2.rpcPort: 0 to pick a free port");
    }
  }
}
