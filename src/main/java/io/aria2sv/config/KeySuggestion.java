package io.aria2sv.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known name an unknown one was most likely meant to be, for the "did you mean" of a refused
 * configuration key or download option. Case and separators ({@code .}, {@code _}, {@code -}) do
 * not count, so {@code ARIA2SV_SUPERVISOR_CHECKINTERVAL} finds {@code
 * ARIA2SV_SUPERVISOR_CHECK_INTERVAL}; beyond that, a name at most two slips away (a letter missing,
 * extra, wrong, or two swapped; one slip for names under 8 letters) is suggested when no other name
 * is as close.
 */
public final class KeySuggestion {
  private KeySuggestion() {}

  /**
   * The closest of {@code known} to {@code given}, if one is close enough and no other is as close.
   */
  public static Optional<String> closest(String given, Collection<String> known) {
    String g = normalized(given);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    boolean tie = false;
    for (String candidate : known) {
      int d = distance(g, normalized(candidate));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
        tie = false;
      } else if (d == bestDistance) {
        tie = true;
      }
    }
    int allowed = g.length() < 8 ? 1 : 2;
    return best != null && !tie && bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** {@code "; did you mean X?"} for the closest known name, or an empty string. */
  public static String didYouMean(String given, Collection<String> known) {
    return closest(given, known).map(k -> "; did you mean " + k + "?").orElse("");
  }

  private static String normalized(String name) {
    return name.replaceAll("[._-]", "").toLowerCase(Locale.ROOT);
  }

  /** Edits (insert, delete, replace, swap of two neighbours) from {@code a} to {@code b}. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
