package io.drover.supervisor;

/** Why a worker's process ended; restart decisions read only this. */
public enum ExitKind {
  /** Drover stopped it (operator, scale-down, shutdown, a sibling's restart strategy). */
  REQUESTED,
  /** It exited with status 0 on its own. */
  NORMAL,
  /** It exited with a non-zero status or was killed by a signal. */
  ABNORMAL,
  /** It could not boot (command missing, spawn error) or was not ready in time. */
  FAILED_START,
  /** It stopped answering its liveness probe. */
  UNHEALTHY,
  /** Its process tree went over {@code max-memory}. */
  MEMORY;

  /** Abnormal exits are the ones a {@code transient} worker is restarted after. */
  public boolean abnormal() {
    return this != REQUESTED && this != NORMAL;
  }
}
