package io.drover.node.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Small text helpers of the verbs. */
final class Cli {
  private Cli() {}

  /** One line of at most {@code max} characters. */
  static String oneLine(String s, int max) {
    if (s == null) {
      return "";
    }
    String line = s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    return line.length() <= max ? line : line.substring(0, max - 1) + "…";
  }

  /** A path segment, percent-encoded. */
  static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** 5s, 3m05s, 2h07m, 3d04h; "-" for none. */
  static String duration(long ms) {
    if (ms <= 0) {
      return "-";
    }
    if (ms < 1000) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s < 60) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 60) {
      return String.format(Locale.ROOT, "%dm%02ds", m, s % 60);
    }
    long h = m / 60;
    if (h < 24) {
      return String.format(Locale.ROOT, "%dh%02dm", h, m % 60);
    }
    return String.format(Locale.ROOT, "%dd%02dh", h / 24, h % 24);
  }

  /** Bytes as MiB with one decimal; "-" for none. */
  static String mib(long bytes) {
    return bytes <= 0 ? "-" : String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
  }

  /** Left-aligned columns, two spaces apart; the last column is not padded. */
  static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table row(String... cells) {
      rows.add(cells);
      return this;
    }

    void print(PrintWriter out) {
      int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
      int[] width = new int[cols];
      for (String[] r : rows) {
        for (int i = 0; i < r.length; i++) {
          width[i] = Math.max(width[i], r[i].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
          line.append(r[i]);
          if (i < r.length - 1) {
            line.append(" ".repeat(width[i] - r[i].length() + 2));
          }
        }
        out.println(line.toString().stripTrailing());
      }
      out.flush();
    }
  }
}
