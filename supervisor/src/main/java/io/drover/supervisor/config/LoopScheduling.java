package io.drover.supervisor.config;

/**
 * How Linux schedules the front's event-loop threads ({@code drover.http.loop-scheduling}).
 * {@link #BATCH}: {@code SCHED_BATCH}, a loop that wakes does not preempt the worker running on its
 * core; it runs when that worker's slice ends, at its fair share, and finds more work waiting.
 * {@link #NORMAL}: the default policy, a loop that wakes may preempt at once.
 */
public enum LoopScheduling {
  BATCH,
  NORMAL
}
