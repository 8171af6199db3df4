package io.aria2sv.downloads.request;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The values aria2 takes for each per-download option, checked before aria2 sees them: aria2 itself
 * only answers "We encountered a problem while processing the option", without saying what it
 * wanted. Ranges are aria2's (its manual); an option not listed here takes any text.
 */
final class OptionValues {
  private OptionValues() {}

  private static final Pattern UNIT_NUMBER = Pattern.compile("[0-9]{1,15}[KkMm]?");
  private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9})?");
  private static final Pattern WHOLE = Pattern.compile("[0-9]{1,9}");
  private static final Pattern INDEXES = Pattern.compile("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*");
  private static final Pattern CHECKSUM =
      Pattern.compile("(?i)(sha-1|sha-224|sha-256|sha-384|sha-512|md5|adler32)=[0-9a-f]+");
  private static final Pattern PIECES =
      Pattern.compile("(head|tail)(=[0-9]+[KkMm]?)?(,(head|tail)(=[0-9]+[KkMm]?)?)?");

  private static final Set<String> SPEEDS =
      Set.of(
          "max-download-limit",
          "max-upload-limit",
          "lowest-speed-limit",
          "bt-request-peer-speed-limit");
  private static final Set<String> BOOLEANS =
      Set.of(
          "allow-overwrite",
          "remote-time",
          "check-certificate",
          "pause",
          "conditional-get",
          "http-accept-gzip");

  /** Whole numbers: the least and the most aria2 takes. */
  private static final Map<String, long[]> WHOLE_RANGES =
      Map.of(
          "split", new long[] {1, Long.MAX_VALUE},
          "max-connection-per-server", new long[] {1, 16},
          "max-tries", new long[] {0, Long.MAX_VALUE},
          "retry-wait", new long[] {0, 600},
          "timeout", new long[] {1, 600},
          "connect-timeout", new long[] {1, 600},
          "max-file-not-found", new long[] {0, Long.MAX_VALUE},
          "bt-max-peers", new long[] {0, Long.MAX_VALUE},
          "bt-stop-timeout", new long[] {0, Long.MAX_VALUE});

  /** Sizes in bytes with an optional K or M: the least and the most aria2 takes. */
  private static final Map<String, long[]> SIZE_RANGES =
      Map.of(
          "min-split-size", new long[] {1 << 20, 1L << 30},
          "piece-length", new long[] {1 << 20, 1L << 30});

  private static final Map<String, Set<String>> CHOICES =
      Map.of(
          "uri-selector", Set.of("inorder", "feedback", "adaptive"),
          "stream-piece-selector", Set.of("default", "inorder", "random", "geom"),
          "file-allocation", Set.of("none", "prealloc", "trunc", "falloc"));

  /** Fails naming {@code field} when aria2 would refuse {@code value} for option {@code name}. */
  static void check(String name, String value, String field) {
    if (SPEEDS.contains(name) && !UNIT_NUMBER.matcher(value).matches()) {
      throw new ValidationException(
          field,
          "must be a speed in bytes per second: a whole number with an optional K or M"
              + " (e.g. 500K or 2M; 0 for no limit)");
    }
    if (BOOLEANS.contains(name) && !value.equals("true") && !value.equals("false")) {
      throw new ValidationException(field, "must be true or false");
    }
    long[] whole = WHOLE_RANGES.get(name);
    if (whole != null
        && (!WHOLE.matcher(value).matches()
            || Long.parseLong(value) < whole[0]
            || Long.parseLong(value) > whole[1])) {
      throw new ValidationException(
          field,
          "must be a whole number from "
              + whole[0]
              + (whole[1] == Long.MAX_VALUE ? " up" : " to " + whole[1]));
    }
    long[] size = SIZE_RANGES.get(name);
    if (size != null
        && (!UNIT_NUMBER.matcher(value).matches()
            || bytes(value) < size[0]
            || bytes(value) > size[1])) {
      throw new ValidationException(
          field, "must be a size from 1M to 1024M (bytes, with an optional K or M)");
    }
    Set<String> choices = CHOICES.get(name);
    if (choices != null && !choices.contains(value)) {
      throw new ValidationException(
          field, "must be one of " + String.join(", ", new java.util.TreeSet<>(choices)));
    }
    if ((name.equals("seed-ratio") || name.equals("seed-time"))
        && !DECIMAL.matcher(value).matches()) {
      throw new ValidationException(
          field,
          "must be a number from 0 up ("
              + (name.equals("seed-ratio") ? "a share ratio, e.g. 1.5" : "minutes, e.g. 90")
              + ")");
    }
    if (name.equals("select-file") && !INDEXES.matcher(value).matches()) {
      throw new ValidationException(
          field, "must be file indexes from 1, separated by commas, with ranges (e.g. 1,3-5)");
    }
    if (name.equals("checksum") && !CHECKSUM.matcher(value).matches()) {
      throw new ValidationException(
          field, "must be TYPE=DIGEST with TYPE one of sha-1, sha-256, sha-512, md5, adler32 ...");
    }
    if (name.equals("bt-prioritize-piece") && !PIECES.matcher(value).matches()) {
      throw new ValidationException(
          field, "must be head[=SIZE], tail[=SIZE] or both separated by a comma");
    }
  }

  private static long bytes(String value) {
    char unit = Character.toUpperCase(value.charAt(value.length() - 1));
    if (unit == 'K' || unit == 'M') {
      long n = Long.parseLong(value.substring(0, value.length() - 1));
      return n * (unit == 'K' ? 1024 : 1024 * 1024);
    }
    return Long.parseLong(value);
  }
}
