package io.aria2sv.downloads.registry;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The registry's cold rows: ended downloads the engine no longer holds in memory ({@code cold =
 * 1}), read here a page or a row at a time. Every method blocks and is called through {@link
 * RegistryStore}, one at a time with its writes.
 */
public final class ColdRows {
  private ColdRows() {}

  /** How many cold downloads of {@code batchId} (null: of no batch) have {@code status}. */
  public record Tally(String batchId, String status, int count, long completed, long total) {}

  /**
   * A filter of cold rows, and a cursor: rows after {@code afterSeq} in the order downloads were
   * added (before it, newest first). Null fields do not filter; {@code afterSeq} null starts at the
   * end the order starts from.
   */
  public record Filter(
      String status, String batchId, String category, boolean newestFirst, Long afterSeq) {}

  /**
   * Marks ended downloads that nothing runs for any more (no completion step pending or running)
   * cold, as a start does before it loads the rest: a long history is then not read at all.
   *
   * @return how many rows were marked
   */
  public static int coolSettled(Registry r) throws SQLException {
    try (Statement s = r.connection().createStatement()) {
      int n =
          s.executeUpdate(
              "UPDATE downloads SET cold = 1 WHERE cold = 0"
                  + " AND status IN ('COMPLETE', 'FAILED', 'REMOVED')"
                  + " AND (completion IS NULL"
                  + " OR json_extract(completion, '$.state') NOT IN ('pending', 'running'))");
      r.connection().commit();
      return n;
    }
  }

