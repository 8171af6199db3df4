package io.aria2sv.downloads.request;

import io.aria2sv.bittorrent.TorrentFile;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Base64;

/**
 * Follows http(s) URLs of {@code .torrent} and metalink files ({@link FollowedUrls}) the way
 * aria2's {@code follow-torrent} and {@code follow-metalink} would, but in the supervisor: it
 * fetches the file itself and adds its content as a torrent or a metalink batch, so every download
 * runs under GIDs the supervisor chose.
 */
final class MetaFetcher {
  private static final int TIMEOUT_MS = 30_000;

  private final WebClient web;

  MetaFetcher(Vertx vertx) {
    this.web =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setConnectTimeout(10_000)
                .setFollowRedirects(true)
                .setMaxRedirects(5)
                .setMetricsName("aria2sv-follow"));
  }

  void close() {
    web.close();
  }

  /** {@code body} with its {@code .torrent} URL replaced by the fetched file. */
  Future<JsonObject> withTorrent(JsonObject body, String url) {
    return fetch(url, TorrentFile.MAX_BYTES, "uris[0]")
        .map(
            data -> {
              JsonObject next = body.copy();
              next.remove("uris");
              return next.put("torrent", Base64.getEncoder().encodeToString(data));
            });
  }

  /** A batch request {@code {metalink, dir?}} from the metalink at {@code url}. */
  Future<JsonObject> metalinkBatch(String url, Object dir, String field) {
    return fetch(url, Metalink.MAX_BYTES, field)
        .map(
            data -> {
              JsonObject batch =
                  new JsonObject().put("metalink", Base64.getEncoder().encodeToString(data));
              if (dir != null) {
                batch.put("dir", dir);
              }
              return batch;
            });
  }

  private Future<byte[]> fetch(String url, int max, String field) {
    return web.getAbs(url)
        .timeout(TIMEOUT_MS)
        .send()
        .recover(
            err ->
                Future.failedFuture(
                    new ValidationException(
                        field, "cannot fetch " + url + ": " + err.getMessage())))
        .compose(
            r -> {
              if (r.statusCode() != 200) {
                return Future.failedFuture(
                    new ValidationException(
                        field, "cannot fetch " + url + ": HTTP " + r.statusCode()));
              }
              byte[] data = r.bodyAsBuffer() == null ? new byte[0] : r.bodyAsBuffer().getBytes();
              if (data.length > max) {
                return Future.failedFuture(
                    new ValidationException(
                        field, url + " is larger than " + (max >> 20) + " MiB"));
              }
              return Future.succeededFuture(data);
            });
  }
}
