package io.aria2sv.downloads.registry;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The registry's cold queue: waiting and paused downloads the engine does not hold (beyond the head
 * of the queue it keeps in memory), read a page at a time by position, counted, read back in order,
 * and changed all at once. Every method blocks and is called through {@link RegistryStore}, one at
 * a time with its writes.
 */
public final class QueueRows {
  private QueueRows() {}

  /** The cold queue: waiting and paused downloads the engine does not hold, by position. */
  private static final String QUEUED = "cold = 1 AND status IN ('WAITING', 'PAUSED')";

  /**
   * Up to {@code limit} of the cold queue in order of position (backwards: from the end), after the
   * download at {@code afterPosition} with {@code afterId} (null: from the start).
   */
  public static List<StoredDownload> queue(
      Registry r, boolean backwards, Long afterPosition, String afterId, int limit)
      throws SQLException {
    String order = backwards ? " DESC" : "";
    String sql =
        "SELECT * FROM downloads INDEXED BY downloads_cold_queue WHERE "
            + QUEUED
            + (afterPosition == null
                ? ""
                : backwards ? " AND (position, id) < (?, ?)" : " AND (position, id) > (?, ?)")
            + " ORDER BY position"
            + order
            + ", id"
            + order
            + " LIMIT ?";
    return afterPosition == null ? r.rows(sql, limit) : r.rows(sql, afterPosition, afterId, limit);
  }

  /**
   * The lowest position in the cold queue (null when it is empty) and the highest position of any
   * download.
   */
  public static Long[] queueBounds(Registry r) throws SQLException {
    try (Statement s = r.connection().createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT (SELECT min(position) FROM downloads INDEXED BY downloads_cold_queue"
                    + " WHERE "
                    + QUEUED
                    + "), (SELECT max(position) FROM downloads INDEXED BY downloads_cold_queue"
                    + " WHERE "
                    + QUEUED
                    + ")")) {
      rs.next();
      long min = rs.getLong(1);
      Long first = rs.wasNull() ? null : min;
      long max = rs.getLong(2);
      return new Long[] {first, rs.wasNull() ? 0L : max};
    }
  }

  /** How many of the cold queue come before position {@code position} and id {@code id}. */
  public static int queuedBefore(Registry r, long position, String id) throws SQLException {
    try (PreparedStatement p =
        r.connection()
            .prepareStatement(
                "SELECT count(*) FROM downloads INDEXED BY downloads_cold_queue WHERE "
                    + QUEUED
                    + " AND (position, id) < (?, ?)")) {
      p.setLong(1, position);
      p.setString(2, id);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  /** The first {@code limit} of the cold queue, made warm (the engine holds them from now on). */
  public static List<StoredDownload> warmQueue(Registry r, int limit) throws SQLException {
    List<StoredDownload> rows = queue(r, false, null, null, limit);
    try (PreparedStatement p =
        r.connection().prepareStatement("UPDATE downloads SET cold = 0 WHERE id = ?")) {
      for (StoredDownload row : rows) {
        p.setString(1, row.id());
        p.addBatch();
      }
      p.executeBatch();
    }
    r.connection().commit();
    return rows;
  }

  /** Which of {@code ids} the registry holds. */
  public static java.util.Set<String> existing(Registry r, List<String> ids) throws SQLException {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (int from = 0; from < ids.size(); from += 500) {
      List<String> part = ids.subList(from, Math.min(ids.size(), from + 500));
      String marks = String.join(",", java.util.Collections.nCopies(part.size(), "?"));
      try (PreparedStatement p =
          r.connection().prepareStatement("SELECT id FROM downloads WHERE id IN (" + marks + ")")) {
        for (int i = 0; i < part.size(); i++) {
          p.setString(i + 1, part.get(i));
        }
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(rs.getString(1));
          }
        }
      }
    }
    return out;
  }

  /** The positions of the waiting and paused downloads the engine holds, by id. */
  public static java.util.Map<String, Long> warmQueuePositions(Registry r) throws SQLException {
    java.util.Map<String, Long> out = new java.util.HashMap<>();
    try (Statement s = r.connection().createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT id, position FROM downloads WHERE cold = 0"
                    + " AND status IN ('WAITING', 'PAUSED')")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getLong(2));
      }
    }
    return out;
  }

  /** Gives every cold download with status {@code from} status {@code to}; how many. */
  public static int restatus(Registry r, String from, String to) throws SQLException {
    try (PreparedStatement p =
        r.connection()
            .prepareStatement("UPDATE downloads SET status = ? WHERE cold = 1 AND status = ?")) {
      p.setString(1, to);
      p.setString(2, from);
      int n = p.executeUpdate();
      r.connection().commit();
      return n;
    }
  }
}
