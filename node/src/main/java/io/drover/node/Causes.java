package io.drover.node;

/** The innermost cause of a failure, which is what an operator needs to read (an ask's time-out, a config error). */
final class Causes {
  private Causes() {}

  /** The last cause in {@code e}'s chain ({@code e} itself when it has none). */
  static Throwable root(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /** The root cause's message, or its class and nothing else when it has none. */
  static String message(Throwable e) {
    Throwable root = root(e);
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }
}
