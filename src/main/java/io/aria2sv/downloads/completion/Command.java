package io.aria2sv.downloads.completion;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator's command after a download ({@code completion.command}): an argument vector, never a
 * shell string, run with the download's facts in its environment ({@code ARIA2SV_ID}, {@code
 * ARIA2SV_NAME}, {@code ARIA2SV_CATEGORY}, {@code ARIA2SV_STATUS}, {@code ARIA2SV_PATH}, {@code
 * ARIA2SV_DIR}) in the directory that holds the download, with a time limit; its exit code and the
 * tail of its output (stdout and stderr together) are what is kept. Blocking.
 */
public final class Command {
  /** How much of the output's end is kept. */
  static final int TAIL = 2048;

  /** What a run came to: exit code (null when it was killed at the time limit) and output tail. */
  public record Result(Integer exitCode, String output, long ms) {
    public boolean ok() {
      return exitCode != null && exitCode == 0;
    }
  }

  private Command() {}

  /** Runs {@code argv} in {@code dir} with {@code env} added, for at most {@code timeout}. */
  public static Result run(List<String> argv, Path dir, Map<String, String> env, Duration timeout)
      throws IOException, InterruptedException {
    long started = System.nanoTime();
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    Tail tail = new Tail(p.getInputStream());
    Thread reader = new Thread(tail, "completion-command-output");
    reader.setDaemon(true);
    reader.start();
    boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!ended) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    reader.join(2000);
    long ms = (System.nanoTime() - started) / 1_000_000;
    return new Result(ended ? p.exitValue() : null, tail.text(), ms);
  }

  /** Reads a stream to its end, keeping its last {@link #TAIL} bytes. */
  private static final class Tail implements Runnable {
    private final InputStream in;
    private final byte[] ring = new byte[TAIL];
    private long total;

    Tail(InputStream in) {
      this.in = in;
    }

    @Override
    public void run() {
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          synchronized (this) {
            for (int i = 0; i < n; i++) {
              ring[(int) (total++ % TAIL)] = buf[i];
            }
          }
        }
      } catch (IOException e) {
        // the process is gone; what was read is kept
      }
    }

    synchronized String text() {
      int len = (int) Math.min(total, TAIL);
      byte[] out = new byte[len];
      long start = total - len;
      for (int i = 0; i < len; i++) {
        out[i] = ring[(int) ((start + i) % TAIL)];
      }
      return new String(out, StandardCharsets.UTF_8);
    }
  }
}
