package io.drover.supervisor.config;

import java.time.Duration;

/**
 * A readiness or liveness check.
 *
 * @param type what is checked
 * @param path the HTTP path for {@link ProbeType#HTTP}
 * @param interval time between two probes; readiness: the longest (see {@link #readinessWait})
 * @param timeout readiness: the whole time a worker has to become ready (fails closed);
 *     liveness: the time one probe may take
 * @param failures liveness: misses in a row before the worker is restarted (unused for readiness)
 */
public record ProbeSpec(
    ProbeType type, String path, Duration interval, Duration timeout, int failures) {

  /** The wait before a readiness probe after the first miss; each next wait is half as long again. */
  static final Duration FIRST_READINESS_WAIT = Duration.ofMillis(10);

  public boolean enabled() {
    return type != ProbeType.NONE;
  }

  /**
   * Readiness: the wait before the next probe after {@code misses} misses in a row (1 or more):
   * 10 ms, then half as long again each time (15, 22, 33, 50 ms, ...), at most {@code interval}.
   * The first probe comes as soon as the process is spawned. A worker that boots in 60 ms is seen
   * ready a few ms later rather than a whole interval later (every restart and deploy waits for
   * it); one that boots slowly is probed every interval after the first ~half second.
   */
  public Duration readinessWait(int misses) {
    double ms = FIRST_READINESS_WAIT.toMillis() * Math.pow(1.5, Math.max(0, misses - 1));
    return ms >= interval.toMillis() ? interval : Duration.ofMillis((long) ms);
  }
}
