package io.aria2sv.downloads.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.bus.ErrorCode;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What SQLite and the file system report becomes one cause, one status and words for the operator.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RegistryFaultClassifyTest {
  private static final Path FILE = Path.of("/var/lib/aria2sv/registry.db");

  private static RegistryFault sqlite(int code, String message) {
    return RegistryFault.classify(new SQLException(message, null, code), FILE);
  }

  @Test
  void aFullDiskIs507AndNamesTheDataDirectory() {
    RegistryFault f =
        sqlite(
            13,
            "[SQLITE_FULL] Insertion failed because database is full (database or disk is full)");
    assertThat(f.kind()).isEqualTo(RegistryFault.Cause.DISK_FULL);
    assertThat(f.code()).isEqualTo(ErrorCode.STORAGE_FULL);
    assertThat(f.code().httpStatus()).isEqualTo(507);
    assertThat(f.getMessage())
        .isEqualTo(
            "the registry's disk is full: cannot write /var/lib/aria2sv/registry.db"
                + " in data directory /var/lib/aria2sv (database or disk is full)");
  }

  @Test
  void readOnlyLockedAndIoErrorsAre503WithTheirCause() {
    assertThat(sqlite(8, "[SQLITE_READONLY] attempt to write a readonly database").kind())
        .isEqualTo(RegistryFault.Cause.READ_ONLY);
    assertThat(sqlite(8 | (3 << 8), "[SQLITE_READONLY_DBMOVED] (database moved)").kind())
        .isEqualTo(RegistryFault.Cause.READ_ONLY);
    assertThat(sqlite(5, "[SQLITE_BUSY] The database file is locked (database is locked)").kind())
        .isEqualTo(RegistryFault.Cause.LOCKED);
    assertThat(sqlite(6, "[SQLITE_LOCKED] (database table is locked)").kind())
        .isEqualTo(RegistryFault.Cause.LOCKED);
    RegistryFault io =
        sqlite(10, "[SQLITE_IOERR] Some kind of disk I/O error occurred (disk I/O error)");
    assertThat(io.kind()).isEqualTo(RegistryFault.Cause.IO_ERROR);
    assertThat(io.code()).isEqualTo(ErrorCode.STORAGE_UNAVAILABLE);
    assertThat(io.code().httpStatus()).isEqualTo(503);
    assertThat(io.getMessage()).contains("(disk I/O error)").doesNotContain("SQLITE_");
  }

  @Test
  void fileSystemRefusalsAreClassifiedByTheirReason() {
    assertThat(
            RegistryFault.classify(
                    new FileSystemException("x", null, "No space left on device"), FILE)
                .kind())
        .isEqualTo(RegistryFault.Cause.DISK_FULL);
    assertThat(
            RegistryFault.classify(
                    new FileSystemException("x", null, "Read-only file system"), FILE)
                .kind())
        .isEqualTo(RegistryFault.Cause.READ_ONLY);
    assertThat(RegistryFault.classify(new AccessDeniedException("x"), FILE).kind())
        .isEqualTo(RegistryFault.Cause.READ_ONLY);
  }

  @Test
  void aFaultAlreadyClassifiedStaysAsItIs() {
    RegistryFault gone = RegistryFault.of(RegistryFault.Cause.GONE, FILE, null);
    assertThat(RegistryFault.classify(gone, FILE)).isSameAs(gone);
    assertThat(gone.getMessage())
        .isEqualTo(
            "the registry's file was deleted under the running supervisor:"
                + " cannot write /var/lib/aria2sv/registry.db in data directory /var/lib/aria2sv");
  }
}
