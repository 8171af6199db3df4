package io.aria2sv.downloads.request;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Locale;

/**
 * Which adds name a {@code .torrent} or metalink file over http(s) that the supervisor follows
 * ({@link MetaFetcher}): one URI whose path ends with {@code .torrent}, or {@code .metalink} /
 * {@code .meta4}, unless the option {@code follow-torrent} (or {@code follow-metalink}) is {@code
 * "false"}.
 */
public final class FollowedUrls {
  private FollowedUrls() {}

  /**
   * The one http(s) URI of {@code body} when its path ends with one of {@code suffixes} and
   * following is not off.
   */
  private static String followed(JsonObject body, String option, String... suffixes) {
    if (!(body.getValue("uris") instanceof JsonArray uris)
        || uris.size() != 1
        || !(uris.getValue(0) instanceof String s)
        || body.containsKey("torrent")) {
      return null;
    }
    if (body.getValue("options") instanceof JsonObject o
        && "false".equals(String.valueOf(o.getValue(option)))) {
      return null;
    }
    try {
      URI uri = new URI(s);
      if (!isHttp(uri)) {
        return null;
      }
      String raw = uri.getPath();
      String path = raw == null ? "" : raw.toLowerCase(Locale.ROOT);
      for (String suffix : suffixes) {
        if (path.endsWith(suffix)) {
          return s;
        }
      }
    } catch (java.net.URISyntaxException e) {
      return null; // the validator says what is wrong with it
    }
    return null;
  }

  /** Whether {@code s} is an http or https URL. */
  static boolean isHttp(String s) {
    try {
      return isHttp(new URI(s));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static boolean isHttp(URI uri) {
    String scheme = uri.getScheme();
    return scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"));
  }

  /**
   * A {@code .torrent} URL of an add: the same request with the fetched torrent instead of the URL.
   */
  public static String torrentUrl(JsonObject body) {
    return followed(body, "follow-torrent", ".torrent");
  }

  /** A metalink URL of an add. */
  public static String metalinkUrl(JsonObject body) {
    return followed(body, "follow-metalink", ".metalink", ".meta4");
  }
}
