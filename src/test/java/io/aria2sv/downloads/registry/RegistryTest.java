package io.aria2sv.downloads.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.downloads.request.DownloadRequest;
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

  private static StoredDownload download(String id, String status, boolean filesDeleted) {
    String request =
        new DownloadRequest(List.of("http://127.0.0.1:9/" + id), "", id + ".bin", Map.of(), null)
            .toJson()
            .encode();
    return new StoredDownload(
        id,
        "00000000000000a1",
        null,
        request,
        status,
        0,
        0,
        null,
        null,
        0,
        "[\"00000000000000a1\"]",
        null,
        1_000L,
        1_000L,
        filesDeleted,
        null,
        1L << 20,
        0);
  }

  @Test
  void aRemovalWithItsFilesIsKeptAcrossAReopen() throws Exception {
    StoredDownload removed = download("d1", "REMOVED", true);
    StoredDownload kept = download("d2", "ACTIVE", false);
    try (Registry registry = Registry.open(dataDir)) {
      registry.write(List.of(new Registry.Save(removed), new Registry.Save(kept)));
    }

    try (Registry registry = Registry.open(dataDir)) {
      List<StoredDownload> loaded = registry.loadAll();

      assertThat(loaded).containsExactly(removed, kept);
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
      List<StoredDownload> loaded = registry.loadAll();
      assertThat(loaded).hasSize(1);
      StoredDownload d0 = loaded.get(0);
      assertThat(d0.id()).isEqualTo("d0");
      assertThat(d0.completedLength()).isEqualTo(5);
      assertThat(d0.filesDeleted()).isFalse();

      registry.write(
          List.of(
              new Registry.Save(
                  new StoredDownload(
                      d0.id(),
                      d0.gid(),
                      d0.batchId(),
                      d0.request(),
                      d0.status(),
                      d0.completedLength(),
                      d0.totalLength(),
                      d0.errorCode(),
                      d0.errorMessage(),
                      d0.retryCount(),
                      d0.gids(),
                      d0.path(),
                      d0.createdAt(),
                      d0.updatedAt(),
                      true,
                      null,
                      d0.position(),
                      d0.seq()))));
    }
    try (Registry registry = Registry.open(dataDir)) {
      assertThat(registry.loadAll().get(0).filesDeleted()).isTrue();
    }
  }

  @Test
  void forgettingADownloadDropsItsDeliveredWebhookMessagesButKeepsOneStillDue() throws Exception {
    try (Registry registry = Registry.open(dataDir)) {
      registry.write(
          List.of(
              new Registry.Save(download("d1", "COMPLETE", false)),
              new Registry.Enqueue("msg_a", "hook", "d1", "download.complete", "{}", 1_000L),
              new Registry.Enqueue("msg_b", "hook", "d1", "download.completion", "{}", 1_000L),
              new Registry.Attempted("msg_a", 1_001L, 204, null, 3, "delivered", 1_001L)));
      registry.write(List.of(new Registry.Delete("d1")));
    }
    try (Outbox outbox = Outbox.open(dataDir)) {
      assertThat(outbox.state("msg_a")).isNull();
      assertThat(outbox.state("msg_b")).isEqualTo("pending");
      assertThat(outbox.due(2_000L, 10)).extracting(Outbox.Message::id).containsExactly("msg_b");
    }
  }
}
