package io.drover.supervisor.config;

/**
 * One thing wrong with a configuration: where it is, which key, what was found and what was
 * expected. Rendered as exactly one line: {@code <file>:<line>: <key>: found <found>, expected
 * <expected>}; the line is left out when unknown ({@code line < 1}) and the key when empty (a
 * syntax error belongs to no key).
 *
 * @param file the file as the user named it (or the origin name of a parsed string)
 * @param line 1-based line in {@code file}, or 0 when unknown
 * @param key the full path of the offending key, e.g. {@code drover.apps.web.instances}, or ""
 * @param found what the configuration holds there, rendered for humans (strings quoted)
 * @param expected what would have been accepted
 */
public record ConfigProblem(String file, int line, String key, String found, String expected) {

  public ConfigProblem {
    file = oneLine(file);
    line = Math.max(0, line);
    key = oneLine(key);
    found = oneLine(found);
    expected = oneLine(expected);
  }

  /** The problem as one line, e.g. {@code a.conf:12: drover.apps.web.instances: found -1, ...}. */
  public String message() {
    StringBuilder s = new StringBuilder(file);
    if (line > 0) {
      s.append(':').append(line);
    }
    s.append(": ");
    if (!key.isEmpty()) {
      s.append(key).append(": ");
    }
    return s.append("found ").append(found).append(", expected ").append(expected).toString();
  }

  @Override
  public String toString() {
    return message();
  }

  /** Text without line breaks or other control characters, so a problem stays one line. */
  static String oneLine(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder s = new StringBuilder(text.length());
    text.codePoints()
        .forEach(
            c -> {
              if (c == '\n' || c == '\r' || c == '\t') {
                s.append(' ');
              } else if (Character.isISOControl(c) || c == 0xFFFD) {
                s.append(String.format("\\u%04x", c));
              } else {
                s.appendCodePoint(c);
              }
            });
    return s.toString();
  }
}
