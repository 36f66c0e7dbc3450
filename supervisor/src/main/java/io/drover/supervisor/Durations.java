package io.drover.supervisor;

import java.time.Duration;

/** Short human renderings used in events and logs. */
public final class Durations {
  private Durations() {}

  /** "250ms", "1.5s", "2m30s". */
  public static String human(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return (ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format("%.1f", ms / 1000.0)) + "s";
    }
    long s = ms / 1000;
    return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
  }

  /** "12.3 MiB". */
  static String bytes(long b) {
    return String.format("%.1f MiB", b / (1024.0 * 1024.0));
  }

  /** How a process ended, from Java's exit value (128 + signal for a signal). */
  static String status(int status) {
    if (status > 128 && status < 128 + 65) {
      return "killed by signal " + (status - 128);
    }
    return "exited with status " + status;
  }
}
