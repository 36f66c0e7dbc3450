package io.drover.http.management;

import java.util.Optional;

/** Query parameters and messages as the API reads and shows them. */
final class Params {
  private Params() {}

  /** A boolean query parameter: absent is false, {@code ?name} or {@code true} is true; empty for anything else. */
  static Optional<Boolean> flag(String value) {
    if (value == null || value.equals("false")) {
      return Optional.of(false);
    }
    return value.isEmpty() || value.equals("true") ? Optional.of(true) : Optional.empty();
  }

  /** An integer query parameter from {@code min} to {@code max}; empty for anything else. */
  static Optional<Integer> intParam(String value, int min, int max) {
    try {
      int n = Integer.parseInt(value == null ? "" : value.trim());
      return n >= min && n <= max ? Optional.of(n) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The first line of a message (exceptions' messages can run long). */
  static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
