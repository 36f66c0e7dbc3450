package io.drover.supervisor.config;

import java.time.Duration;

/**
 * How the front shares an app's workers among requests: how many one worker gets at once, and the
 * one FIFO queue per app where the rest wait for a free worker.
 *
 * @param maxConcurrency requests one worker gets at once from this node's front; 0 is unlimited
 *     (no queue)
 * @param queueLength requests that may wait for a free worker; one more is answered 503
 * @param queueTimeout how long a request may wait; past it, 503
 * @param slowStart a worker that just became ready is given a growing share of traffic over this
 *     time (zero: its full share at once)
 */
public record CapacitySpec(int maxConcurrency, int queueLength, Duration queueTimeout, Duration slowStart) {
  /** Today's behaviour: no limit, no queue, no ramp. */
  public static final CapacitySpec UNLIMITED = new CapacitySpec(0, 1000, Duration.ofSeconds(30), Duration.ZERO);

  public boolean limited() {
    return maxConcurrency > 0;
  }

  public CapacitySpec withMaxConcurrency(int n) {
    return new CapacitySpec(n, queueLength, queueTimeout, slowStart);
  }
}
