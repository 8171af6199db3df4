package io.aria2sv.downloads.registry;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Why the registry cannot write, in words for the operator: each cause names the registry file and
 * so its data directory, and carries the {@link ErrorCode} a refused request gets (507 for a full
 * disk, 503 otherwise). Built from what SQLite or the file system reported.
 */
public final class RegistryFault extends ServiceException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, coarse enough that a change of condition is worth one log line. */
  enum Cause {
    DISK_FULL("the registry's disk is full"),
    READ_ONLY("the registry's file system or file is read-only"),
    LOCKED("the registry is locked by another process"),
    GONE("the registry's file was deleted under the running supervisor"),
    REPLACED(
        "the registry's file was replaced under the running supervisor; restart the supervisor to use the new file"),
    IO_ERROR("the registry cannot write (I/O error)");

    private final String words;

    Cause(String words) {
      this.words = words;
    }
  }

  private final transient Cause cause;

  private RegistryFault(Cause cause, Path file, String detail) {
    super(
        cause == Cause.DISK_FULL ? ErrorCode.STORAGE_FULL : ErrorCode.STORAGE_UNAVAILABLE,
        cause.words
            + ": cannot write "
            + file
            + " in data directory "
            + file.getParent()
            + (detail == null || detail.isBlank() ? "" : " (" + detail + ")"));
    this.cause = cause;
  }

  Cause kind() {
    return cause;
  }

  static RegistryFault of(Cause cause, Path file, String detail) {
    return new RegistryFault(cause, file, detail);
  }

  /** The fault behind {@code err}, a failure of a write to {@code file}. */
  static RegistryFault classify(Throwable err, Path file) {
    if (err instanceof RegistryFault f) {
      return f;
    }
    if (err instanceof SQLException e) {
      String text = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      // sqlite-jdbc reports the primary result code, or an extended one whose low byte is it.
      Cause c =
          switch (e.getErrorCode() & 0xff) {
            case 13 -> Cause.DISK_FULL;
            case 8 -> Cause.READ_ONLY;
            case 5, 6 -> Cause.LOCKED;
            default ->
                text.contains("disk is full") || text.contains("no space")
                    ? Cause.DISK_FULL
                    : text.contains("readonly") || text.contains("read-only")
                        ? Cause.READ_ONLY
                        : Cause.IO_ERROR;
          };
      return new RegistryFault(c, file, sqliteWords(e.getMessage()));
    }
    if (err instanceof AccessDeniedException) {
      return new RegistryFault(Cause.READ_ONLY, file, "permission denied");
    }
    if (err instanceof FileSystemException e && e.getReason() != null) {
      String reason = e.getReason().toLowerCase(Locale.ROOT);
      Cause c =
          reason.contains("no space")
              ? Cause.DISK_FULL
              : reason.contains("read-only") ? Cause.READ_ONLY : Cause.IO_ERROR;
      return new RegistryFault(c, file, e.getReason());
    }
    if (err instanceof IOException e) {
      return new RegistryFault(Cause.IO_ERROR, file, e.getMessage());
    }
    return new RegistryFault(Cause.IO_ERROR, file, String.valueOf(err.getMessage()));
  }

  /** SQLite's own words without the driver's "[SQLITE_FULL] …" prefix and repetition. */
  private static String sqliteWords(String message) {
    if (message == null) {
      return null;
    }
    int open = message.lastIndexOf('(');
    int close = message.lastIndexOf(')');
    return open >= 0 && close > open
        ? message.substring(open + 1, close)
        : message.replaceFirst("^\\[[A-Z_]+\\]\\s*", "");
  }
}
