package io.aria2sv.downloads.registry;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The durable registry of downloads and batches: SQLite in WAL mode ({@code registry.db} in the
 * data dir). It keeps every download, finished and failed ones too, beyond aria2's own result limit
 * (until {@code downloads.keepEnded} after they ended, when that is set), and the history of
 * re-adds. Every method blocks: {@link RegistryStore} calls them through ordered {@code
 * executeBlocking}, one at a time.
 *
 * <p>A failed transaction leaves the connection in a state that cannot be trusted (after {@code
 * SQLITE_FULL} SQLite has rolled back on its own, and the driver then fails every later commit), so
 * after any failure the store {@link #reopen() reopens} before writing again. Each write first
 * checks that the file it has open is still the one at its path.
 */
public final class Registry implements AutoCloseable {
  /** The file's name inside the data directory. */
  public static final String FILE = "registry.db";

  private static final String UPSERT =
      """
      INSERT OR REPLACE INTO downloads (id, gid, batch_id, request, status, completed_length, total_length,
        error_code, error_message, retry_count, gids, path, created_at, updated_at, files_deleted,
        completion, position, seq, cold)
      VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""";

  /**
   * How long a write waits for another process's lock before it fails as locked: short, because
   * queued adds wait behind it.
   */
  private static final int BUSY_TIMEOUT_MS = 2000;

  /** One change inside a transaction. */
  public sealed interface Write
      permits Save,
          Cool,
          Renumber,
          InsertBatch,
          Delete,
          DeleteBatch,
          RecordRetry,
          Enqueue,
          Attempted,
          Redeliver {}

  /**
   * A webhook message into the outbox, due at once: {@code id} is its {@code webhook-id}, the same
   * for every attempt.
   */
  public record Enqueue(
      String id, String endpoint, String downloadId, String type, String body, long createdAt)
      implements Write {}

  /**
   * An attempt to deliver message {@code id}: its outcome ({@code status} 0 when no answer came),
   * and the message's state after it ({@code pending} with {@code nextAt}, {@code delivered},
   * {@code stopped} by a 410, or {@code failed} when the schedule ended).
   */
  public record Attempted(
      String id, long at, int status, String error, long ms, String state, long nextAt)
      implements Write {}

  /** Message {@code id} is due again at {@code at} (a redelivery asked for). */
  public record Redeliver(String id, long at) implements Write {}

  /**
   * Inserts or replaces a download; {@code cold}: one the engine does not hold (a queued download
   * beyond what it keeps in memory; see {@link ColdRows}).
   */
  public record Save(StoredDownload download, boolean cold) implements Write {
    /** A download the engine holds. */
    public Save(StoredDownload download) {
      this(download, false);
    }
  }

  /**
   * Marks ended downloads cold: their rows, as the saves before this one left them, are all there
   * is of them from now on (the engine no longer holds them). A later save of one makes it warm
   * again.
   */
  public record Cool(List<String> ids) implements Write {}

  /**
   * Numbers every waiting and paused download afresh, {@code step} apart, in the order of their
   * positions (cold ones included).
   */
  public record Renumber(long step) implements Write {}

  /** Inserts a batch row. */
  public record InsertBatch(String id, int total, long createdAt) implements Write {}

  /**
   * Deletes a download, its retry history and its webhook messages that are no longer due (with
   * their attempts).
   */
  public record Delete(String id) implements Write {}

  /** Deletes a batch row. */
  public record DeleteBatch(String id) implements Write {}

  /** Appends to a download's retry history. */
  public record RecordRetry(
      String downloadId, String gid, Integer errorCode, String errorMessage, long at)
      implements Write {}

  private final Path file;
  private Connection db;

  /** Prepared once per connection: every add and status change goes through it. */
  private PreparedStatement upsert;

  /** The identity of the file this connection has open (device and inode). */
  private Object fileKey;

  private Registry(Path file) {
    this.file = file;
  }

  /** Opens (and creates, when new) the registry; the connection is closed again if that fails. */
  static Registry open(Path dataDir) throws SQLException, IOException {
    Registry r = new Registry(dataDir.resolve(FILE));
    r.connect();
    return r;
  }

  Path file() {
    return file;
  }

  private void connect() throws SQLException, IOException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
    try {
      RegistrySchema.create(c, BUSY_TIMEOUT_MS);
      c.setAutoCommit(false);
      c.commit();
      upsert = c.prepareStatement(UPSERT);
      db = c;
      fileKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    } catch (SQLException | IOException e) {
      closeQuietly(c, e);
      throw e;
    }
  }

  /** Every download, in the order they were added. */
  List<StoredDownload> loadAll() throws SQLException {
    return rows("SELECT * FROM downloads ORDER BY seq, created_at, id");
  }

  /** The downloads that are not cold, in the order they were added. */
  List<StoredDownload> loadWarm() throws SQLException {
    return rows("SELECT * FROM downloads WHERE cold = 0 ORDER BY seq");
  }

  /** The rows {@code sql} selects from {@code downloads}, with {@code args} bound in order. */
  List<StoredDownload> rows(String sql, Object... args) throws SQLException {
    List<StoredDownload> out = new ArrayList<>();
    try (PreparedStatement s = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(row(r));
        }
      }
    }
    return out;
  }

  /** The open connection, for the queries of {@link ColdRows}; used by one thread at a time. */
  Connection connection() {
    return db;
  }

  private static StoredDownload row(ResultSet r) throws SQLException {
    int code = r.getInt("error_code");
    Integer errorCode = r.wasNull() ? null : code;
    return new StoredDownload(
        r.getString("id"),
        r.getString("gid"),
        r.getString("batch_id"),
        r.getString("request"),
        r.getString("status"),
        r.getLong("completed_length"),
        r.getLong("total_length"),
        errorCode,
        r.getString("error_message"),
        r.getInt("retry_count"),
        r.getString("gids"),
        r.getString("path"),
        r.getLong("created_at"),
        r.getLong("updated_at"),
        r.getInt("files_deleted") != 0,
        r.getString("completion"),
        position(r),
        r.getLong("seq"));
  }

  /** The failed attempts of the downloads that are not cold, oldest first. */
  List<RecordRetry> loadWarmRetries() throws SQLException {
    return retries(
        "SELECT * FROM retry_history WHERE download_id IN (SELECT id FROM downloads WHERE cold = 0)"
            + " ORDER BY at, rowid");
  }

  /** The failed attempts of download {@code id}, oldest first. */
  public List<RecordRetry> retriesOf(String id) throws SQLException {
    return retries("SELECT * FROM retry_history WHERE download_id = ? ORDER BY at, rowid", id);
  }

  /** The failed attempts of the downloads {@code ids}, oldest first, by download. */
  public java.util.Map<String, List<RecordRetry>> retriesOf(List<String> ids) throws SQLException {
    java.util.Map<String, List<RecordRetry>> out = new java.util.HashMap<>();
    for (int from = 0; from < ids.size(); from += 500) {
      List<String> part = ids.subList(from, Math.min(ids.size(), from + 500));
      String marks = String.join(",", java.util.Collections.nCopies(part.size(), "?"));
      for (RecordRetry r :
          retries(
              "SELECT * FROM retry_history WHERE download_id IN (" + marks + ") ORDER BY at, rowid",
              part.toArray())) {
        out.computeIfAbsent(r.downloadId(), k -> new ArrayList<>()).add(r);
      }
    }
    return out;
  }

  private List<RecordRetry> retries(String sql, Object... args) throws SQLException {
    List<RecordRetry> out = new ArrayList<>();
    try (PreparedStatement s = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          int code = r.getInt("error_code");
          Integer errorCode = r.wasNull() ? null : code;
          out.add(
              new RecordRetry(
                  r.getString("download_id"),
                  r.getString("gid"),
                  errorCode,
                  r.getString("error_message"),
                  r.getLong("at")));
        }
      }
    }
    return out;
  }

  /** Batch ids with their totals. */
  List<JsonObject> loadBatches() throws SQLException {
    List<JsonObject> out = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT * FROM batches")) {
      while (r.next()) {
        out.add(
            new JsonObject()
                .put("id", r.getString("id"))
                .put("total", r.getInt("total"))
                .put("createdAt", r.getLong("created_at")));
      }
    }
    return out;
  }

  /**
   * Applies {@code writes} in order in one transaction, or none of them. Runs of consecutive saves
   * go to SQLite as one statement batch.
   *
   * @throws RegistryFault when the file at the registry's path is no longer the one open
   */
  void write(List<? extends Write> writes) throws SQLException, IOException {
    write(writes, false);
  }

  /**
   * As {@link #write(List)}; with {@code probe}, the transaction also replaces the one row of
   * {@code probe}, so that it changes the file even when {@code writes} change nothing (a delete of
   * a row that is not there writes no page, and so proves nothing about the disk).
   */
  void write(List<? extends Write> writes, boolean probe) throws SQLException, IOException {
    checkSameFile();
    try {
      if (probe) {
        try (PreparedStatement p =
            db.prepareStatement("INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)")) {
          p.setLong(1, System.currentTimeMillis());
          p.executeUpdate();
        }
      }
      int saves = 0;
      for (Write w : writes) {
        if (w instanceof Save s) {
          bind(s.download());
          upsert.setInt(19, s.cold() ? 1 : 0);
          upsert.addBatch();
          saves++;
          continue;
        }
        if (saves > 0) {
          upsert.executeBatch();
          saves = 0;
        }
        apply(w);
      }
      if (saves > 0) {
        upsert.executeBatch();
      }
      db.commit();
    } catch (SQLException e) {
      try {
        upsert.clearBatch();
        db.rollback();
      } catch (SQLException rollback) {
        // SQLite may have rolled back on its own already; the store reopens before the next write
        e.addSuppressed(rollback);
      }
      throw e;
    }
  }

  /**
   * Closes the connection and opens the file at the registry's path again (creating it, with its
   * schema, when it was deleted).
   */
  void reopen() throws SQLException, IOException {
    closeConnection();
    connect();
  }

  /**
   * After the file was deleted under it: copies what this connection still reads (the deleted file,
   * cold rows included) to the registry's path, before {@link #reopen} opens it there.
   *
   * @throws SQLException when it cannot (the engine then writes what it holds into a new file)
   */
  void salvage() throws SQLException {
    if (db == null) {
      throw new SQLException("no connection to copy from");
    }
    db.rollback();
    db.setAutoCommit(true);
    try (PreparedStatement s = db.prepareStatement("VACUUM INTO ?")) {
      s.setString(1, file.toString());
      s.execute();
    } finally {
      db.setAutoCommit(false);
    }
  }

  /** Fails when the registry's path now holds no file or another file than the one open. */
  void checkSameFile() throws IOException {
    Object now;
    try {
      now = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      throw RegistryFault.of(RegistryFault.Cause.GONE, file, null);
    }
    if (!Objects.equals(now, fileKey)) {
      throw RegistryFault.of(RegistryFault.Cause.REPLACED, file, null);
    }
  }

  private void apply(Write w) throws SQLException {
    if (w instanceof InsertBatch b) {
      try (PreparedStatement p =
          db.prepareStatement(
              "INSERT OR REPLACE INTO batches (id, total, created_at) VALUES (?,?,?)")) {
        p.setString(1, b.id());
        p.setInt(2, b.total());
        p.setLong(3, b.createdAt());
        p.executeUpdate();
      }
    } else if (w instanceof Delete d) {
      for (String sql :
          new String[] {
            "DELETE FROM downloads WHERE id = ?",
            "DELETE FROM retry_history WHERE download_id = ?",
            // its webhook messages that are done with, and their attempts; one still due stays
            "DELETE FROM webhook_attempts WHERE message_id IN (SELECT id FROM webhook_outbox"
                + " WHERE download_id = ? AND state <> 'pending')",
            "DELETE FROM webhook_outbox WHERE download_id = ? AND state <> 'pending'"
          }) {
        try (PreparedStatement p = db.prepareStatement(sql)) {
          p.setString(1, d.id());
          p.executeUpdate();
        }
      }
    } else if (w instanceof Cool c) {
      try (PreparedStatement p =
          db.prepareStatement("UPDATE downloads SET cold = 1 WHERE id = ?")) {
        for (String id : c.ids()) {
          p.setString(1, id);
          p.addBatch();
        }
        p.executeBatch();
      }
    } else if (w instanceof Renumber n) {
      try (PreparedStatement p =
          db.prepareStatement(
              "UPDATE downloads SET position = q.rn * ? FROM (SELECT id, row_number() OVER"
                  + " (ORDER BY position, id) AS rn FROM downloads"
                  + " WHERE status IN ('WAITING', 'PAUSED')) AS q WHERE downloads.id = q.id")) {
        p.setLong(1, n.step());
        p.executeUpdate();
      }
    } else if (w instanceof DeleteBatch b) {
      try (PreparedStatement p = db.prepareStatement("DELETE FROM batches WHERE id = ?")) {
        p.setString(1, b.id());
        p.executeUpdate();
      }
    } else if (w instanceof Enqueue e) {
      try (PreparedStatement p =
          db.prepareStatement(
              "INSERT OR IGNORE INTO webhook_outbox (id, endpoint, download_id, type, body,"
                  + " created_at, attempts, next_at, state) VALUES (?,?,?,?,?,?,0,?,'pending')")) {
        p.setString(1, e.id());
        p.setString(2, e.endpoint());
        p.setString(3, e.downloadId());
        p.setString(4, e.type());
        p.setString(5, e.body());
        p.setLong(6, e.createdAt());
        p.setLong(7, e.createdAt());
        p.executeUpdate();
      }
    } else if (w instanceof Attempted a) {
      try (PreparedStatement p =
          db.prepareStatement(
              "INSERT INTO webhook_attempts (message_id, at, status, error, ms) VALUES (?,?,?,?,?)")) {
        p.setString(1, a.id());
        p.setLong(2, a.at());
        p.setInt(3, a.status());
        p.setString(4, a.error());
        p.setLong(5, a.ms());
        p.executeUpdate();
      }
      try (PreparedStatement p =
          db.prepareStatement(
              "UPDATE webhook_outbox SET attempts = attempts + 1, state = ?, next_at = ?,"
                  + " last_status = ?, last_error = ? WHERE id = ?")) {
        p.setString(1, a.state());
        p.setLong(2, a.nextAt());
        p.setInt(3, a.status());
        p.setString(4, a.error());
        p.setString(5, a.id());
        p.executeUpdate();
      }
    } else if (w instanceof Redeliver r) {
      try (PreparedStatement p =
          db.prepareStatement(
              "UPDATE webhook_outbox SET state = 'pending', next_at = ? WHERE id = ?")) {
        p.setLong(1, r.at());
        p.setString(2, r.id());
        p.executeUpdate();
      }
    } else if (w instanceof RecordRetry r) {
      try (PreparedStatement p =
          db.prepareStatement(
              "INSERT INTO retry_history (download_id, at, gid, error_code, error_message) VALUES (?,?,?,?,?)")) {
        p.setString(1, r.downloadId());
        p.setLong(2, r.at());
        p.setString(3, r.gid());
        if (r.errorCode() == null) {
          p.setNull(4, Types.INTEGER);
        } else {
          p.setInt(4, r.errorCode());
        }
        p.setString(5, r.errorMessage());
        p.executeUpdate();
      }
    }
  }

  private void bind(StoredDownload d) throws SQLException {
    PreparedStatement p = upsert;
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
    p.setString(16, d.completion());
    if (d.position() == null) {
      p.setNull(17, Types.INTEGER);
    } else {
      p.setLong(17, d.position());
    }
    p.setLong(18, d.seq());
  }

  private static Long position(ResultSet r) throws SQLException {
    long p = r.getLong("position");
    return r.wasNull() ? null : p;
  }

  private void closeConnection() {
    if (db != null) {
      Connection c = db;
      db = null;
      closeQuietly(c, null);
    }
  }

  private static void closeQuietly(Connection c, Exception into) {
    try {
      c.close();
    } catch (SQLException closing) {
      if (into != null) {
        into.addSuppressed(closing);
      }
    }
  }

  @Override
  public void close() throws SQLException {
    if (db != null) {
      upsert.close();
      db.close();
      db = null;
    }
  }
}
