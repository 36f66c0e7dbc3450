package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.supervisor.config.AutoscaleSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The stabilization windows: up at once (or after the up window), down only after a whole quiet window. */
class ScaleWindowTest {
  static final long S = 1_000_000_000L;
  static final AutoscaleSpec SPEC =
      new AutoscaleSpec(1, 10, 2, Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(1));

  @Test
  void recommendationsFollowTheLoadWithinMinAndMax() {
    assertEquals(1, SPEC.recommend(0));
    assertEquals(2, SPEC.recommend(3));
    assertEquals(4, SPEC.recommend(8));
    assertEquals(10, SPEC.recommend(1000));
  }

  @Test
  void upAtOnceDownOnlyAfterAWholeWindowOfLessLoad() {
    ScaleWindow w = new ScaleWindow();
    assertEquals(4, w.decide(SPEC, 1, 4, 0), "up at once (scale-up-window 0s)");
    w.changed(0);
    assertEquals(4, w.decide(SPEC, 4, 1, 1 * S), "a lull shorter than the window keeps the workers");
    assertEquals(4, w.decide(SPEC, 4, 3, 3 * S));
    assertEquals(4, w.decide(SPEC, 4, 1, 4 * S + S / 2));
    assertEquals(3, w.decide(SPEC, 4, 1, 5 * S), "after a whole window: the highest recommendation in it");
  }

  @Test
  void downGoesToTheHighestRecommendationOfTheWindow() {
    ScaleWindow w = new ScaleWindow();
    w.changed(0);
    w.decide(SPEC, 6, 2, 1 * S);
    w.decide(SPEC, 6, 3, 2 * S);
    assertEquals(6, w.decide(SPEC, 6, 1, 4 * S), "not watched for a whole window yet");
    assertEquals(3, w.decide(SPEC, 6, 1, 5 * S), "the highest of the last 5 s");
  }

  @Test
  void anUpWindowWaitsForLoadToLastAndTakesItsLowest() {
    AutoscaleSpec slowUp = new AutoscaleSpec(1, 10, 1, Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(1));
    ScaleWindow w = new ScaleWindow();
    w.changed(0);
    assertEquals(1, w.decide(slowUp, 1, 5, 1 * S), "one sample of load is not enough");
    assertEquals(3, w.decide(slowUp, 1, 3, 2 * S), "the lowest of the window");
  }

  @Test
  void aGapInSamplingIsNotAWatchedWindow() {
    ScaleWindow w = new ScaleWindow();
    w.changed(0);
    w.decide(SPEC, 4, 1, 1 * S);
    assertEquals(4, w.decide(SPEC, 4, 1, 60 * S), "one sample after a minute without any decides nothing");
    for (long t = 61; t < 65; t++) {
      assertEquals(4, w.decide(SPEC, 4, 1, t * S));
    }
    assertEquals(1, w.decide(SPEC, 4, 1, 65 * S), "a whole window watched since, one sample a second");
  }
}
