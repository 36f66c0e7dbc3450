package io.drover.node.cli;

/** Parses a text/event-stream line by line (the fields Drover sends: event and data). */
final class Sse {
  /** One event; false ends the stream. */
  interface Handler {
    boolean event(String type, String data);
  }

  private final Handler handler;
  private String type;
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;

  Sse(Handler handler) {
    this.handler = handler;
  }

  /** Feeds one line (without its line break); false once the handler asked to stop. */
  boolean line(String line) {
    if (line.isEmpty()) {
      boolean go = true;
      if (hasData && data.length() > 0) { // as browsers do: an empty event (a heartbeat) is not one
        go = handler.event(type == null ? "message" : type, data.toString());
      }
      type = null;
      data.setLength(0);
      hasData = false;
      return go;
    }
    if (line.startsWith(":")) {
      return true; // a comment (keep-alive)
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("event")) {
      type = value;
    } else if (field.equals("data")) {
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    }
    return true;
  }

  /** The value of a {@code data:} line, or null for any other line. */
  static String dataOf(String line) {
    if (!line.startsWith("data:")) {
      return null;
    }
    String value = line.substring(5);
    return value.startsWith(" ") ? value.substring(1) : value;
  }
}