  /**
   * The cold downloads counted by status (batch null), and those of batches by batch and status
   * with their bytes: both read from indexes alone.
   */
  public static List<Tally> tallies(Registry r) throws SQLException {
    List<Tally> out = new ArrayList<>();
    try (Statement s = r.connection().createStatement()) {
      try (ResultSet rs =
          s.executeQuery("SELECT status, count(*) FROM downloads WHERE cold = 1 GROUP BY status")) {
        while (rs.next()) {
          out.add(new Tally(null, rs.getString(1), rs.getInt(2), 0, 0));
        }
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT batch_id, status, count(*), sum(completed_length), sum(total_length)"
                  + " FROM downloads WHERE cold = 1 AND batch_id IS NOT NULL"
                  + " GROUP BY batch_id, status")) {
        while (rs.next()) {
          out.add(
              new Tally(
                  rs.getString(1), rs.getString(2), rs.getInt(3), rs.getLong(4), rs.getLong(5)));
        }
      }
    }
    return out;
  }

  /** The highest {@code seq} given so far. */
  public static long maxSeq(Registry r) throws SQLException {
    try (Statement s = r.connection().createStatement();
        ResultSet rs =
            s.executeQuery(
                // each side by its own index
                "SELECT max(coalesce((SELECT max(seq) FROM downloads WHERE cold = 0), 0),"
                    + " coalesce((SELECT max(seq) FROM downloads WHERE cold = 1), 0))")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /** The cold download with our {@code id}, or null. */
  public static StoredDownload byId(Registry r, String id) throws SQLException {
    List<StoredDownload> rows = r.rows("SELECT * FROM downloads WHERE cold = 1 AND id = ?", id);
    return rows.isEmpty() ? null : rows.get(0);
  }

  /** The cold download added with request id {@code requestId}, or null. */
  public static StoredDownload byRequestId(Registry r, String requestId) throws SQLException {
    List<StoredDownload> rows =
        r.rows(
            "SELECT * FROM downloads WHERE cold = 1"
                + " AND json_extract(request, '$.requestId') = ?",
            requestId);
    return rows.isEmpty() ? null : rows.get(0);
  }

  /** The cold download whose current GID, or any earlier one, is {@code gid}; or null. */
  public static StoredDownload byGid(Registry r, String gid) throws SQLException {
    List<StoredDownload> rows = r.rows("SELECT * FROM downloads WHERE cold = 1 AND gid = ?", gid);
    if (rows.isEmpty() && gid.matches("[0-9a-fA-F]{16}")) {
      // an earlier GID of its chain: rare, and read without an index
      rows = r.rows("SELECT * FROM downloads WHERE cold = 1 AND gids LIKE ?", "%\"" + gid + "\"%");
    }
    return rows.isEmpty() ? null : rows.get(0);
  }

  /**
   * Makes the cold download {@code id} warm again (the engine holds it from now on) and returns its
   * row; null when it is not cold.
   */
  public static StoredDownload warm(Registry r, String id) throws SQLException {
    StoredDownload row = byId(r, id);
    if (row != null) {
      try (PreparedStatement p =
          r.connection().prepareStatement("UPDATE downloads SET cold = 0 WHERE id = ?")) {
        p.setString(1, id);
        p.executeUpdate();
      }
      r.connection().commit();
    }
    return row;
  }

  /** Up to {@code limit} cold rows that pass {@code f}, from its cursor on. */
  public static List<StoredDownload> page(Registry r, Filter f, int limit) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT * FROM downloads WHERE cold = 1");
    List<Object> args = new ArrayList<>();
    if (f.status() != null) {
      sql.append(" AND status = ?");
      args.add(f.status());
    }
    if (f.batchId() != null) {
      sql.append(" AND batch_id = ?");
      args.add(f.batchId());
    }
    if (f.category() != null) {
      sql.append(" AND json_extract(request, '$.category') = ?");
      args.add(f.category());
    }
    if (f.afterSeq() != null) {
      sql.append(f.newestFirst() ? " AND seq < ?" : " AND seq > ?");
      args.add(f.afterSeq());
    }
    sql.append(f.newestFirst() ? " ORDER BY seq DESC" : " ORDER BY seq").append(" LIMIT ?");
    args.add(limit);
    return r.rows(sql.toString(), args.toArray());
  }

  /**
   * Up to {@code limit} cold rows in the order they ended ({@code updated_at, id}), after the row
   * that ended at {@code afterAt} with {@code afterId} (null: from the start), or backwards.
   */
  public static List<StoredDownload> ended(
      Registry r, boolean newestFirst, Long afterAt, String afterId, int limit)
      throws SQLException {
    String order = newestFirst ? "DESC" : "";
    String after =
        afterAt == null
            ? ""
            : newestFirst ? " AND (updated_at, id) < (?, ?)" : " AND (updated_at, id) > (?, ?)";
    String sql =
        "SELECT * FROM downloads INDEXED BY downloads_cold_ended WHERE "
            + ENDED
            + after
            + " ORDER BY updated_at "
            + order
            + ", id "
            + order
            + " LIMIT ?";
    return afterAt == null ? r.rows(sql, limit) : r.rows(sql, afterAt, afterId, limit);
  }

  /** Cold downloads that ended (the registry also holds a cold queue: see {@link #QUEUED}). */
  private static final String ENDED = "cold = 1 AND status IN ('COMPLETE', 'FAILED', 'REMOVED')";

  /**
   * The batches with cold downloads, each with when its last cold download ended, or {@link
   * Long#MAX_VALUE} while any of them has not ended (queued in the registry).
   */
  public static List<String[]> batchesEnded(Registry r) throws SQLException {
    return pairs(
        r,
        "SELECT batch_id, CASE WHEN sum(status NOT IN ('COMPLETE', 'FAILED', 'REMOVED')) > 0"
            + " THEN 9223372036854775807 ELSE max(updated_at) END"
            + " FROM downloads WHERE cold = 1 AND batch_id IS NOT NULL GROUP BY batch_id");
  }

  /** Up to {@code limit} cold downloads of batch {@code batchId}: id and status. */
  public static List<String[]> ofBatch(Registry r, String batchId, int limit) throws SQLException {
    return pairs(
        r,
        "SELECT id, status FROM downloads INDEXED BY downloads_cold_batch"
            + " WHERE cold = 1 AND batch_id = ? LIMIT ?",
        batchId,
        limit);
  }

  /**
   * Forgets up to {@code limit} cold downloads: of batch {@code batchId}, or (when null) of no
   * batch that ended before {@code cutoff}; with their retry history and the webhook messages done
   * with, in one transaction. Returns the id and status of each.
   */
  public static List<String[]> forget(Registry r, long cutoff, String batchId, int limit)
      throws SQLException {
    List<String[]> gone =
        batchId == null
            ? pairs(
                r,
                // "+": by the order they ended, not by the batch index
                "SELECT id, status FROM downloads INDEXED BY downloads_cold_ended WHERE "
                    + ENDED
                    + " AND +batch_id IS NULL AND updated_at < ? ORDER BY updated_at, id LIMIT ?",
                cutoff,
                limit)
            : ofBatch(r, batchId, limit);
    List<Registry.Write> deletes = new ArrayList<>(gone.size());
    for (String[] g : gone) {
      deletes.add(new Registry.Delete(g[0]));
    }
    try {
      r.write(deletes);
    } catch (java.io.IOException e) {
      throw new SQLException(e);
    }
    return gone;
  }

  /** How many cold downloads of no batch ended before {@code cutoff}. */
  public static int countEndedBefore(Registry r, long cutoff) throws SQLException {
    try (PreparedStatement p =
        r.connection()
            .prepareStatement(
                "SELECT count(*) FROM downloads INDEXED BY downloads_cold_ended WHERE "
                    + ENDED
                    + " AND +batch_id IS NULL AND updated_at < ?")) {
      p.setLong(1, cutoff);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  private static List<String[]> pairs(Registry r, String sql, Object... args) throws SQLException {
    List<String[]> out = new ArrayList<>();
    try (PreparedStatement p = r.connection().prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
    }
    return out;
  }
}
