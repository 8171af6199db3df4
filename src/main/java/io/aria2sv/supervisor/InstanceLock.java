package io.aria2sv.supervisor;

import io.aria2sv.lifecycle.ExitCodes;
import io.aria2sv.lifecycle.StartupException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OS file lock that makes a supervisor the only owner of a data directory, across processes and
 * inside one JVM. The lock file names its holder (pid, host, since) so the loser can say who has
 * it. The OS releases the lock when the holder dies, so a crash never leaves it stale. Blocking:
 * call it from a worker.
 */
public final class InstanceLock implements AutoCloseable {
  /** The lock file's name inside the data directory. */
  public static final String FILE = "supervisor.lock";

  /**
   * Data dirs locked by this JVM. POSIX locks belong to the process, and closing any descriptor of
   * the file can drop a lock taken through another one, so a second attempt from inside this JVM
   * must be refused before it opens the file at all.
   */
  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;

  private InstanceLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dataDir}.
   *
   * @throws StartupException with exit code 73 naming the holder when another supervisor has it
   */
  public static InstanceLock acquire(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    Path key = dataDir.toAbsolutePath().normalize();
    if (!HELD_HERE.add(key)) {
      throw new StartupException(
          ExitCodes.LOCKED,
          "data directory " + dataDir + " is in use by another supervisor (" + holder(file) + ")");
    }
    FileChannel ch = null;
    try {
      ch =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        String holder = holder(file);
        ch.close();
        HELD_HERE.remove(key);
        throw new StartupException(
            ExitCodes.LOCKED,
            "data directory " + dataDir + " is in use by another supervisor (" + holder + ")");
      }
      String me =
          "pid="
              + ProcessHandle.current().pid()
              + " host="
              + hostName()
              + " since="
              + Instant.now()
              + "\n";
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
      ch.force(true);
      return new InstanceLock(key, ch, lock);
    } catch (IOException e) {
      closeQuietly(ch);
      HELD_HERE.remove(key);
      throw new StartupException(ExitCodes.FAILURE, "cannot lock " + file + ": " + e.getMessage());
    }
  }

  private static String holder(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).trim();
      return text.isEmpty() ? "holder unknown" : text;
    } catch (IOException e) {
      return "holder unknown";
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing more to do: the lock dies with the channel
      }
    }
  }

  /** Releases the lock; the file stays (removing it would race with a new holder). */
  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException ignored) {
      // closing the channel below releases it anyway
    }
    closeQuietly(channel);
    HELD_HERE.remove(key);
  }
}
