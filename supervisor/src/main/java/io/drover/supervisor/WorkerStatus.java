package io.drover.supervisor;

import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of one worker, for status views.
 *
 * @param app the app's name
 * @param instance index within the app
 * @param state lifecycle state
 * @param pid OS process id, 0 when none
 * @param port PORT given to the worker, 0 when none
 * @param restarts restarts so far
 * @param since when the worker entered {@code state}
 * @param startedAt when its current process was spawned, or null
 * @param rssBytes RSS of its process tree, 0 when none
 * @param detail the reason of the last change
 * @param node the cluster member it runs on, for a slot of a cluster-placed app; null otherwise
 */
public record WorkerStatus(
    String app,
    int instance,
    WorkerState state,
    long pid,
    int port,
    int restarts,
    Instant since,
    Instant startedAt,
    long rssBytes,
    String detail,
    String node) implements CrossNode {

  /** Time since the current process was spawned, zero when there is none. */
  public Duration uptime(Instant now) {
    return startedAt == null ? Duration.ZERO : Duration.between(startedAt, now);
  }
}
