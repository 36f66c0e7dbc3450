package io.drover.http.front;

import io.drover.supervisor.config.BalancerKind;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks a worker for one request among an app's endpoints. Policies differ only in the order
 * they try endpoints; all of them skip endpoints that are not {@link Endpoint#available()} or
 * that this request already tried.
 */
interface Balancer {
  /** The endpoint for this request, or null when none is available. */
  Endpoint select(Endpoint[] endpoints, List<Endpoint> tried);

  /** The policy named in config; its state (a turn counter) lives as long as the app. */
  static Balancer of(BalancerKind kind) {
    return switch (kind) {
      case ROUND_ROBIN -> new RoundRobin();
      case LEAST_REQUESTS -> new LeastRequests();
    };
  }

  static boolean eligible(Endpoint e, List<Endpoint> tried) {
    return e.available() && !tried.contains(e);
  }

  /** The next available endpoint in turn. */
  final class RoundRobin implements Balancer {
    private final AtomicInteger turn = new AtomicInteger();

    @Override
    public Endpoint select(Endpoint[] endpoints, List<Endpoint> tried) {
      int n = endpoints.length;
      if (n == 0) {
        return null;
      }
      int start = Math.floorMod(turn.getAndIncrement(), n);
      for (int i = 0; i < n; i++) {
        Endpoint e = endpoints[(start + i) % n];
        if (eligible(e, tried)) {
          return e;
        }
      }
      return null;
    }
  }

  /** The available endpoint with the fewest requests in flight; ties go in turn. */
  final class LeastRequests implements Balancer {
    private final AtomicInteger turn = new AtomicInteger();

    @Override
    public Endpoint select(Endpoint[] endpoints, List<Endpoint> tried) {
      int n = endpoints.length;
      if (n == 0) {
        return null;
      }
      int start = Math.floorMod(turn.getAndIncrement(), n);
      Endpoint best = null;
      int bestLoad = Integer.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        Endpoint e = endpoints[(start + i) % n];
        int load = e.inFlight.get();
        if (load < bestLoad && eligible(e, tried)) {
          best = e;
          bestLoad = load;
        }
      }
      return best;
    }
  }
}
