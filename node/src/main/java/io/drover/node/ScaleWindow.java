package io.drover.node;

import io.drover.supervisor.config.AutoscaleSpec;
import java.util.ArrayDeque;

/**
 * The recommendations of one autoscaled app over time, and what they allow (as Kubernetes' HPA
 * stabilization): more workers once every recommendation of the last scale-up window called for
 * more (the lowest of them), fewer once every one of the last scale-down window allowed fewer
 * (the highest of them). A window counts only once it has been watched whole since the last
 * change, so a node just started or an app just scaled does not act on a partial window.
 */
final class ScaleWindow {
  private record Sample(long at, int recommended) {}

  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private long watchedSince = Long.MIN_VALUE;

  /**
   * Adds the recommendation sampled at {@code now} (nanos) and returns the count to scale to, or
   * {@code current} to stay.
   */
  int decide(AutoscaleSpec spec, int current, int recommended, long now) {
    if (watchedSince == Long.MIN_VALUE
        || (!samples.isEmpty() && now - samples.peekLast().at() > 2 * spec.interval().toNanos())) {
      changed(now); // first look, or not looked at for a while: a gap is not a watched window
    }
    samples.add(new Sample(now, recommended));
    long keep = Math.max(spec.upWindow().toNanos(), spec.downWindow().toNanos());
    while (!samples.isEmpty() && now - samples.peekFirst().at() > keep) {
      samples.pollFirst();
    }
    if (recommended > current) {
      int lowest = extreme(now, spec.upWindow().toNanos(), true);
      return watched(now, spec.upWindow().toNanos()) && lowest > current ? lowest : current;
    }
    if (recommended < current) {
      int highest = extreme(now, spec.downWindow().toNanos(), false);
      return watched(now, spec.downWindow().toNanos()) && highest < current ? highest : current;
    }
    return current;
  }

  /** The app was scaled (by this or by an operator): windows start over. */
  void changed(long now) {
    samples.clear();
    watchedSince = now;
  }

  private boolean watched(long now, long window) {
    return now - watchedSince >= window;
  }

  private int extreme(long now, long window, boolean lowest) {
    int result = lowest ? Integer.MAX_VALUE : Integer.MIN_VALUE;
    for (Sample s : samples) {
      if (now - s.at() <= window) {
        result = lowest ? Math.min(result, s.recommended()) : Math.max(result, s.recommended());
      }
    }
    return result;
  }
}
