package io.aria2sv.downloads.request;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Keeps the paths a user names inside the download root: a directory may not climb out with {@code
 * ..}, name an absolute path elsewhere, or lead out through a symbolic link anywhere in its
 * existing part (checked on the real path, so it reads the file system: call it off the event
 * loop); a file name is one plain name. Failures name the field.
 */
public final class PathConfinement {
  private final Path root;
  private final String what;

  /** Confinement to {@code downloadRoot} (made absolute; it must exist for link checks). */
  public PathConfinement(Path downloadRoot) {
    this(downloadRoot, "download root");
  }

  /** Confinement to {@code root}, called {@code what} in messages (e.g. "finished root"). */
  public PathConfinement(Path root, String what) {
    this.root = root.toAbsolutePath().normalize();
    this.what = what;
  }

  /** The root, absolute. */
  public Path root() {
    return root;
  }

  /** A directory inside the root, returned relative to it ("" is the root). */
  public String dir(String value, String field) {
    if (value.length() > 1024
        || value.indexOf('\\') >= 0
        || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new ValidationException(
          field,
          "is not a usable directory name (no '\\', no control characters, at most 1024 characters)");
    }
    Path p;
    try {
      p = Path.of(value);
    } catch (InvalidPathException e) {
      throw new ValidationException(field, "is not a usable directory name");
    }
    for (Path part : p) {
      if (part.toString().equals("..")) {
        throw new ValidationException(field, "must not contain '..'");
      }
    }
    Path abs = (p.isAbsolute() ? p : root.resolve(p)).normalize();
    if (!abs.startsWith(root)) {
      throw new ValidationException(field, "must be inside the " + what);
    }
    ensureNoLinkEscape(abs, field);
    return root.relativize(abs).toString();
  }

  /**
   * Follows symbolic links of the existing part of {@code abs}: it must not lead out of the root.
   */
  private void ensureNoLinkEscape(Path abs, String field) {
    try {
      Path realRoot = root.toRealPath();
      Path existing = abs;
      while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
        existing = existing.getParent();
      }
      if (existing != null && !existing.toRealPath().startsWith(realRoot)) {
        throw new ValidationException(
            field, "leads out of the " + what + " through a symbolic link");
      }
    } catch (IOException e) {
      throw new ValidationException(field, "cannot be checked: " + e.getMessage());
    }
  }

  /** {@code value} as a plain file name: no '/', not '..', at most 255 characters. */
  public static String fileName(String value, String field) {
    if (value.isBlank()
        || value.length() > 255
        || value.equals(".")
        || value.equals("..")
        || value.indexOf('/') >= 0
        || value.indexOf('\\') >= 0
        || value.chars().anyMatch(c -> c < 0x20)) {
      throw new ValidationException(
          field, "must be a plain file name (no '/', not '..', at most 255 characters)");
    }
    return value;
  }
}
