package io.drover.supervisor.config;

import java.time.Duration;

/**
 * How many workers an app runs as its load changes (off unless {@code max > 0}): every {@code
 * interval} the node's front counts the app's requests in flight and queued, and the app is
 * scaled toward {@code ceil(load / target)} workers within {@code [min, max]}. As with
 * Kubernetes' HPA, a scale-up takes the lowest recommendation of the last {@code upWindow} (0 s:
 * at once) and a scale-down the highest of the last {@code downWindow}, so a short lull does not
 * shed workers that the next burst needs.
 *
 * @param min fewest workers (at least 1)
 * @param max most workers; 0 turns autoscaling off
 * @param target requests in flight or queued per worker the app aims at
 * @param upWindow how long load must call for more workers before they are added
 * @param downWindow how long load must allow fewer workers before they are removed
 * @param interval how often the load is sampled
 */
public record AutoscaleSpec(int min, int max, double target, Duration upWindow, Duration downWindow, Duration interval) {
  /** No autoscaling. */
  public static final AutoscaleSpec OFF =
      new AutoscaleSpec(1, 0, 1, Duration.ZERO, Duration.ofMinutes(5), Duration.ofSeconds(1));

  public boolean enabled() {
    return max > 0;
  }

  /** The workers {@code load} calls for, within [min, max]. */
  public int recommend(double load) {
    int n = (int) Math.ceil(load / target - 1e-9); // 21 / 0.7 is 30.000000000000004
    return Math.max(min, Math.min(max, n));
  }
}
