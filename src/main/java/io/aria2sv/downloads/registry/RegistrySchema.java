package io.aria2sv.downloads.registry;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The registry's tables, created when missing and brought up to date when an earlier version wrote
 * them; and the connection settings (WAL, synchronous NORMAL, the busy timeout).
 */
final class RegistrySchema {
  private RegistrySchema() {}

  static void create(Connection c, int busyTimeoutMs) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      // NORMAL in WAL mode: a commit survives a crash of this process (kill -9); only a power cut
      // can lose the last commits.
      s.execute("PRAGMA synchronous=NORMAL");
      s.execute("PRAGMA busy_timeout=" + busyTimeoutMs);
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS downloads (
            id TEXT PRIMARY KEY, gid TEXT NOT NULL, batch_id TEXT, request TEXT NOT NULL,
            status TEXT NOT NULL, completed_length INTEGER NOT NULL, total_length INTEGER NOT NULL,
            error_code INTEGER, error_message TEXT, retry_count INTEGER NOT NULL, gids TEXT NOT NULL,
            path TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            files_deleted INTEGER NOT NULL DEFAULT 0)""");
      addColumnIfMissing(s, "downloads", "files_deleted", "INTEGER NOT NULL DEFAULT 0");
      addColumnIfMissing(s, "downloads", "completion", "TEXT");
      addColumnIfMissing(s, "downloads", "position", "INTEGER");
      addColumnIfMissing(s, "downloads", "seq", "INTEGER");
      addColumnIfMissing(s, "downloads", "cold", "INTEGER NOT NULL DEFAULT 0");
      numberInAddedOrder(s);
      // a batch's downloads in memory are found there; its cold ones by downloads_cold_batch
      s.execute("DROP INDEX IF EXISTS downloads_batch");
      s.execute("CREATE INDEX IF NOT EXISTS downloads_cold_gid ON downloads(gid) WHERE cold = 1");
      // the warm rows, loaded at start; the cold ones, read a page at a time (see ColdRows)
      s.execute("CREATE INDEX IF NOT EXISTS downloads_warm ON downloads(seq) WHERE cold = 0");
      s.execute("CREATE INDEX IF NOT EXISTS downloads_cold ON downloads(seq) WHERE cold = 1");
      s.execute(
          "CREATE INDEX IF NOT EXISTS downloads_cold_status ON downloads(status, seq) WHERE cold = 1");
      s.execute(
          // with what a batch's figures count: they are read from the index alone at start
          "CREATE INDEX IF NOT EXISTS downloads_cold_batch"
              + " ON downloads(batch_id, seq, status, completed_length, total_length)"
              + " WHERE cold = 1");
      s.execute(
          "CREATE INDEX IF NOT EXISTS downloads_cold_ended ON downloads(updated_at, id)"
              + " WHERE cold = 1 AND status IN ('COMPLETE', 'FAILED', 'REMOVED')");
      s.execute(
          "CREATE INDEX IF NOT EXISTS downloads_cold_queue ON downloads(position, id)"
              + " WHERE cold = 1 AND status IN ('WAITING', 'PAUSED')");
      s.execute(
          "CREATE INDEX IF NOT EXISTS downloads_cold_request"
              + " ON downloads(json_extract(request, '$.requestId')) WHERE cold = 1");
      s.execute(
          "CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, total INTEGER NOT NULL, created_at INTEGER NOT NULL)");
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS retry_history (
            download_id TEXT NOT NULL, at INTEGER NOT NULL, gid TEXT NOT NULL,
            error_code INTEGER, error_message TEXT)""");
      s.execute("CREATE INDEX IF NOT EXISTS retry_history_download ON retry_history(download_id)");
      s.execute("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)");
      // webhook messages, written with the transition they report; their delivery attempts
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS webhook_outbox (
            id TEXT PRIMARY KEY, endpoint TEXT NOT NULL, download_id TEXT NOT NULL,
            type TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, state TEXT NOT NULL,
            last_status INTEGER, last_error TEXT)""");
      s.execute("CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox(state, next_at)");
      s.execute(
          "CREATE INDEX IF NOT EXISTS webhook_outbox_download ON webhook_outbox(download_id)");
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS webhook_attempts (
            message_id TEXT NOT NULL, at INTEGER NOT NULL, status INTEGER NOT NULL, error TEXT,
            ms INTEGER NOT NULL)""");
      s.execute(
          "CREATE INDEX IF NOT EXISTS webhook_attempts_message ON webhook_attempts(message_id)");
    }
  }

  /**
   * Gives rows of an earlier version, which have no {@code seq}, their place in the order downloads
   * were added (by creation time, as that version listed them), after every numbered row.
   */
  private static void numberInAddedOrder(Statement s) throws SQLException {
    try (ResultSet r = s.executeQuery("PRAGMA user_version")) {
      if (r.next() && r.getInt(1) >= 1) {
        return;
      }
    }
    s.execute(
        """
        UPDATE downloads SET seq = n.seq FROM (
          SELECT id, (SELECT coalesce(max(seq), 0) FROM downloads)
            + row_number() OVER (ORDER BY created_at, id) AS seq
          FROM downloads WHERE seq IS NULL OR seq = 0) AS n
        WHERE downloads.id = n.id""");
    s.execute("PRAGMA user_version = 1");
  }

  /** Adds a column that a registry written by an earlier version does not have yet. */
  private static void addColumnIfMissing(
      Statement s, String table, String column, String definition) throws SQLException {
    try (ResultSet r = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (r.next()) {
        if (column.equals(r.getString("name"))) {
          return;
        }
      }
    }
    s.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition);
  }
}
