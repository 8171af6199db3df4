package io.aria2sv.downloads.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the webhook outbox of the registry on a connection of its own (SQLite in WAL mode lets it
 * read while the store writes): the messages due, and the delivery log. Writes go through {@link
 * RegistryStore}. Blocking; one caller at a time.
 */
public final class Outbox implements AutoCloseable {
  /** A message due for delivery. */
  public record Message(
      String id, String endpoint, String downloadId, String type, String body, int attempts) {}

  private final Connection db;

  private Outbox(Connection db) {
    this.db = db;
  }

  /** Opens the registry in {@code dataDir} for reading (after the store created it). */
  public static Outbox open(Path dataDir) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(Registry.FILE));
    try (var s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout=2000");
      s.execute("PRAGMA query_only=true");
    }
    return new Outbox(c);
  }

  /** Pending messages due at {@code now}, oldest first, at most {@code limit}. */
  public List<Message> due(long now, int limit) throws SQLException {
    List<Message> out = new ArrayList<>();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT id, endpoint, download_id, type, body, attempts FROM webhook_outbox"
                + " WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, created_at LIMIT ?")) {
      p.setLong(1, now);
      p.setInt(2, limit);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(
              new Message(
                  r.getString(1),
                  r.getString(2),
                  r.getString(3),
                  r.getString(4),
                  r.getString(5),
                  r.getInt(6)));
        }
      }
    }
    return out;
  }

  /**
   * The delivery log, newest first: messages (of one download when {@code downloadId} is given)
   * with their attempts.
   */
  public JsonArray log(String downloadId, int limit) throws SQLException {
    JsonArray out = new JsonArray();
    String sql =
        "SELECT id, endpoint, download_id, type, created_at, attempts, next_at, state,"
            + " last_status, last_error FROM webhook_outbox"
            + (downloadId == null ? "" : " WHERE download_id = ?")
            + " ORDER BY created_at DESC LIMIT ?";
    try (PreparedStatement p = db.prepareStatement(sql)) {
      int i = 1;
      if (downloadId != null) {
        p.setString(i++, downloadId);
      }
      p.setInt(i, limit);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          int status = r.getInt("last_status");
          boolean none = r.wasNull();
          out.add(
              new JsonObject()
                  .put("id", r.getString("id"))
                  .put("endpoint", r.getString("endpoint"))
                  .put("downloadId", r.getString("download_id"))
                  .put("type", r.getString("type"))
                  .put("createdAt", r.getLong("created_at"))
                  .put("attempts", r.getInt("attempts"))
                  .put("state", r.getString("state"))
                  .put("nextAt", r.getLong("next_at"))
                  .put("lastStatus", none ? null : status)
                  .put("lastError", r.getString("last_error")));
        }
      }
    }
    for (Object o : out) {
      JsonObject m = (JsonObject) o;
      m.put("tries", attempts(m.getString("id")));
    }
    return out;
  }

  /** One message's state, or null. */
  public String state(String id) throws SQLException {
    try (PreparedStatement p =
        db.prepareStatement("SELECT state FROM webhook_outbox WHERE id = ?")) {
      p.setString(1, id);
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  private JsonArray attempts(String id) throws SQLException {
    JsonArray out = new JsonArray();
    try (PreparedStatement p =
        db.prepareStatement(
            "SELECT at, status, error, ms FROM webhook_attempts WHERE message_id = ? ORDER BY at")) {
      p.setString(1, id);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(
              new JsonObject()
                  .put("at", r.getLong(1))
                  .put("status", r.getInt(2) == 0 ? null : r.getInt(2))
                  .put("error", r.getString(3))
                  .put("ms", r.getLong(4)));
        }
      }
    }
    return out;
  }

  @Override
  public void close() throws SQLException {
    db.close();
  }
}
