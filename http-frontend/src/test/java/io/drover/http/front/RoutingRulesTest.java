package io.drover.http.front;

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
        app, spec, Balancer.of(BalancerKind.ROUND_ROBIN), new Endpoint[0],
        new AppMeters(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), app), 0);
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
    ActorRef<io.drover.supervisor.ProcessWorker.Command> ref =
        kit.createTestProbe(io.drover.supervisor.ProcessWorker.Command.class).getRef();
    Endpoint[] eps = new Endpoint[n];
    for (int i = 0; i < n; i++) {
      eps[i] = new Endpoint(ref, "app", i, 10_000 + i, false);
    }
    return eps;
  }

  @Test
  void roundRobinTakesTurnsAndSkipsUnavailableAndTriedEndpoints() {
    Endpoint[] eps = endpoints(3);
    Balancer rr = Balancer.of(BalancerKind.ROUND_ROBIN);
    List<Integer> picked = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      picked.add(rr.select(eps, List.of()).instance);
    }
    assertEquals(List.of(0, 1, 2, 0, 1, 2), picked);
    eps[1].down = true;
    eps[2].draining = true;
    for (int i = 0; i < 4; i++) {
      assertSame(eps[0], rr.select(eps, List.of()));
    }
    assertNull(rr.select(eps, List.of(eps[0])), "the only available endpoint was tried already");
    assertNull(rr.select(new Endpoint[0], List.of()));
  }

  @Test
  void leastRequestsPicksTheIdlestAvailableEndpoint() {
    Endpoint[] eps = endpoints(3);
    eps[0].inFlight.set(5);
    eps[1].inFlight.set(1);
    eps[2].inFlight.set(3);
    Balancer lr = Balancer.of(BalancerKind.LEAST_REQUESTS);
    assertSame(eps[1], lr.select(eps, List.of()));
    eps[1].down = true;
    assertSame(eps[2], lr.select(eps, List.of()));
    assertSame(eps[0], lr.select(eps, List.of(eps[2])));
  }
}
