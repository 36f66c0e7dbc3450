package io.drover.supervisor.config;

import java.util.Collection;
import java.util.Optional;

/** Suggests the known key an unknown one was probably meant to be (a typo, by edit distance). */
final class KeySuggester {
  /** Edits (insert, delete, substitute, swap) a typo may have to be recognised. */
  static final int MAX_DISTANCE = 2;

  private KeySuggester() {}

  /** The closest known key within {@link #MAX_DISTANCE} edits (fewer for short keys), if any. */
  static Optional<String> suggest(String unknown, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int distance = distance(unknown.toLowerCase(), candidate.toLowerCase());
      int allowed = Math.min(MAX_DISTANCE, Math.max(1, candidate.length() / 3));
      if (distance <= allowed
          && (distance < bestDistance
              || (distance == bestDistance && candidate.compareTo(best) < 0))) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Optimal string alignment distance: Levenshtein distance where swapping two adjacent
   * characters counts as one edit ({@code comand} is 1 from {@code command}, {@code
   * polciy} is 1 from {@code policy}).
   */
  static int distance(String a, String b) {
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
