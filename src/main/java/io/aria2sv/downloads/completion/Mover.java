package io.aria2sv.downloads.completion;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Moves a finished download (a file, or a torrent's directory) into a directory of the finished
 * root so that a kill at any moment leaves, once the move is run again, exactly one whole copy at
 * the destination and nothing half-made: on one file system one rename; across file systems a copy
 * to a hidden {@code .NAME.aria2sv-part} beside the destination, each file forced to disk, one
 * rename into place, the directory forced, then the source deleted. Running a move again after a
 * crash finishes it: a destination in place means the copy was whole (only the source may be left
 * to delete); a part file is thrown away and the copy starts over. Blocking.
 */
public final class Mover {
  /** The suffix of a copy under way. */
  public static final String PART = ".aria2sv-part";

  private Mover() {}

  /**
   * The path {@code source} will have in {@code targetDir}: its own name, or when that is taken
   * {@code "name (1).ext"}, {@code "name (2).ext"}, … (never an overwrite).
   */
  public static Path plan(Path source, Path targetDir) {
    String name = source.getFileName().toString();
    Path candidate = targetDir.resolve(name);
    int dot = Files.isDirectory(source) ? -1 : name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    String ext = dot > 0 ? name.substring(dot) : "";
    for (int n = 1; Files.exists(candidate, LinkOption.NOFOLLOW_LINKS); n++) {
      candidate = targetDir.resolve(stem + " (" + n + ")" + ext);
    }
    return candidate;
  }

  /**
   * Moves {@code source} to {@code target} (planned by {@link #plan}), or finishes a move an
   * earlier run began.
   *
   * @throws IOException when it cannot (the source stays, no part file is left)
   */
  public static void move(Path source, Path target) throws IOException {
    Path part = target.resolveSibling("." + target.getFileName() + PART);
    boolean sourceThere = Files.exists(source, LinkOption.NOFOLLOW_LINKS);
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      // renamed into place whole by an earlier run: what may be left is the source
      deleteTree(part);
      if (sourceThere) {
        deleteTree(source);
      }
      return;
    }
    if (!sourceThere) {
      deleteTree(part);
      throw new IOException(source + " is gone: nothing to move");
    }
    Files.createDirectories(target.getParent());
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
      force(target.getParent());
      return;
    } catch (AtomicMoveNotSupportedException e) {
      // another file system: copy, then rename the whole copy into place
    }
    deleteTree(part);
    try {
      copyTree(source, part);
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
      force(target.getParent());
    } catch (IOException e) {
      deleteTree(part);
      throw e;
    }
    deleteTree(source);
  }

  private static void copyTree(Path source, Path part) throws IOException {
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.createDirectory(part.resolve(source.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (!attrs.isRegularFile()) {
              throw new IOException(file + " is not a regular file: refusing to move it");
            }
            Path to = source.equals(file) ? part : part.resolve(source.relativize(file).toString());
            try {
              Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES);
            } catch (FileAlreadyExistsException e) {
              throw new IOException(to + " appeared during the copy", e);
            }
            try (FileChannel c = FileChannel.open(to, StandardOpenOption.WRITE)) {
              c.force(true);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            force(part.resolve(source.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Forces a directory's entries to disk (a rename in it survives a power cut). */
  private static void force(Path dir) {
    try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
      c.force(true);
    } catch (IOException e) {
      // some file systems cannot open a directory this way; the rename itself stands
    }
  }

  /** Deletes a file or a directory with all it holds; nothing when absent. */
  public static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(p);
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
