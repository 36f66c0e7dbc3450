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
 * @param recycles times its slot's worker was recycled ({@code recycle.max-requests}, {@code max-age})
 * @param cpuSeconds CPU time its process tree has used, or null when it has no process (an actor
 *     worker, or none running)
 * @param cpuPercent its process tree's CPU use lately, 100 = one core, or null when it has no process
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
    String node,
    int recycles,
    Double cpuSeconds,
    Double cpuPercent) implements CrossNode {

  /** Without CPU figures: a worker without a process, or one not measured. */
  public WorkerStatus(String app, int instance, WorkerState state, long pid, int port, int restarts,
      Instant since, Instant startedAt, long rssBytes, String detail, String node, int recycles) {
    this(app, instance, state, pid, port, restarts, since, startedAt, rssBytes, detail, node, recycles, null, null);
  }

  /** Without recycles: a slot not recycled so far. */
  public WorkerStatus(String app, int instance, WorkerState state, long pid, int port, int restarts,
      Instant since, Instant startedAt, long rssBytes, String detail, String node) {
    this(app, instance, state, pid, port, restarts, since, startedAt, rssBytes, detail, node, 0);
  }

  /** This status as seen on cluster member {@code node}. */
  public WorkerStatus withNode(String node) {
    return new WorkerStatus(app, instance, state, pid, port, restarts, since, startedAt, rssBytes, detail, node,
        recycles, cpuSeconds, cpuPercent);
  }

  /** Time since the current process was spawned, zero when there is none. */
  public Duration uptime(Instant now) {
    return startedAt == null ? Duration.ZERO : Duration.between(startedAt, now);
  }
}
