package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.supervisor.AppState;
import io.drover.supervisor.config.AutoscaleSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Every node samples the cluster's load into its windows, deciding or not: the node that takes
 * over from the oldest decides when the oldest would have, not a whole window later.
 */
class ClusterScaleStateTest {
  static final long S = 1_000_000_000L;
  static final long TICK = S / 4;
  /** Up at once, down after 8 s of less load, sampled every 250 ms. */
  static final AutoscaleSpec SPEC = new AutoscaleSpec(1, 3, 1, Duration.ZERO, Duration.ofSeconds(8), Duration.ofMillis(250));

  /** Feeds {@code demand} from {@code from} to {@code to} (nanos, 250 ms apart); returns the first scale, or -1. */
  static int feed(ClusterScaleState state, int current, int demand, long from, long to) {
    for (long t = from; t <= to; t += TICK) {
      int target = state.sample("web", SPEC, current, AppState.RUNNING, current, demand, t);
      if (target != current) {
        return target;
      }
    }
    return -1;
  }

  @Test
  void aNodeThatTakesOverDecidesAScaleDownWhenTheOldestWouldHave() {
    ClusterScaleState oldest = new ClusterScaleState();
    ClusterScaleState next = new ClusterScaleState();
    for (ClusterScaleState node : new ClusterScaleState[] {oldest, next}) {
      assertEquals(3, feed(node, 1, 3, 0, 0), "up at once");
    }
    oldest.scaled("web", 3, 0); // the oldest decides; the next node sees 3 slots in its settings
    // idle from 1 s; the oldest leaves at 6 s, 3 s short of a whole down window
    for (ClusterScaleState node : new ClusterScaleState[] {oldest, next}) {
      assertEquals(-1, feed(node, 3, 3, TICK, S - TICK));
      assertEquals(-1, feed(node, 3, 0, S, 6 * S));
    }
    next.stoppedDeciding();
    // the next node decides at 9 s, one window after the load went (a fresh window: not before 14 s)
    long t = 6 * S + TICK;
    int target = -1;
    for (; target < 0 && t <= 20 * S; t += TICK) {
      target = next.sample("web", SPEC, 3, AppState.RUNNING, 3, 0, t);
      target = target == 3 ? -1 : target;
    }
    assertEquals(1, target);
    assertEquals(9 * S + TICK, t, "decided at 9 s, not a window after the takeover");
  }

  @Test
  void aScaleSeenInTheSettingsRestartsTheWindowsOfEveryNode() {
    ClusterScaleState follower = new ClusterScaleState();
    assertEquals(-1, feed(follower, 3, 0, 0, 5 * S));
    // the deciding node scaled to 2 (an operator, or its own window): the follower watches anew
    assertEquals(-1, feed(follower, 2, 0, 5 * S + TICK, 13 * S));
    assertEquals(1, feed(follower, 2, 0, 13 * S + TICK, 14 * S));
  }

  @Test
  void aDecisionIsAwaitedInTheSettingsBeforeTheAppIsDecidedAgain() {
    ClusterScaleState decider = new ClusterScaleState();
    assertEquals(3, feed(decider, 1, 3, 0, 0));
    decider.scaled("web", 3, 0);
    assertEquals(-1, feed(decider, 1, 3, TICK, 10 * S), "the settings still say 1: the decision is on its way");
    decider.stoppedDeciding();
    assertEquals(3, feed(decider, 1, 3, 10 * S + TICK, 10 * S + TICK), "a node that no longer decides awaits nothing");
  }

  @Test
  void noScaleUpWhileNoSlotIsReadyAndAStoppedAppIsForgotten() {
    ClusterScaleState state = new ClusterScaleState();
    assertEquals(1, state.sample("web", SPEC, 1, AppState.FAILED, 0, 3, 0), "no slot ready: more would not help");
    assertEquals(1, state.sample("web", SPEC, 1, AppState.STOPPED, 0, 3, TICK));
    assertEquals(3, state.sample("web", SPEC, 1, AppState.RUNNING, 1, 3, 2 * TICK), "started again: a fresh window");
  }
}
