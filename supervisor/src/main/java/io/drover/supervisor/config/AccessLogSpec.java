package io.drover.supervisor.config;

/**
 * The front's access log: one line per request, written to {@code <logs-dir>/access.log}.
 *
 * @param enabled whether requests are logged (each app's {@code route.access-log} may say otherwise)
 * @param format how a line is written
 * @param rotation when the file is rotated and how many rotated files are kept (as a worker's logs)
 */
public record AccessLogSpec(boolean enabled, Format format, LogSpec rotation) {
  /** How a line is written. */
  public enum Format {
    /** The combined log format of nginx and Apache, followed by key=value fields. */
    TEXT,
    /** One JSON object per line. */
    JSON
  }

  /** An app's {@code route.access-log}: the node's setting, or always, or never. */
  public enum Choice {
    INHERIT,
    ON,
    OFF;

    /** Whether an app with this choice is logged on a node whose access log is {@code enabled}. */
    public boolean logs(boolean enabled) {
      return this == ON || (this == INHERIT && enabled);
    }
  }
}
