package io.aria2sv.bittorrent;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What the supervisor needs of a {@code .torrent} (BEP 3): its info hash, name, files and total
 * length, checked the way aria2 would refuse it, so a bad torrent is a clear 400 and not a late
 * aria2 error. Paths are checked too: no {@code ..}, no absolute path, nothing that leaves the
 * download directory.
 */
public record TorrentFile(String infoHash, String name, List<Entry> files, long totalLength) {
  /** Largest {@code .torrent} accepted. */
  public static final int MAX_BYTES = 8 << 20;

  /** One file of the torrent: its path inside the torrent's directory (or the name) and length. */
  public record Entry(String path, long length) {}

  /** Parses and checks {@code data}; the message of the exception says what is wrong. */
  public static TorrentFile parse(byte[] data) throws Bencode.Malformed {
    if (data.length == 0 || data.length > MAX_BYTES) {
      throw new Bencode.Malformed("must be 1 byte to " + (MAX_BYTES >> 20) + " MiB");
    }
    Bencode.Decoded d = Bencode.decode(data);
    if (!(d.value() instanceof Map<?, ?> top)) {
      throw new Bencode.Malformed("is not a dictionary");
    }
    if (!(top.get("info") instanceof Map<?, ?> info)) {
      throw new Bencode.Malformed("has no info dictionary");
    }
    String name = Bencode.text(info.get("name"));
    if (name == null || name.isEmpty() || !safePart(name)) {
      throw new Bencode.Malformed("info.name is missing or not a usable file name");
    }
    if (!(info.get("piece length") instanceof Long pieceLength) || pieceLength <= 0) {
      throw new Bencode.Malformed("info.piece length is missing or not positive");
    }
    if (!(info.get("pieces") instanceof byte[] pieces)
        || pieces.length == 0
        || pieces.length % 20 != 0) {
      throw new Bencode.Malformed("info.pieces is missing or not a list of SHA-1 hashes");
    }
    List<Entry> files = new ArrayList<>();
    long total = 0;
    if (info.get("length") instanceof Long length) {
      if (length < 0) {
        throw new Bencode.Malformed("info.length is negative");
      }
      files.add(new Entry(name, length));
      total = length;
    } else if (info.get("files") instanceof List<?> list && !list.isEmpty()) {
      for (int i = 0; i < list.size(); i++) {
        Entry e = entry(list.get(i), i);
        files.add(e);
        total += e.length();
      }
    } else {
      throw new Bencode.Malformed("info has neither length nor files");
    }
    long pieceCount = pieces.length / 20;
    if (total > pieceCount * pieceLength || total <= (pieceCount - 1) * pieceLength && total > 0) {
      throw new Bencode.Malformed("info.pieces does not match the length of the content");
    }
    return new TorrentFile(
        sha1Hex(data, d.infoStart(), d.infoEnd()), name, List.copyOf(files), total);
  }

  private static Entry entry(Object o, int i) throws Bencode.Malformed {
    String at = "info.files[" + i + "]";
    if (!(o instanceof Map<?, ?> f) || !(f.get("length") instanceof Long length) || length < 0) {
      throw new Bencode.Malformed(at + " has no valid length");
    }
    if (!(f.get("path") instanceof List<?> parts) || parts.isEmpty()) {
      throw new Bencode.Malformed(at + " has no path");
    }
    StringBuilder path = new StringBuilder();
    for (Object p : parts) {
      String part = Bencode.text(p);
      if (part == null || !safePart(part)) {
        throw new Bencode.Malformed(at + ".path has a part that is not a usable file name");
      }
      path.append(path.length() == 0 ? "" : "/").append(part);
    }
    return new Entry(path.toString(), length);
  }

  private static boolean safePart(String s) {
    return !s.equals(".")
        && !s.equals("..")
        && s.indexOf('/') < 0
        && s.indexOf('\\') < 0
        && s.indexOf('\0') < 0;
  }

  private static String sha1Hex(byte[] data, int from, int to) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      sha1.update(data, from, to - from);
      return HexFormat.of().formatHex(sha1.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
