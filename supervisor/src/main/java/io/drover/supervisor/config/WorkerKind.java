package io.drover.supervisor.config;

/** What runs an app's workers. */
public enum WorkerKind {
  /** An OS process per worker. */
  PROCESS,
  /** An instance of a Java {@code Worker} class per worker, on the app's own thread pool. */
  ACTOR;

  public String configName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
