package io.aria2sv.bittorrent;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

/** Magnet links (BEP 9): the BitTorrent info hash they name. */
public final class Magnet {
  private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

  private Magnet() {}

  /** Whether {@code uri} is a magnet link. */
  public static boolean is(String uri) {
    return uri != null && uri.regionMatches(true, 0, "magnet:", 0, 7);
  }

  /**
   * The info hash (40 lower-case hex digits) of {@code xt=urn:btih:…} in a magnet link, given in
   * hex or base32; null when there is none or it is malformed.
   */
  public static String infoHash(String uri) {
    if (!is(uri) || uri.indexOf('?') < 0) {
      return null;
    }
    for (String pair : uri.substring(uri.indexOf('?') + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq < 0 || !pair.substring(0, eq).equalsIgnoreCase("xt")) {
        continue;
      }
      String xt = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (!xt.regionMatches(true, 0, "urn:btih:", 0, 9)) {
        continue;
      }
      String h = xt.substring(9);
      if (h.matches("[0-9a-fA-F]{40}")) {
        return h.toLowerCase(Locale.ROOT);
      }
      if (h.matches("[A-Za-z2-7]{32}")) {
        return HexFormat.of().formatHex(base32(h.toUpperCase(Locale.ROOT)));
      }
      return null;
    }
    return null;
  }

  /** The display name ({@code dn=}) of a magnet link, decoded; null when it has none. */
  public static String displayName(String uri) {
    if (!is(uri) || uri.indexOf('?') < 0) {
      return null;
    }
    for (String pair : uri.substring(uri.indexOf('?') + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equalsIgnoreCase("dn")) {
        String dn = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8).strip();
        return dn.isEmpty() ? null : dn;
      }
    }
    return null;
  }

  private static byte[] base32(String s) {
    byte[] out = new byte[20];
    long buffer = 0;
    int bits = 0;
    int n = 0;
    for (char c : s.toCharArray()) {
      buffer = (buffer << 5) | BASE32.indexOf(c);
      bits += 5;
      if (bits >= 8) {
        out[n++] = (byte) (buffer >> (bits - 8));
        bits -= 8;
      }
    }
    return out;
  }
}
