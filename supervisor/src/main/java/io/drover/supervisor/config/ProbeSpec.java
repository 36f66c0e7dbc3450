package io.drover.supervisor.config;

import java.time.Duration;

/**
 * A readiness or liveness check.
 *
 * @param type what is checked
 * @param path the HTTP path for {@link ProbeType#HTTP}
 * @param interval time between two probes
 * @param timeout readiness: the whole time a worker has to become ready (fails closed);
 *     liveness: the time one probe may take
 * @param failures liveness: misses in a row before the worker is restarted (unused for readiness)
 */
public record ProbeSpec(
    ProbeType type, String path, Duration interval, Duration timeout, int failures) {

  public boolean enabled() {
    return type != ProbeType.NONE;
  }
}
