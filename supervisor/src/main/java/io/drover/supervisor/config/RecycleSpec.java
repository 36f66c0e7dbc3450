package io.drover.supervisor.config;

import java.time.Duration;

/**
 * When a worker is replaced before it ages (memory leaks, fragmentation): after serving {@code
 * maxRequests} requests or running {@code maxAge}, it is replaced the way a rolling restart
 * replaces one (a replacement starts, becomes ready, then the old one is drained and stopped).
 *
 * @param maxRequests requests served before the worker is recycled; 0: no limit
 * @param maxAge time since it became ready before it is recycled; zero: no limit
 * @param jitter each worker's limits are drawn from [limit, limit × (1 + jitter)], so that workers
 *     started together do not recycle together; 0 to 1
 */
public record RecycleSpec(long maxRequests, Duration maxAge, double jitter) {
  /** No recycling. */
  public static final RecycleSpec OFF = new RecycleSpec(0, Duration.ZERO, 0);

  public boolean enabled() {
    return maxRequests > 0 || !maxAge.isZero();
  }

  /** {@code limit} spread by jitter: {@code draw} is uniform in [0, 1). */
  public long spread(long limit, double draw) {
    return limit + (long) Math.floor(limit * jitter * draw);
  }
}
