package io.drover.node;

import io.drover.supervisor.AppState;
import io.drover.supervisor.config.AutoscaleSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What the cluster autoscaler of one node knows of each autoscaled cluster-placed app: its
 * {@link ScaleWindow}, the slot count last seen in this node's settings, and a decision of this
 * node not yet seen there. Every node keeps one and feeds it the same samples (the load summed
 * over every front, each app's interval), deciding or not, so the windows of the node that takes
 * over when the oldest leaves have been watched all along: its first decision is due when the
 * leaver's would have been, not a whole window later. A node that joined less than a window
 * before it takes over has watched less: its windows count from its first sample (at worst a
 * decision one window later than the leaver's). Pure, single-threaded: the actor owns it.
 */
final class ClusterScaleState {
  /** How long a decision may take to come back in this node's settings before the app is decided on again. */
  static final Duration SETTLE = Duration.ofSeconds(15);

  private record Awaited(int count, long at) {}

  private final Map<String, ScaleWindow> windows = new HashMap<>();
  private final Map<String, Integer> lastSize = new HashMap<>();
  private final Map<String, Awaited> awaiting = new HashMap<>();

  /**
   * Adds one sample of {@code app} and returns the slot count to scale to, or {@code current} to
   * stay.
   *
   * @param current the slot count in this node's settings
   * @param ready the slots ready now
   * @param demand requests in flight or queued, summed over the fronts that answered
   */
  int sample(String app, AutoscaleSpec spec, int current, AppState state, int ready, int demand, long now) {
    Awaited wait = awaiting.get(app);
    if (wait != null) {
      if (wait.count() != current && now - wait.at() < SETTLE.toNanos()) {
        return current; // this node's last decision has not reached its settings yet
      }
      awaiting.remove(app);
    }
    if (state == AppState.STOPPED) {
      windows.remove(app);
      lastSize.remove(app);
      return current;
    }
    ScaleWindow window = windows.computeIfAbsent(app, a -> new ScaleWindow());
    Integer seen = lastSize.put(app, current);
    if (seen != null && seen != current) {
      window.changed(now); // scaled meanwhile (by the deciding node, an operator or an apply)
    }
    int target = window.decide(spec, current, spec.recommend(demand), now);
    if (target > current && ready == 0) {
      return current; // no slot is ready (a bad release, a crash loop): more would not help
    }
    return target;
  }

  /** This node scaled {@code app} to {@code target}: its windows start over, and it waits to see the count. */
  void scaled(String app, int target, long now) {
    lastSize.put(app, target);
    awaiting.put(app, new Awaited(target, now));
    ScaleWindow window = windows.get(app);
    if (window != null) {
      window.changed(now);
    }
  }

  /** This node no longer decides: its own decisions are no longer awaited (the windows stay watched). */
  void stoppedDeciding() {
    awaiting.clear();
  }

}
