package io.aria2sv.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds real {@code .torrent} files (bencoded, BEP 3) with web seeds (BEP 19) for tests. */
public final class Torrents {
  private Torrents() {}

  /** Piece length of the torrents built here. */
  public static final int PIECE = 16384;

  /**
   * A single-file torrent named {@code name} whose web seed is {@code webSeed} (the file's URL).
   */
  public static byte[] single(String name, byte[] content, String webSeed) {
    return build(name, Map.of(), content, webSeed, null);
  }

  /** A single-file torrent named {@code name} announced to {@code announce} (no web seed). */
  public static byte[] tracked(String name, byte[] content, String announce) {
    return build(name, Map.of(), content, null, announce);
  }

  /** The info hash (hex) of a torrent built here. */
  public static String infoHash(byte[] torrent) {
    String text = new String(torrent, StandardCharsets.ISO_8859_1);
    int from = text.indexOf("4:infod") + "4:info".length();
    int to =
        text.lastIndexOf("e8:url-list") >= 0
            ? text.lastIndexOf("e8:url-list") + 1
            : torrent.length - 1;
    try {
      return java.util.HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1")
                  .digest(java.util.Arrays.copyOfRange(torrent, from, to)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A multi-file torrent: directory {@code name} with {@code files} (path to content, in order);
   * {@code webSeedBase} ends with '/' and aria2 fetches {@code <base><name>/<path>}.
   */
  public static byte[] multi(String name, LinkedHashMap<String, byte[]> files, String webSeedBase) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    files.values().forEach(all::writeBytes);
    return build(name, files, all.toByteArray(), webSeedBase, null);
  }

  public static String base64(byte[] torrent) {
    return Base64.getEncoder().encodeToString(torrent);
  }

  private static byte[] build(
      String name, Map<String, byte[]> files, byte[] content, String webSeed, String announce) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('d');
    if (announce != null) {
      str(out, "announce");
      str(out, announce);
    }
    str(out, "info");
    out.writeBytes("d".getBytes(StandardCharsets.US_ASCII));
    if (files.isEmpty()) {
      str(out, "length");
      num(out, content.length);
    } else {
      str(out, "files");
      out.write('l');
      files.forEach(
          (path, data) -> {
            out.write('d');
            str(out, "length");
            num(out, data.length);
            str(out, "path");
            out.write('l');
            for (String part : List.of(path.split("/"))) {
              str(out, part);
            }
            out.write('e');
            out.write('e');
          });
      out.write('e');
    }
    str(out, "name");
    str(out, name);
    str(out, "piece length");
    num(out, PIECE);
    str(out, "pieces");
    byte[] pieces = pieces(content);
    out.writeBytes((pieces.length + ":").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(pieces);
    out.write('e');
    if (webSeed != null) {
      str(out, "url-list");
      str(out, webSeed);
    }
    out.write('e');
    return out.toByteArray();
  }

  private static byte[] pieces(byte[] content) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = 0; i < Math.max(1, content.length); i += PIECE) {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(content, i, Math.min(PIECE, content.length - i));
        out.writeBytes(sha1.digest());
      }
      return out.toByteArray();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void str(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeBytes((b.length + ":").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(b);
  }

  private static void num(ByteArrayOutputStream out, long n) {
    out.writeBytes(("i" + n + "e").getBytes(StandardCharsets.US_ASCII));
  }
}
