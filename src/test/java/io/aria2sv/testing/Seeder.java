package io.aria2sv.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain aria2c that seeds one torrent on 127.0.0.1 for tests: pieces checked first, ratio
 * unlimited, and DHT, LPD and peer exchange off, so it reaches its tracker and nothing else.
 */
public final class Seeder implements AutoCloseable {
  private final Process process;

  private Seeder(Process process) {
    this.process = process;
  }

  /**
   * Seeds {@code torrent} whose content is already in {@code dir}; {@code extra} aria2c options.
   */
  public static Seeder start(Path torrent, Path dir, String... extra) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "aria2c",
                "--no-conf",
                "--dir=" + dir,
                "--check-integrity=true",
                "--seed-ratio=0.0",
                "--seed-time=60",
                "--listen-port=" + TestConfig.freePort(),
                "--summary-interval=0",
                "--console-log-level=warn",
                "--bt-tracker-interval=1",
                "--bt-stop-timeout=0"));
    // --enable-dht=false --enable-dht6=false --bt-enable-lpd=false --enable-peer-exchange=false:
    // the seeder reaches nobody beyond 127.0.0.1 (peers come from the test's HTTP tracker only).
    TestConfig.LOOPBACK_ONLY.forEach((k, v) -> cmd.add("--" + k + "=" + v));
    cmd.addAll(List.of(extra));
    cmd.add(torrent.toString());
    Path log = Files.createTempFile(dir.getParent(), "seeder", ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new Seeder(p);
  }

  public long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
