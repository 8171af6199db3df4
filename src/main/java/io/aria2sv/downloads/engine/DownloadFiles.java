package io.aria2sv.downloads.engine;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Deletes what downloads wrote, and only inside the download root: every path is resolved to its
 * real location (symbolic links followed) and checked against the root's before it goes. Runs on
 * workers; never on the event loop.
 */
final class DownloadFiles {
  private final Vertx vertx;
  private final Path root;

  DownloadFiles(Vertx vertx, Path root) {
    this.vertx = vertx;
    this.root = root;
  }

  /**
   * The file {@code d} writes and its control file, once known (from aria2, or from {@code out}).
   */
  List<Path> of(Download d) {
    Path main = mainFile(root, d);
    return main == null ? List.of() : List.of(main, Path.of(main + ".aria2"));
  }

  /**
   * The file {@code d} writes under {@code root}, once known (from aria2, or from {@code out});
   * else null.
   */
  static Path mainFile(Path root, Download d) {
    return d.path != null
        ? Path.of(d.path)
        : d.request.out() != null ? root.resolve(d.request.dir()).resolve(d.request.out()) : null;
  }

  /** Deletes files, each only if its real location is inside the download root. */
  Future<Void> delete(List<Path> files) {
    return vertx.executeBlocking(
        () -> {
          for (Path f : files) {
            if (!Files.exists(f)) {
              continue;
            }
            Path real = realPathInside(root, f);
            if (real == null) {
              throw new IOException("refusing to delete " + f + ": outside the download root");
            }
            Files.delete(real);
          }
          return null;
        },
        false);
  }

  /**
   * Deletes {@code file} if it is a partial file this download left behind: a regular file inside
   * the root, last written at or after {@code notBefore} (epoch ms), that is after the download was
   * requested. A file that was there before is the user's and stays. With {@code withControlFile}
   * its control file goes too; without, a file that has one is left alone.
   *
   * @return whether it was deleted
   */
  Future<Boolean> deleteOwnPartialFile(Path file, long notBefore, boolean withControlFile) {
    return vertx.executeBlocking(
        () -> {
          Path control = Path.of(file + ".aria2");
          if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
              || (!withControlFile && Files.exists(control))) {
            return false;
          }
          Path real = realPathInside(root, file);
          if (real == null || Files.getLastModifiedTime(real).toMillis() < notBefore) {
            return false;
          }
          Files.delete(real);
          Path realControl =
              Files.isRegularFile(control, LinkOption.NOFOLLOW_LINKS)
                  ? realPathInside(root, control)
                  : null;
          if (realControl != null) {
            Files.delete(realControl);
          }
          return true;
        },
        false);
  }

  /** The real location of an existing {@code file} if it lies below {@code root}'s, else null. */
  private static Path realPathInside(Path root, Path file) throws IOException {
    Path realRoot = root.toRealPath();
    Path real = file.toRealPath();
    return real.startsWith(realRoot) && !real.equals(realRoot) ? real : null;
  }
}
