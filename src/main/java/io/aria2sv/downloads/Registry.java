package io.aria2sv.downloads;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * The durable registry of downloads and batches: SQLite in WAL mode ({@code registry.db} in the
 * data dir). It keeps every download, finished and failed ones too, beyond aria2's own result
 * limit (until {@code downloads.keepEnded} after they ended, when that is set), and the history of
 * re-adds. Every method blocks: the downloads verticle calls them through
 * ordered {@code executeBlocking}, one at a time.
 */
final class Registry implements AutoCloseable {
  /** The file's name inside the data directory. */
  static final String FILE = "registry.db";

  private static final String UPSERT = """
      INSERT OR REPLACE INTO downloads (id, gid, batch_id, request, status, completed_length, total_length,
        error_code, error_message, retry_count, gids, path, created_at, updated_at, files_deleted)
      VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""";

  private final Connection db;
  /** Prepared once: every add and status change goes through it. */
  private final PreparedStatement upsert;

  private Registry(Connection db) throws SQLException {
    this.db = db;
    this.upsert = db.prepareStatement(UPSERT);
  }

  /** Opens (and creates, when new) the registry; the connection is closed again if that fails. */
  static Registry open(Path dataDir) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(FILE));
    try {
      createSchema(c);
      c.setAutoCommit(false);
      c.commit();
      return new Registry(c);
    } catch (SQLException e) {
      try {
        c.close();
      } catch (SQLException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  private static void createSchema(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      // NORMAL in WAL mode: a commit survives a crash of this process (kill -9); only a power cut
      // can lose the last commits.
      s.execute("PRAGMA synchronous=NORMAL");
      s.execute("PRAGMA busy_timeout=5000");
      s.execute("""
          CREATE TABLE IF NOT EXISTS downloads (
            id TEXT PRIMARY KEY, gid TEXT NOT NULL, batch_id TEXT, request TEXT NOT NULL,
            status TEXT NOT NULL, completed_length INTEGER NOT NULL, total_length INTEGER NOT NULL,
            error_code INTEGER, error_message TEXT, retry_count INTEGER NOT NULL, gids TEXT NOT NULL,
            path TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            files_deleted INTEGER NOT NULL DEFAULT 0)""");
      addColumnIfMissing(s, "downloads", "files_deleted", "INTEGER NOT NULL DEFAULT 0");
      s.execute("CREATE INDEX IF NOT EXISTS downloads_batch ON downloads(batch_id)");
      s.execute("CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, total INTEGER NOT NULL, created_at INTEGER NOT NULL)");
      s.execute("""
          CREATE TABLE IF NOT EXISTS retry_history (
            download_id TEXT NOT NULL, at INTEGER NOT NULL, gid TEXT NOT NULL,
            error_code INTEGER, error_message TEXT)""");
    }
  }

  /** Adds a column that a registry written by an earlier version does not have yet. */
  private static void addColumnIfMissing(Statement s, String table, String column, String definition) throws SQLException {
    try (ResultSet r = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (r.next()) {
        if (column.equals(r.getString("name"))) {
          return;
        }
      }
    }
    s.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition);
  }

  /** Every download, oldest first. */
  List<Download> loadAll() throws SQLException {
    List<Download> out = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT * FROM downloads ORDER BY created_at, id")) {
      while (r.next()) {
        DownloadRequest req = DownloadRequest.fromJson(new JsonObject(r.getString("request")));
        JsonArray gids = new JsonArray(r.getString("gids"));
        Download d = new Download(r.getString("id"), r.getString("batch_id"), req, r.getLong("created_at"),
            gids.getString(0), DownloadStatus.valueOf(r.getString("status")));
        for (int i = 1; i < gids.size(); i++) {
          d.gids.add(gids.getString(i));
        }
        d.gid = r.getString("gid");
        d.completedLength = r.getLong("completed_length");
        d.totalLength = r.getLong("total_length");
        int code = r.getInt("error_code");
        d.errorCode = r.wasNull() ? null : code;
        d.errorMessage = r.getString("error_message");
        d.retryCount = r.getInt("retry_count");
        d.path = r.getString("path");
        d.updatedAt = r.getLong("updated_at");
        d.filesDeleted = r.getInt("files_deleted") != 0;
        out.add(d);
      }
    }
    return out;
  }

  /** Batch ids with their totals. */
  List<JsonObject> loadBatches() throws SQLException {
    List<JsonObject> out = new ArrayList<>();
    try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT * FROM batches")) {
      while (r.next()) {
        out.add(new JsonObject().put("id", r.getString("id")).put("total", r.getInt("total")).put("createdAt", r.getLong("created_at")));
      }
    }
    return out;
  }

  /** Work done inside one transaction. */
  private interface Work {
    void run() throws SQLException;
  }

  /** Runs {@code work} and commits, or rolls back and rethrows. */
  private void inTransaction(Work work) throws SQLException {
    try {
      work.run();
      db.commit();
    } catch (SQLException e) {
      db.rollback();
      throw e;
    }
  }

  /** Inserts or replaces downloads (and optionally a batch) in one transaction. */
  void save(List<Snapshot> downloads, JsonObject newBatch) throws SQLException {
    inTransaction(() -> {
      if (newBatch != null) {
        try (PreparedStatement b = db.prepareStatement("INSERT INTO batches (id, total, created_at) VALUES (?,?,?)")) {
          b.setString(1, newBatch.getString("id"));
          b.setInt(2, newBatch.getInteger("total"));
          b.setLong(3, newBatch.getLong("createdAt"));
          b.executeUpdate();
        }
      }
      PreparedStatement p = upsert;
      try {
        for (Snapshot d : downloads) {
          p.setString(1, d.id());
          p.setString(2, d.gid());
          p.setString(3, d.batchId());
          p.setString(4, d.request());
          p.setString(5, d.status());
          p.setLong(6, d.completedLength());
          p.setLong(7, d.totalLength());
          if (d.errorCode() == null) {
            p.setNull(8, Types.INTEGER);
          } else {
            p.setInt(8, d.errorCode());
          }
          p.setString(9, d.errorMessage());
          p.setInt(10, d.retryCount());
          p.setString(11, d.gids());
          p.setString(12, d.path());
          p.setLong(13, d.createdAt());
          p.setLong(14, d.updatedAt());
          p.setInt(15, d.filesDeleted() ? 1 : 0);
          p.addBatch();
        }
        p.executeBatch();
      } finally {
        p.clearBatch();
      }
    });
  }

  /** Deletes downloads (and their batch, when given) in one transaction. */
  void delete(List<String> ids, String batchId) throws SQLException {
    inTransaction(() -> {
      for (String sql : new String[] {"DELETE FROM downloads WHERE id = ?", "DELETE FROM retry_history WHERE download_id = ?"}) {
        try (PreparedStatement p = db.prepareStatement(sql)) {
          for (String id : ids) {
            p.setString(1, id);
            p.addBatch();
          }
          p.executeBatch();
        }
      }
      if (batchId != null) {
        try (PreparedStatement b = db.prepareStatement("DELETE FROM batches WHERE id = ?")) {
          b.setString(1, batchId);
          b.executeUpdate();
        }
      }
    });
  }

  void recordRetry(String downloadId, String gid, Integer errorCode, String errorMessage, long at) throws SQLException {
    inTransaction(() -> {
      try (PreparedStatement p = db.prepareStatement(
          "INSERT INTO retry_history (download_id, at, gid, error_code, error_message) VALUES (?,?,?,?,?)")) {
        p.setString(1, downloadId);
        p.setLong(2, at);
        p.setString(3, gid);
        if (errorCode == null) {
          p.setNull(4, Types.INTEGER);
        } else {
          p.setInt(4, errorCode);
        }
        p.setString(5, errorMessage);
        p.executeUpdate();
      }
    });
  }

  @Override
  public void close() throws SQLException {
    upsert.close();
    db.close();
  }

  /**
   * An immutable copy of a download taken on the event loop, so the worker that writes it never
   * reads state the event loop is changing.
   */
  record Snapshot(String id, String gid, String batchId, String request, String status, long completedLength,
      long totalLength, Integer errorCode, String errorMessage, int retryCount, String gids, String path,
      long createdAt, long updatedAt, boolean filesDeleted) {
    static Snapshot of(Download d) {
      return new Snapshot(d.id, d.gid, d.batchId, d.request.toJson().encode(), d.status.name(), d.completedLength,
          d.totalLength, d.errorCode, d.errorMessage, d.retryCount, new JsonArray(new ArrayList<>(d.gids)).encode(),
          d.path, d.createdAt, d.updatedAt, d.filesDeleted);
    }
  }
}
