package io.drover.supervisor.config;

/** What runs an app's workers. */
public enum WorkerKind {
  /** An OS process per worker. */
  PROCESS;

  public String configName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
