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

  /** The wait before a readiness probe after the first miss; each next wait is a tenth longer. */
  static final Duration FIRST_READINESS_WAIT = Duration.ofMillis(10);

  public boolean enabled() {
    return type != ProbeType.NONE;
  }

  /**
   * Readiness: the wait before the next probe after {@code misses} misses in a row (1 or more):
   * 10 ms, then a tenth longer each time (11, 12, 13 ms, ...), at most {@code interval}. The first
   * probe comes as soon as the process is spawned. Each wait is about a tenth of the time since the
   * spawn plus 10 ms, so a worker is seen ready at most about 10 % + 10 ms after it is (a Node app
   * that boots in 170 ms: by 181 ms, where waits growing by half came at 205 ms). Every restart and
   * deploy waits for it. Probes to a worker still booting are cheap (a refused connect, or one
   * small request), about 30 of them in the first 2 s; after that it is probed every interval.
   */
  public Duration readinessWait(int misses) {
    double ms = FIRST_READINESS_WAIT.toMillis() * Math.pow(1.1, Math.max(0, misses - 1));
    return ms >= interval.toMillis() ? interval : Duration.ofMillis((long) ms);
  }
}
