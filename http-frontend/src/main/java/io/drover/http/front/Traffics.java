package io.drover.http.front;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.CapacitySpec;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The front actor's per-app {@link AppTraffic} (balancer, queue, retry budget, meters), kept for
 * as long as the front runs, and what the rest of the actor asks of it: a snapshot's rotation for
 * the queues, slow-start ticks, a worker back in rotation, the stats of {@link Front.GetInFlight},
 * the rotation an ejection is judged against.
 */
final class Traffics {
  /** An app's workers are in their slow start: their growing limits are offered to its queue. */
  record Ramp(String app) implements Front.Command {}

  private static final Duration RAMP_TICK = Duration.ofMillis(200);

  private final MeterRegistry registry;
  private final TimerScheduler<Front.Command> timers;
  private final Map<String, AppTraffic> byApp = new HashMap<>();

  Traffics(MeterRegistry registry, TimerScheduler<Front.Command> timers) {
    this.registry = registry;
    this.timers = timers;
  }

  /** A routed app, new or with a new route: an app seen before keeps its turn, queue and meters. */
  void add(AppSpec app) {
    AppTraffic t = byApp.get(app.name());
    if (t == null) {
      byApp.put(app.name(), new AppTraffic(registry, app.name(), app.route()));
    } else {
      t.update(app.route());
    }
  }

  Map<String, AppTraffic> all() {
    return byApp;
  }

  /** A snapshot was published: each queue learns its rotation (and gives new slots away). */
  void published(RouteSnapshot snapshot) {
    for (RouteSnapshot.Route r : snapshot.routes()) {
      r.queue().rotation(r.endpoints());
    }
    ramp(snapshot);
  }

  /** A tick of an app's slow start: its queue is offered the grown limits; ticks go on while a worker ramps. */
  void ramped(Ramp m, RouteSnapshot snapshot) {
    AppTraffic t = byApp.get(m.app());
    if (t != null) {
      t.queue.poke();
    }
    ramp(snapshot);
  }

  private void ramp(RouteSnapshot snapshot) {
    for (RouteSnapshot.Route r : snapshot.routes()) {
      long ramp = r.spec().capacity().slowStart().toNanos();
      if (ramp > 0 && r.queue().limited() && !timers.isTimerActive(new Ramp(r.app()))
          && Arrays.stream(r.endpoints()).anyMatch(e -> System.nanoTime() - e.since < ramp)) {
        timers.startSingleTimer(new Ramp(r.app()), new Ramp(r.app()), RAMP_TICK);
      }
    }
  }

  /** A worker may take requests again: the requests waiting for its app may go to it. */
  void poke(Endpoint e) {
    AppTraffic t = byApp.get(e.app);
    if (t != null) {
      t.queue.poke();
    }
  }

  /** Each app's slots, queue and ejected workers, for the management API. */
  <K> Map<String, Front.Traffic> stats(Map<String, Map<K, Endpoint>> endpoints) {
    Map<String, Front.Traffic> out = new HashMap<>();
    byApp.forEach((app, t) -> {
      CapacitySpec c = t.queue.capacity();
      List<Integer> ejected = endpoints.getOrDefault(app, Map.of()).values().stream()
          .filter(e -> e.ejected).map(e -> e.instance).sorted().toList();
      out.put(app, new Front.Traffic(c.maxConcurrency(), t.queue.depth(), c.queueLength(),
          t.meters.rejected(AppMeters.ErrorKind.QUEUE_FULL), t.meters.rejected(AppMeters.ErrorKind.QUEUE_TIMEOUT), ejected));
    });
    return out;
  }

  /**
   * What this node's front routes {@code app} to now (the snapshot's endpoints, and those ejected
   * from it): the share ejected is counted among these, never among workers it does not use
   * (another node's, while it prefers its own). Null when the app is not routed.
   */
  Ejections.Rotation rotation(AppSpec spec, RouteSnapshot snapshot, Collection<Endpoint> all) {
    RouteSnapshot.Route route = spec == null ? null
        : snapshot.routes().stream().filter(r -> r.app().equals(spec.name())).findFirst().orElse(null);
    if (route == null) {
      return null;
    }
    Set<Endpoint> used = new LinkedHashSet<>(List.of(route.endpoints()));
    all.stream().filter(e -> e.ejected && !e.draining).forEach(used::add);
    return new Ejections.Rotation(spec.route().outlier(), used, byApp.get(spec.name()).meters);
  }
}
