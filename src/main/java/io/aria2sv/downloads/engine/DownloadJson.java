package io.aria2sv.downloads.engine;

import static io.aria2sv.bus.DownloadStatus.FAILED;

import io.aria2sv.bittorrent.TorrentStore;
import io.aria2sv.bus.DownloadStatus;
import io.aria2sv.downloads.request.DownloadRequest;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * Builds a download's public JSON, the one shape every client sees (REST, SSE, the bus, the cluster
 * catalog). Built once per change: the JSON a transition publishes is kept with the download, and
 * the reply to the command that caused it, or the catalog entry, reuse it as long as no figure it
 * shows has changed since. Callers never modify what they get. Event-loop confined.
 */
final class DownloadJson {
  private final TorrentStore torrents;
  private final String node;

  /** The re-add settings in force: what {@code retry.max} and {@code canRetry} show. */
  private RetryDecider decider;

  DownloadJson(TorrentStore torrents, String node, RetryDecider decider) {
    this.torrents = torrents;
    this.node = node;
    this.decider = decider;
  }

  /** The public shape of {@code d} as it is now. */
  JsonObject of(Download d) {
    RetryDecider rd = decider;
    Shown shown = d.shown;
    if (shown != null && shown.matches(d, rd)) {
      return shown.json;
    }
    JsonObject j =
        d.toJson(rd.maxRetries(), d.status == FAILED || rd.canRetry(d.errorCode, d.retryCount))
            .put("name", DownloadNames.of(d.request, torrentName(d), d.path))
            .put("node", node)
            .put("category", d.request.category())
            .put("completion", d.completion);
    // kept for what aria2c holds, whose figures change and are asked for all the time; a download
    // that waits in the registry or has ended is built again when asked (a few KB less each)
    d.shown = d.held ? new Shown(d, rd, j) : null;
    return j;
  }

  /**
   * The torrent's name: from the kept torrent, or, once its completion step removed that, from
   * where its files went.
   */
  private String torrentName(Download d) {
    String name = torrents.name(d.request.torrent());
    if (name == null && d.request.torrent() != null && d.completion != null) {
      String placed = d.completion.getString("finalPath");
      name = placed == null ? null : java.nio.file.Path.of(placed).getFileName().toString();
    }
    return name;
  }

  /** New re-add settings: every download's JSON is built anew when next asked. */
  void reconfigure(RetryDecider next) {
    decider = next;
  }

  /**
   * The JSON last built for a download, with every input it was built from: the download's figures
   * that it shows, compared field by field (the request and the error list by identity, since they
   * are replaced, never changed in place), and the re-add settings in force.
   */
  static final class Shown {
    private final JsonObject json;
    private final RetryDecider decider;
    private final DownloadStatus status;
    private final String gid;
    private final int gidCount;
    private final long completedLength;
    private final long totalLength;
    private final long downloadSpeed;
    private final long uploadLength;
    private final long uploadSpeed;
    private final int numSeeders;
    private final int connections;
    private final Integer errorCode;
    private final String errorMessage;
    private final int retryCount;
    private final int errorCount;
    private final Download.Failure lastError;
    private final DownloadRequest request;
    private final long updatedAt;
    private final String path;
    private final JsonObject completion;

    Shown(Download d, RetryDecider decider, JsonObject json) {
      this.json = json;
      this.decider = decider;
      this.status = d.status;
      this.gid = d.gid;
      this.gidCount = d.gids.size();
      this.completedLength = d.completedLength;
      this.totalLength = d.totalLength;
      this.downloadSpeed = d.downloadSpeed;
      this.uploadLength = d.uploadLength;
      this.uploadSpeed = d.uploadSpeed;
      this.numSeeders = d.numSeeders;
      this.connections = d.connections;
      this.errorCode = d.errorCode;
      this.errorMessage = d.errorMessage;
      this.retryCount = d.retryCount;
      this.errorCount = d.errors.size();
      this.lastError = d.errors.isEmpty() ? null : d.errors.get(d.errors.size() - 1);
      this.request = d.request;
      this.updatedAt = d.updatedAt;
      this.path = d.path;
      this.completion = d.completion;
    }

    boolean matches(Download d, RetryDecider rd) {
      return rd == decider
          && d.status == status
          && Objects.equals(d.gid, gid)
          && d.gids.size() == gidCount
          && d.completedLength == completedLength
          && d.totalLength == totalLength
          && d.downloadSpeed == downloadSpeed
          && d.uploadLength == uploadLength
          && d.uploadSpeed == uploadSpeed
          && d.numSeeders == numSeeders
          && d.connections == connections
          && Objects.equals(d.errorCode, errorCode)
          && Objects.equals(d.errorMessage, errorMessage)
          && d.retryCount == retryCount
          && d.errors.size() == errorCount
          && (errorCount == 0 || d.errors.get(errorCount - 1) == lastError)
          && d.request == request
          && d.updatedAt == updatedAt
          && Objects.equals(d.path, path)
          && d.completion == completion;
    }
  }
}
