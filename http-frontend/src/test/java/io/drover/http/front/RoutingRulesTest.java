package io.drover.http.front;

import io.drover.supervisor.WorkerCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.drover.supervisor.config.BalancerKind;
import io.drover.supervisor.config.RouteSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The pure rules of the data plane: route matching, prefix stripping, balancer policies. */
class RoutingRulesTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static RouteSnapshot.Route route(String app, String host, String prefix, boolean strip) {
    RouteSpec spec = new RouteSpec(host, prefix, strip, BalancerKind.ROUND_ROBIN, 2, Duration.ofSeconds(60), false);
    return new RouteSnapshot.Route(
        app, spec, new AppTraffic(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), app, spec), new Endpoint[0], 0);
  }

  @Test
  void hostRoutesComeFirstThenTheLongestPrefixOnWholeSegments() {
    RouteSnapshot s =
        new RouteSnapshot(
            List.of(
                route("site", "", "/", false),
                route("api", "", "/api", true),
                route("v2", "", "/api/v2/", false),
                route("admin", "admin.local", "", false)));
    assertEquals("site", s.match("x", "/").app());
    assertEquals("api", s.match("x", "/api").app());
    assertEquals("api", s.match("x", "/api?q=1").app());
    assertEquals("api", s.match("x", "/api/v1/users").app());
    assertEquals("v2", s.match("x", "/api/v2/users").app());
    assertEquals("site", s.match("x", "/apiary").app());
    assertEquals("admin", s.match("ADMIN.local:8080", "/api/x").app());
    assertEquals("api", s.match("x", "http://x/api/y").app(), "absolute-form targets match by path");
  }

  @Test
  void noMatchingRouteIsNull() {
    RouteSnapshot s = new RouteSnapshot(List.of(route("api", "", "/api", false), route("a", "a.local", "/", false)));
    assertNull(s.match("b.local", "/other"));
  }

  @Test
  void stripPrefixKeepsAPathAndTheQuery() {
    RouteSnapshot.Route api = route("api", "", "/api", true);
    assertEquals("/users?x=1", api.forwardUri("/api/users?x=1"));
    assertEquals("/", api.forwardUri("/api"));
    assertEquals("/?q", api.forwardUri("/api?q"));
    assertEquals("/api/users", route("api", "", "/api", false).forwardUri("/api/users"));
  }

  static Endpoint[] endpoints(int n) {
    ActorRef<io.drover.supervisor.WorkerCommand> ref =
        kit.createTestProbe(io.drover.supervisor.WorkerCommand.class).getRef();
    Endpoint[] eps = new Endpoint[n];
    for (int i = 0; i < n; i++) {
      eps[i] = new Endpoint(ref, "app", i, 10_000 + i, false, "");
    }
    return eps;
  }

  @Test
  void roundRobinTakesTurnsAndSkipsUnavailableAndTriedEndpoints() {
    Endpoint[] eps = endpoints(3);
    Balancer rr = Balancer.of(BalancerKind.ROUND_ROBIN, 0);
    List<Integer> picked = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      picked.add(rr.select(eps, List.of(), null).instance);
    }
    assertEquals(List.of(0, 1, 2, 0, 1, 2), picked);
    eps[1].down = true;
    eps[2].draining = true;
    for (int i = 0; i < 4; i++) {
      assertSame(eps[0], rr.select(eps, List.of(), null));
    }
    assertNull(rr.select(eps, List.of(eps[0]), null), "the only available endpoint was tried already");
    assertNull(rr.select(new Endpoint[0], List.of(), null));
  }

  @Test
  void leastRequestsPicksTheIdlestAvailableEndpoint() {
    Endpoint[] eps = endpoints(3);
    eps[0].inFlight.set(5);
    eps[1].inFlight.set(1);
    eps[2].inFlight.set(3);
    Balancer lr = Balancer.of(BalancerKind.LEAST_REQUESTS, 0);
    assertSame(eps[1], lr.select(eps, List.of(), null));
    eps[1].down = true;
    assertSame(eps[2], lr.select(eps, List.of(), null));
    assertSame(eps[0], lr.select(eps, List.of(eps[2]), null));
  }

  @Test
  void aStickyKeyStaysOnItsWorkerAndOnlyADepartedWorkersKeysMove() {
    Endpoint[] eps = endpoints(4);
    Balancer sticky = Balancer.of(BalancerKind.STICKY, 0);
    java.util.Map<String, Endpoint> before = new java.util.HashMap<>();
    java.util.Map<Endpoint, Integer> share = new java.util.HashMap<>();
    for (int k = 0; k < 2000; k++) {
      String key = "user-" + k;
      Endpoint e = sticky.select(eps, List.of(), key);
      assertSame(e, sticky.select(eps, List.of(), key), "the same key, the same worker");
      before.put(key, e);
      share.merge(e, 1, Integer::sum);
    }
    for (Endpoint e : eps) { // rendezvous hashing spreads keys about evenly: 500 each
      int n = share.getOrDefault(e, 0);
      org.junit.jupiter.api.Assertions.assertTrue(n > 350 && n < 650, e + " holds " + n + " of 2000 keys");
    }
    eps[2].draining = true; // worker 2 leaves
    int moved = 0;
    for (var kv : before.entrySet()) {
      Endpoint now = sticky.select(eps, List.of(), kv.getKey());
      if (kv.getValue() == eps[2]) {
        org.junit.jupiter.api.Assertions.assertNotSame(eps[2], now);
        moved++;
      } else {
        assertSame(kv.getValue(), now, "a key of a worker that stayed must not move");
      }
    }
    assertEquals(share.get(eps[2]).intValue(), moved);
    // without a key: the least busy, as least-requests
    eps[0].inFlight.set(3);
    eps[1].inFlight.set(0);
    eps[3].inFlight.set(2);
    assertSame(eps[1], sticky.select(eps, List.of(), null));
  }

  @Test
  void aWorkerInItsSlowStartGetsAGrowingShare() {
    Endpoint[] eps = endpoints(2);
    long ramp = java.time.Duration.ofSeconds(10).toNanos();
    eps[0].since -= 2 * ramp; // long ready
    eps[1].since = System.nanoTime(); // just ready: about 10 % of its share
    Balancer rr = Balancer.of(BalancerKind.ROUND_ROBIN, ramp);
    int young = 0;
    for (int i = 0; i < 2000; i++) {
      young += rr.select(eps, List.of(), null) == eps[1] ? 1 : 0;
    }
    org.junit.jupiter.api.Assertions.assertTrue(young > 20 && young < 300, "the new worker got " + young + " of 2000");
    eps[1].since -= ramp; // ramped up: its full share, in turn
    young = 0;
    for (int i = 0; i < 2000; i++) {
      young += rr.select(eps, List.of(), null) == eps[1] ? 1 : 0;
    }
    assertEquals(1000, young);
    eps[0].draining = true; // only a worker in its slow start left: it is taken after all
    eps[1].since = System.nanoTime();
    assertSame(eps[1], Balancer.of(BalancerKind.LEAST_REQUESTS, ramp).select(eps, List.of(), null));
  }
}
