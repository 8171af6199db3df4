package io.aria2sv.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for one test: a real file system that fills up, and that can be remounted
 * read-only. Needs root (CI runs as root); {@link #whyNot()} says why it cannot be used here.
 */
public final class Tmpfs implements AutoCloseable {
  private final Path dir;
  private Path filler;

  private Tmpfs(Path dir) {
    this.dir = dir;
  }

  /** Why a tmpfs cannot be mounted here, or null when it can (tried once, on a scratch folder). */
  public static String whyNot() {
    try {
      Path probe = Files.createTempDirectory("tmpfs-probe");
      try {
        String out = run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.toString());
        if (out != null) {
          return "cannot mount a tmpfs here (" + out.strip() + ")";
        }
        run("umount", probe.toString());
        return null;
      } finally {
        Files.deleteIfExists(probe);
      }
    } catch (IOException | InterruptedException e) {
      return "cannot mount a tmpfs here (" + e.getMessage() + ")";
    }
  }

  /** Mounts a tmpfs of {@code kib} KiB on {@code dir} (created when missing). */
  public static Tmpfs mount(Path dir, int kib) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    String out =
        run("mount", "-t", "tmpfs", "-o", "size=" + kib + "k,mode=0700", "tmpfs", dir.toString());
    if (out != null) {
      throw new IOException("mount failed: " + out);
    }
    return new Tmpfs(dir);
  }

  /** Fills every free byte with one file, as a user's big copy would. */
  public void fill() throws IOException {
    filler = dir.resolve("filler");
    byte[] chunk = new byte[4096];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      if (!String.valueOf(full.getMessage()).contains("No space left")) {
        throw full;
      }
    }
  }

  /** Gives the space back. */
  public void free() throws IOException {
    Files.deleteIfExists(filler);
  }

  /** Remounts read-only ({@code true}) or read-write. */
  public void readOnly(boolean ro) throws IOException, InterruptedException {
    String out = run("mount", "-o", "remount," + (ro ? "ro" : "rw"), dir.toString());
    if (out != null) {
      throw new IOException("remount failed: " + out);
    }
  }

  @Override
  public void close() throws IOException {
    String out;
    try {
      out = run("umount", "-l", dir.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unmounting " + dir, e);
    }
    if (out != null) {
      throw new IOException("umount failed: " + out);
    }
  }

  /** Runs a command; null when it succeeded, else what it printed. */
  private static String run(String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return "timed out";
    }
    String out = new String(p.getInputStream().readAllBytes());
    return p.exitValue() == 0 ? null : out + " (exit " + p.exitValue() + ")";
  }
}
