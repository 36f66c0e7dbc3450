package io.drover.http.front;

import io.drover.supervisor.config.RouteSpec;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the front keeps about one app across route snapshots: its balancer (with its turn), its
 * slots and queue, its retry budget and its meters. The front actor creates it with the app and
 * updates it when a new config changes the route.
 */
final class AppTraffic {
  private volatile Balancer balancer;
  private RouteSpec spec;
  final AppQueue queue;
  final RetryBudget budget;
  final AppMeters meters;

  AppTraffic(MeterRegistry registry, String app, RouteSpec spec) {
    this.spec = spec;
    this.balancer = Balancer.of(spec.balancer(), spec.capacity().slowStart().toNanos());
    this.queue = new AppQueue(spec.capacity());
    this.budget = new RetryBudget(spec.retryBudget());
    this.meters = new AppMeters(registry, app, queue);
  }

  Balancer balancer() {
    return balancer;
  }

  /** A config applied at run time: a new balancer only when its kind or ramp changed (a turn counter survives). */
  void update(RouteSpec next) {
    if (next.balancer() != spec.balancer() || !next.capacity().slowStart().equals(spec.capacity().slowStart())) {
      balancer = Balancer.of(next.balancer(), next.capacity().slowStart().toNanos());
    }
    spec = next;
    budget.configure(next.retryBudget());
    queue.configure(next.capacity());
  }

  /**
   * Gives the exchange a worker's slot ({@link Exchange#endpoint}) or a place in the queue. An app
   * without a limit takes the balancer's pick at once (its in-flight count is the slot).
   */
  AppQueue.Admission admit(ProxyHandler conn, Exchange e, RouteSnapshot.Route route, boolean localOnly) {
    if (!queue.limited()) {
      Endpoint picked = balancer.select(route.endpoints(), localOnly ? route.withRemotes(e.tried) : e.tried, e.stickyKey);
      if (picked == null) {
        return AppQueue.Admission.NONE;
      }
      picked.inFlight.incrementAndGet();
      e.endpoint = picked;
      return AppQueue.Admission.GRANTED;
    }
    AppQueue.Waiter w = e.waiter != null ? e.waiter : (e.waiter = new AppQueue.Waiter(conn, e));
    w.localOnly = localOnly;
    w.key = e.stickyKey;
    AppQueue.Admission a = queue.admit(w);
    if (a == AppQueue.Admission.GRANTED) {
      e.endpoint = w.endpoint;
    }
    return a;
  }
}
