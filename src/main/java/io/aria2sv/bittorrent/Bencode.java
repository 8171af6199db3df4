package io.aria2sv.bittorrent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict decoder of bencoding (BEP 3): integers as {@link Long}, strings as {@code byte[]}, lists
 * and dictionaries. It remembers where the top-level {@code info} dictionary lies, whose bytes give
 * a torrent's info hash. Refuses trailing bytes, nesting deeper than 64 and anything malformed,
 * with a message saying what and where.
 */
public final class Bencode {
  private static final int MAX_DEPTH = 64;

  private final byte[] in;
  private int pos;
  private int infoStart = -1;
  private int infoEnd = -1;

  private Bencode(byte[] in) {
    this.in = in;
  }

  /** A decoded document and the byte range of its top-level {@code info} value (-1 when absent). */
  public record Decoded(Object value, int infoStart, int infoEnd) {}

  /** Thrown for input that is not bencoding. */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  public static Decoded decode(byte[] data) throws Malformed {
    Bencode b = new Bencode(data);
    Object v = b.value(0, true);
    if (b.pos != data.length) {
      throw new Malformed("trailing bytes after the end at offset " + b.pos);
    }
    return new Decoded(v, b.infoStart, b.infoEnd);
  }

  /** A string value as UTF-8 text. */
  public static String text(Object v) {
    return v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : null;
  }

  private Object value(int depth, boolean top) throws Malformed {
    if (depth > MAX_DEPTH) {
      throw new Malformed("nested deeper than " + MAX_DEPTH);
    }
    if (pos >= in.length) {
      throw new Malformed("ends early at offset " + pos);
    }
    byte c = in[pos];
    if (c == 'i') {
      pos++;
      long n = number('e');
      return n;
    }
    if (c == 'l') {
      pos++;
      List<Object> list = new ArrayList<>();
      while (peek() != 'e') {
        list.add(value(depth + 1, false));
      }
      pos++;
      return list;
    }
    if (c == 'd') {
      pos++;
      Map<String, Object> map = new LinkedHashMap<>();
      while (peek() != 'e') {
        // aria2 accepts keys out of order, and so do we; a duplicate would be ambiguous
        String key = text(string());
        if (map.containsKey(key)) {
          throw new Malformed("dictionary key '" + key + "' appears twice");
        }
        int start = pos;
        Object v = value(depth + 1, false);
        if (top && key.equals("info")) {
          infoStart = start;
          infoEnd = pos;
        }
        map.put(key, v);
      }
      pos++;
      return map;
    }
    if (c >= '0' && c <= '9') {
      return string();
    }
    throw new Malformed("unexpected byte '" + (char) c + "' at offset " + pos);
  }

  private byte peek() throws Malformed {
    if (pos >= in.length) {
      throw new Malformed("ends early at offset " + pos);
    }
    return in[pos];
  }

  private byte[] string() throws Malformed {
    if (peek() < '0' || peek() > '9') {
      throw new Malformed("a string was expected at offset " + pos);
    }
    long len = number(':');
    if (len < 0 || len > in.length - pos) {
      throw new Malformed("a string of " + len + " bytes runs past the end at offset " + pos);
    }
    byte[] out = new byte[(int) len];
    System.arraycopy(in, pos, out, 0, (int) len);
    pos += (int) len;
    return out;
  }

  private long number(char end) throws Malformed {
    int start = pos;
    while (pos < in.length && in[pos] != end) {
      pos++;
    }
    if (pos >= in.length) {
      throw new Malformed("a number starting at offset " + start + " never ends");
    }
    String s = new String(in, start, pos - start, StandardCharsets.US_ASCII);
    pos++;
    if (!s.matches("-?(0|[1-9][0-9]{0,18})") || s.equals("-0")) {
      throw new Malformed("'" + s + "' at offset " + start + " is not a number");
    }
    return Long.parseLong(s);
  }
}
