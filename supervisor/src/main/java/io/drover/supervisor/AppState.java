package io.drover.supervisor;

import java.util.Locale;

/** The state of an app as a whole. */
public enum AppState {
  /** Its workers are supervised and restarted by its rules. */
  RUNNING,
  /** Restart intensity was exceeded: its workers were stopped (visible, never silent). */
  FAILED,
  /** Stopped by an operator or node shutdown. */
  STOPPED;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
