package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What an {@link Supervisor.Apply} changes, worked out from the apps the node runs and the apps
 * applied: added, removed, changed (restarted rolling), scaled (only the count differs) or
 * unchanged, and which changed apps move between local and cluster placement (stopped and started
 * again). Pure: the {@link Supervisor} acts on it.
 */
final class ApplyDiff {
  private ApplyDiff() {}

  /**
   * @param hostsReverted whether a slot of the (cluster-placed) app hosted here went back to
   *     earlier settings: the app is then changed even when its settings are equal
   */
  static Supervisor.Applied of(Map<String, AppSpec> current, Map<String, AppSpec> next, Predicate<AppSpec> hostsReverted) {
    List<String> added = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    List<String> scaled = new ArrayList<>();
    List<String> unchanged = new ArrayList<>();
    for (AppSpec app : next.values()) {
      AppSpec old = current.get(app.name());
      if (old == null) {
        added.add(app.name());
      } else if (old.equals(app) && !hostsReverted.test(app)) {
        unchanged.add(app.name());
      } else if (old.withInstances(app.instances()).equals(app)) {
        scaled.add(app.name());
      } else {
        changed.add(app.name());
      }
    }
    current.keySet().stream().filter(n -> !next.containsKey(n)).forEach(removed::add);
    return new Supervisor.Applied(added, removed, changed, scaled, unchanged);
  }

  /** The changed apps of {@code diff} that move between local and cluster placement. */
  static List<String> replaced(Supervisor.Applied diff, Map<String, AppSpec> current, Map<String, AppSpec> next) {
    return diff.changed().stream().filter(n -> current.get(n).placement() != next.get(n).placement()).toList();
  }
}
