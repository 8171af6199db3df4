package io.aria2sv.downloads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite registry on its own: what it keeps across a reopen, and registries of earlier
 * versions.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RegistryTest {
  @TempDir Path dataDir;

  private static Download download(String id) {
    DownloadRequest request =
        new DownloadRequest(List.of("http://127.0.0.1:9/" + id), "", id + ".bin", Map.of(), null);
    return new Download(id, null, request, 1_000L, "00000000000000a1", DownloadStatus.ACTIVE);
  }

  @Test
  void aRemovalWithItsFilesIsKeptAcrossAReopen() throws Exception {
    Download removed = download("d1");
    removed.status = DownloadStatus.REMOVED;
    removed.filesDeleted = true;
    Download kept = download("d2");
    try (Registry registry = Registry.open(dataDir)) {
      registry.write(
          List.of(
              new Registry.Save(Registry.Snapshot.of(removed)),
              new Registry.Save(Registry.Snapshot.of(kept))));
    }

    try (Registry registry = Registry.open(dataDir)) {
      List<Download> loaded = registry.loadAll();

      assertThat(loaded)
          .extracting(d -> d.id, d -> d.status, d -> d.filesDeleted)
          .containsExactly(
              tuple("d1", DownloadStatus.REMOVED, true), tuple("d2", DownloadStatus.ACTIVE, false));
    }
  }

  @Test
  void aRegistryWrittenBeforeFilesDeletedExistedOpensWithItsDownloadsAndGainsTheColumn()
      throws Exception {
    // The downloads table as the first release created it
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(Registry.FILE));
        Statement s = c.createStatement()) {
      s.execute(
          """
          CREATE TABLE downloads (
            id TEXT PRIMARY KEY, gid TEXT NOT NULL, batch_id TEXT, request TEXT NOT NULL,
            status TEXT NOT NULL, completed_length INTEGER NOT NULL, total_length INTEGER NOT NULL,
            error_code INTEGER, error_message TEXT, retry_count INTEGER NOT NULL, gids TEXT NOT NULL,
            path TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)""");
      s.execute(
          "INSERT INTO downloads VALUES ('d0', '00000000000000b2', NULL, '{\"uris\":[\"http://127.0.0.1:9/x\"],\"dir\":\"\"}',"
              + " 'REMOVED', 5, 10, NULL, NULL, 0, '[\"00000000000000b2\"]', NULL, 1, 2)");
    }

    try (Registry registry = Registry.open(dataDir)) {
      List<Download> loaded = registry.loadAll();
      assertThat(loaded).hasSize(1);
      assertThat(loaded.get(0).id).isEqualTo("d0");
      assertThat(loaded.get(0).completedLength).isEqualTo(5);
      assertThat(loaded.get(0).filesDeleted).isFalse();

      loaded.get(0).filesDeleted = true;
      registry.write(List.of(new Registry.Save(Registry.Snapshot.of(loaded.get(0)))));
    }
    try (Registry registry = Registry.open(dataDir)) {
      assertThat(registry.loadAll().get(0).filesDeleted).isTrue();
    }
  }
}
