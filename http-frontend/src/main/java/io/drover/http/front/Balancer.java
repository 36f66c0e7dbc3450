package io.drover.http.front;

import io.drover.supervisor.config.BalancerKind;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks a worker for one request among an app's endpoints. Policies differ only in the order
 * they try endpoints; all of them skip endpoints that are not {@link Endpoint#available()} or
 * that this request already tried. Apps with a concurrency limit are picked for by their {@link
 * AppQueue}, with the same rules plus the limit.
 */
interface Balancer {
  /**
   * The endpoint for this request, or null when none is available.
   *
   * @param key the request's sticky key, or null
   */
  Endpoint select(Endpoint[] endpoints, List<Endpoint> tried, String key);

  /** The policy named in config; its state (a turn counter) lives as long as the app. */
  static Balancer of(BalancerKind kind, long slowStartNanos) {
    return switch (kind) {
      case ROUND_ROBIN -> new RoundRobin(slowStartNanos);
      case LEAST_REQUESTS, STICKY -> new LeastRequests(slowStartNanos);
    };
  }

  static boolean eligible(Endpoint e, List<Endpoint> tried) {
    return e.available() && !tried.contains(e);
  }

  /**
   * Whether a worker still in its slow start sits this pick out: it is taken with a chance that
   * grows from 10 % to 100 % over {@code slowStartNanos} after it joined rotation.
   */
  static boolean warming(Endpoint e, long slowStartNanos) {
    if (slowStartNanos <= 0) {
      return false;
    }
    long age = System.nanoTime() - e.since;
    if (age >= slowStartNanos) {
      return false;
    }
    double share = 0.1 + 0.9 * age / (double) slowStartNanos;
    return ThreadLocalRandom.current().nextDouble() >= share;
  }

  /**
   * The endpoint a sticky key belongs to: the highest rendezvous score among the eligible ones, so
   * that a worker leaving moves only the keys it held, and one joining takes only its share.
   */
  static Endpoint rendezvous(Endpoint[] endpoints, java.util.function.Predicate<Endpoint> eligible, String key) {
    long k = mix(key.hashCode() * 0xC2B2AE3D27D4EB4FL + key.length());
    Endpoint best = null;
    long bestScore = Long.MIN_VALUE;
    for (Endpoint e : endpoints) {
      if (eligible.test(e)) {
        long score = mix(k ^ e.stickyId);
        if (best == null || score > bestScore) {
          best = e;
          bestScore = score;
        }
      }
    }
    return best;
  }

  /** A 64-bit finalizer (SplitMix64's): every input bit moves every output bit. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The next available endpoint in turn. */
  final class RoundRobin implements Balancer {
    private final AtomicInteger turn = new AtomicInteger();
    private final long slowStart;

    RoundRobin(long slowStartNanos) {
      this.slowStart = slowStartNanos;
    }

    @Override
    public Endpoint select(Endpoint[] endpoints, List<Endpoint> tried, String key) {
      int n = endpoints.length;
      if (n == 0) {
        return null;
      }
      int start = Math.floorMod(turn.getAndIncrement(), n);
      Endpoint warm = null;
      for (int i = 0; i < n; i++) {
        Endpoint e = endpoints[(start + i) % n];
        if (eligible(e, tried)) {
          if (!warming(e, slowStart)) {
            return e;
          }
          warm = warm == null ? e : warm;
        }
      }
      return warm; // only workers in their slow start: one of them after all
    }
  }

  /**
   * The available endpoint with the fewest requests in flight; ties go in turn. With a sticky
   * key, the key's endpoint ({@link #rendezvous}).
   */
  final class LeastRequests implements Balancer {
    private final AtomicInteger turn = new AtomicInteger();
    private final long slowStart;

    LeastRequests(long slowStartNanos) {
      this.slowStart = slowStartNanos;
    }

    @Override
    public Endpoint select(Endpoint[] endpoints, List<Endpoint> tried, String key) {
      if (key != null) {
        return rendezvous(endpoints, e -> eligible(e, tried), key);
      }
      int n = endpoints.length;
      if (n == 0) {
        return null;
      }
      int start = Math.floorMod(turn.getAndIncrement(), n);
      Endpoint best = null;
      Endpoint warm = null;
      int bestLoad = Integer.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        Endpoint e = endpoints[(start + i) % n];
        int load = e.inFlight.get();
        if (load < bestLoad && eligible(e, tried)) {
          if (warming(e, slowStart)) {
            warm = warm == null ? e : warm;
            continue;
          }
          best = e;
          bestLoad = load;
        }
      }
      return best != null ? best : warm;
    }
  }
}
