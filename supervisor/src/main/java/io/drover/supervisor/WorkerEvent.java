package io.drover.supervisor;

import java.time.Instant;

/**
 * A worker changed state.
 *
 * @param at when
 * @param app the app's name
 * @param instance the worker's index within the app, from 0
 * @param state the new state
 * @param pid the OS process id, or 0 when there is none
 * @param port the worker's PORT, or 0 when none is assigned
 * @param restarts how many times this worker has been restarted
 * @param detail why, in a few words ("exited with status 1", "restart in 400ms", ...)
 */
public record WorkerEvent(
    Instant at,
    String app,
    int instance,
    WorkerState state,
    long pid,
    int port,
    int restarts,
    String detail)
    implements DroverEvent {

  /** The worker's name, {@code app-instance}. */
  public String worker() {
    return app + "-" + instance;
  }
}
