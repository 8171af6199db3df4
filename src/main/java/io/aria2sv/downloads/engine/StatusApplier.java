package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.ACTIVE;
import static io.aria2sv.bus.DownloadStatus.COMPLETE;
import static io.aria2sv.bus.DownloadStatus.METADATA;
import static io.aria2sv.bus.DownloadStatus.PAUSED;
import static io.aria2sv.bus.DownloadStatus.REMOVED;
import static io.aria2sv.bus.DownloadStatus.SEEDING;
import static io.aria2sv.bus.DownloadStatus.WAITING;

import io.aria2sv.bus.DownloadStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies what aria2 says of a download's current GID to the registry: the status from a
 * notification or a reconcile read, and the figures of a progress sample. A read of an older GID,
 * or of a download that has ended here, changes nothing. Event-loop confined.
 */
final class StatusApplier {
  private static final Logger LOG = LoggerFactory.getLogger(StatusApplier.class);

  private final DownloadIndex index;
  private final Transitions transitions;
  private final ReAdds reAdds;
  private final Aria2Side aria2;
  private final CommandFence fence;
  private final MagnetFollower magnets;

  StatusApplier(
      DownloadIndex index,
      Transitions transitions,
      ReAdds reAdds,
      Aria2Side aria2,
      CommandFence fence,
      MagnetFollower magnets) {
    this.magnets = magnets;
    this.index = index;
    this.transitions = transitions;
    this.reAdds = reAdds;
    this.aria2 = aria2;
    this.fence = fence;
  }

  /**
   * A WebSocket notification: reads the status of that GID (read again if a command crosses it) and
   * applies it.
   */
  void onNotification(String method, String gid) {
    Download d = index.byGid(gid);
    if (d == null || !gid.equals(d.gid)) {
      return;
    }
    fence.readUncrossed(
        d,
        gid,
        ar -> {
          if (ar.succeeded()) {
            apply(d, ar.result());
          } else {
            // the progress ticker reads it again while it shows running here; a reconnect
            // reconciles all
            LOG.debug(
                "status of {} after {} unavailable: {}", gid, method, ar.cause().getMessage());
          }
        });
  }

  /** Applies aria2's view of a download's current GID; a no-op when nothing changed. */
  void apply(Download d, JsonObject st) {
    if (!d.gid.equals(st.getString("gid")) || d.status.terminal()) {
      return;
    }
    updateLengths(d, st);
    JsonArray files = st.getJsonArray("files");
    if (files != null && !files.isEmpty()) {
      String p = files.getJsonObject(0).getString("path");
      if (p != null && !p.isEmpty()) {
        d.path = p;
      }
    }
    switch (String.valueOf(st.getString("status"))) {
      case "active" -> {
        clearError(d); // it runs again: an earlier attempt's error is history, not its state
        transitions.move(d, running(d, st));
      }
      case "waiting" -> transitions.move(d, WAITING);
      case "paused" -> transitions.move(d, PAUSED);
      case "complete" -> {
        if (d.request.fetchesMetadata()) {
          magnets.metadataFetched(d);
          return;
        }
        clearError(d);
        aria2.dropResult(d.gid);
        transitions.move(d, COMPLETE);
      }
      case "removed" -> {
        aria2.dropResult(d.gid);
        transitions.move(d, REMOVED);
      }
      case "error" ->
          reAdds.failed(d, parseInt(st.getString("errorCode")), st.getString("errorMessage"));
      default -> {}
    }
  }

  /**
   * Applies one progress sample of {@code tellActive}; returns the download when a figure changed,
   * else null.
   */
  Download progress(JsonObject st) {
    Download d = index.byGid(st.getString("gid"));
    if (d == null || !d.gid.equals(st.getString("gid"))) {
      return null;
    }
    long c = d.completedLength;
    long t = d.totalLength;
    long s = d.downloadSpeed;
    updateLengths(d, st);
    long up = d.uploadLength;
    if ((d.status == WAITING || d.status == ACTIVE) && "active".equals(st.getString("status"))) {
      transitions.move(d, running(d, st));
    }
    return c != d.completedLength
            || t != d.totalLength
            || s != d.downloadSpeed
            || up != d.uploadLength
        ? d
        : null;
  }

  /**
   * What an {@code active} download is: fetching a magnet's metadata, seeding (aria2 shows a
   * torrent whose data is complete and that still uploads as active with {@code seeder}), or
   * downloading.
   */
  private static DownloadStatus running(Download d, JsonObject st) {
    return d.request.fetchesMetadata()
        ? METADATA
        : "true".equals(st.getString("seeder")) ? SEEDING : ACTIVE;
  }

  private static void clearError(Download d) {
    d.errorCode = null;
    d.errorMessage = null;
  }

  /** Takes aria2's lengths (and speed) for {@code d}'s current GID. */
  static void updateLengths(Download d, JsonObject st) {
    d.completedLength = parseLong(st.getString("completedLength"), d.completedLength);
    d.totalLength = parseLong(st.getString("totalLength"), d.totalLength);
    boolean active = "active".equals(st.getString("status"));
    d.downloadSpeed = active ? parseLong(st.getString("downloadSpeed"), 0) : 0;
    d.uploadSpeed = active ? parseLong(st.getString("uploadSpeed"), 0) : 0;
    d.uploadLength = parseLong(st.getString("uploadLength"), d.uploadLength);
    d.numSeeders = (int) parseLong(st.getString("numSeeders"), d.numSeeders);
    d.connections = (int) parseLong(st.getString("connections"), d.connections);
  }

  private static int parseInt(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private static long parseLong(String s, long fallback) {
    try {
      return s == null ? fallback : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /**
   * After a progress sample of aria2's active downloads ({@code activeGids}): each download shown
   * running here that aria2 no longer runs has its status read again, so a notification whose read
   * failed (aria2c slow to answer) does not leave it running for ever.
   */
  void recheckVanished(Set<String> activeGids) {
    int found = 0;
    for (String gid : activeGids) {
      Download d = index.byGid(gid);
      found += d != null && gid.equals(d.gid) && d.status.transferring() ? 1 : 0;
    }
    if (found == index.activeCount()) {
      return; // the usual tick: every download shown running is among aria2's active ones, no scan
    }
    for (Download d : index.all()) {
      if (d.status.transferring()
          && !activeGids.contains(d.gid)
          && !AddsInFlight.reAddUnderway(d)
          && !transitions.firstAddUnderway(d)) {
        onNotification("recheck", d.gid);
      }
    }
  }
}
