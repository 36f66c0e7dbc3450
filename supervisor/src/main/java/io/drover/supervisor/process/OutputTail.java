package io.drover.supervisor.process;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The last bytes a worker wrote to one of its streams (its stderr), kept in memory so that why a
 * worker would not start can be said where it is seen — in its exit's event, the console and
 * {@code status} — and not only in its .err file. Written by the {@link OutputPoller}'s thread,
 * read by the worker's actor; {@link #closed} completes when the stream ended.
 */
public final class OutputTail {
  private static final int KEEP = 2048;

  private final byte[] ring = new byte[KEEP];
  private long written; // guarded by this
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  synchronized void add(byte[] buf, int n) {
    int from = Math.max(0, n - KEEP);
    for (int i = from; i < n; i++) {
      ring[(int) (written++ % KEEP)] = buf[i];
    }
  }

  void close() {
    closed.complete(null);
  }

  /** Completes when the stream has ended: the worker exited and what it wrote was read. */
  public CompletableFuture<Void> closed() {
    return closed;
  }

  /** Its last {@code lines} non-blank lines joined by " | ", at most 300 characters; "" if none. */
  public String lastLines(int lines) {
    byte[] copy;
    synchronized (this) {
      int n = (int) Math.min(written, KEEP);
      copy = new byte[n];
      for (int i = 0; i < n; i++) {
        copy[i] = ring[(int) ((written - n + i) % KEEP)];
      }
    }
    String[] all = new String(copy, StandardCharsets.UTF_8).split("\r?\n");
    StringBuilder s = new StringBuilder();
    int taken = 0;
    for (int i = all.length - 1; i >= 0 && taken < lines; i--) {
      String line = all[i].strip();
      if (!line.isEmpty()) {
        s.insert(0, taken++ == 0 ? line : line + " | ");
      }
    }
    return s.length() <= 300 ? s.toString() : "…" + s.substring(s.length() - 299);
  }
}
