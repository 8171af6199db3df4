package io.aria2sv.trackers;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The announce URLs of plain-text tracker lists: one a line (blank lines and {@code #} comments
 * skipped; commas and spaces separate too), only {@code http}, {@code https} and {@code udp} with a
 * host, at most {@value #MAX_LENGTH} characters each; merged in order without repeats, at most
 * {@value #MAX_TRACKERS} in all.
 */
final class TrackerList {
  /** The most trackers given to aria2. */
  static final int MAX_TRACKERS = 1000;

  /** The longest announce URL kept. */
  static final int MAX_LENGTH = 512;

  /** The largest list body read; a larger one is refused. */
  static final int MAX_BYTES = 1 << 20;

  private static final Set<String> SCHEMES = Set.of("http", "https", "udp");

  private TrackerList() {}

  /** The usable announce URLs of one list, in order, without repeats. */
  static List<String> parse(String text) {
    Set<String> out = new LinkedHashSet<>();
    for (String line : text.split("\\R")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      for (String candidate : l.split("[,\\s]+")) {
        if (usable(candidate) && out.size() < MAX_TRACKERS) {
          out.add(candidate);
        }
      }
    }
    return List.copyOf(out);
  }

  /** Lists merged in order, without repeats, cut at {@link #MAX_TRACKERS}. */
  static List<String> merge(Collection<List<String>> lists) {
    Set<String> out = new LinkedHashSet<>();
    for (List<String> list : lists) {
      for (String t : list) {
        if (out.size() < MAX_TRACKERS) {
          out.add(t);
        }
      }
    }
    return new ArrayList<>(out);
  }

  static boolean usable(String s) {
    if (s.isEmpty() || s.length() > MAX_LENGTH || s.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      return false;
    }
    try {
      URI u = new URI(s);
      return u.getScheme() != null
          && SCHEMES.contains(u.getScheme().toLowerCase(Locale.ROOT))
          && u.getHost() != null
          && !u.getHost().isEmpty()
          && u.getUserInfo() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
