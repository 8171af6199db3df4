package io.aria2sv.downloads.engine;

import io.aria2sv.bittorrent.Magnet;
import io.aria2sv.downloads.request.DownloadRequest;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The name a user expects to see for a download: the {@code out} it was given; else the torrent's
 * name; else a magnet's display name; else the file aria2 writes; else the last segment of its
 * first URL; else null (a magnet with no name before its metadata arrives).
 */
final class DownloadNames {
  private DownloadNames() {}

  static String of(DownloadRequest request, String torrentName, String path) {
    if (request.out() != null) {
      return request.out();
    }
    if (torrentName != null) {
      return torrentName;
    }
    String first = request.uris().isEmpty() ? null : request.uris().get(0);
    String magnet = Magnet.displayName(first);
    if (magnet != null) {
      return magnet;
    }
    if (path != null && !path.isEmpty()) {
      return lastSegment(path);
    }
    return first == null || Magnet.is(first) ? null : fromUrl(first);
  }

  private static String fromUrl(String url) {
    String p;
    try {
      p = URI.create(url).getRawPath();
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (p == null) {
      return null;
    }
    String last = lastSegment(p);
    if (last == null) {
      return null;
    }
    try {
      return URLDecoder.decode(last.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return last;
    }
  }

  private static String lastSegment(String path) {
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    String last = trimmed.substring(trimmed.lastIndexOf('/') + 1);
    return last.isEmpty() ? null : last;
  }
}
