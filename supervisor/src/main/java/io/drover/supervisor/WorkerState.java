package io.drover.supervisor;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The lifecycle of a worker: {@code STARTING -> READY -> DRAINING -> STOPPED}, and on failure
 * {@code FAILED -> BACKOFF -> STARTING}.
 */
public enum WorkerState {
  /** Spawned (or spawning) and not yet ready. */
  STARTING,
  /** Passed readiness; registered with the receptionist and gets traffic. */
  READY,
  /** Being stopped: out of rotation, waiting for in-flight work, then signalled. */
  DRAINING,
  /** Not running, and not going to run until asked. */
  STOPPED,
  /** Exited abnormally or failed to start; the app supervisor decides what follows. */
  FAILED,
  /** Waiting out a restart delay. */
  BACKOFF;

  private static final Set<WorkerState> ROUTABLE = EnumSet.of(READY);
  private static final Set<WorkerState> RUNNING = EnumSet.of(STARTING, READY, DRAINING);

  /** States in which the front may send the worker requests. */
  public static Set<WorkerState> routable() {
    return ROUTABLE;
  }

  /** States in which the worker has a live OS process (or is spawning one). */
  public static Set<WorkerState> running() {
    return RUNNING;
  }

  public boolean isRoutable() {
    return ROUTABLE.contains(this);
  }

  /** Lower-case name, as shown to users. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
