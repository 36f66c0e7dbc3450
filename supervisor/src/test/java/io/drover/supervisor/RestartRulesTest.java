package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.config.BackoffSpec;
import io.drover.supervisor.config.RestartPolicy;
import io.drover.supervisor.config.RestartStrategy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure rules: policy × exit kind, strategy siblings, backoff and intensity. */
class RestartRulesTest {

  @Test
  void permanentRestartsEverythingButRequestedStops() {
    for (ExitKind kind : ExitKind.values()) {
      assertEquals(kind != ExitKind.REQUESTED, RestartRules.restarts(RestartPolicy.PERMANENT, kind), kind.name());
    }
  }

  @Test
  void transientRestartsOnlyAbnormalExits() {
    assertFalse(RestartRules.restarts(RestartPolicy.TRANSIENT, ExitKind.NORMAL));
    assertFalse(RestartRules.restarts(RestartPolicy.TRANSIENT, ExitKind.REQUESTED));
    for (ExitKind kind : List.of(ExitKind.ABNORMAL, ExitKind.FAILED_START, ExitKind.UNHEALTHY, ExitKind.MEMORY)) {
      assertTrue(RestartRules.restarts(RestartPolicy.TRANSIENT, kind), kind.name());
    }
  }

  @Test
  void temporaryNeverRestarts() {
    for (ExitKind kind : ExitKind.values()) {
      assertFalse(RestartRules.restarts(RestartPolicy.TEMPORARY, kind), kind.name());
    }
  }

  @Test
  void strategiesPickSiblings() {
    assertEquals(List.of(), RestartRules.siblings(RestartStrategy.ONE_FOR_ONE, 1, 4));
    assertEquals(List.of(0, 2, 3), RestartRules.siblings(RestartStrategy.ONE_FOR_ALL, 1, 4));
    assertEquals(List.of(2, 3), RestartRules.siblings(RestartStrategy.REST_FOR_ONE, 1, 4));
    assertEquals(List.of(), RestartRules.siblings(RestartStrategy.REST_FOR_ONE, 3, 4));
  }

  @Test
  void backoffDoublesFromMinAndCapsAtMax() {
    BackoffSpec spec = new BackoffSpec(Duration.ofMillis(100), Duration.ofSeconds(1), 0);
    long[] expected = {100, 200, 400, 800, 1000, 1000};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], Backoff.delay(spec, i, () -> 0.5).toMillis());
    }
    assertEquals(1000, Backoff.delay(spec, 10_000, () -> 0.5).toMillis());
  }

  @Test
  void backoffJitterStaysWithinRandomFactor() {
    BackoffSpec spec = new BackoffSpec(Duration.ofMillis(1000), Duration.ofSeconds(10), 0.2);
    assertEquals(800, Backoff.delay(spec, 0, () -> 0.0).toMillis());
    assertEquals(1200, Backoff.delay(spec, 0, () -> 1.0).toMillis());
    assertEquals(1000, Backoff.delay(spec, 0, () -> 0.5).toMillis());
  }

  @Test
  void intensityCountsRestartsInASlidingWindow() {
    RestartWindow w = new RestartWindow(3, Duration.ofSeconds(10));
    long s = 1_000_000_000L;
    assertFalse(w.recordAndCheck(0));
    assertFalse(w.recordAndCheck(1 * s));
    assertFalse(w.recordAndCheck(2 * s));
    assertTrue(w.recordAndCheck(3 * s), "a fourth restart within 10s is one too many");
    assertFalse(w.recordAndCheck(12 * s + 1), "the first three fell out of the window");
    assertEquals(2, w.count());
  }

  @Test
  void zeroMaxRestartsGivesUpOnTheFirst() {
    assertTrue(new RestartWindow(0, Duration.ofSeconds(1)).recordAndCheck(0));
  }
}
