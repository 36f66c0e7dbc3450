package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A cluster-placed app's count scaled at run time survives an apply that declares the same
 * instances and autoscale for it, as a local app's does; an apply that declares a new count, or
 * turns autoscaling on or off, sets it anew. Texts are read by the real config loader.
 */
class ScaledCountsTest {
  static final Function<String, Map<String, AppSpec>> APPS =
      text -> ConfigLoader.parse(text + "\ndrover.cluster.enabled = true\n", "config", Path.of("")).apps();

  static String app(String name, String placement, int instances, String autoscale) {
    return "drover.apps." + name + " { command = [\"node\", \"w.js\"], placement = " + placement + ", instances = " + instances
        + (autoscale.isEmpty() ? "" : ", autoscale { " + autoscale + " }") + " }\n";
  }

  @Test
  void scalingReplacesTheAppsEarlierLineInsteadOfStackingIt() {
    String text = app("web", "cluster", 1, "");
    String twice = ScaledCounts.scale(ScaledCounts.scale(text, "web", 3), "web", 5);
    assertEquals(Map.of("web", 5), ScaledCounts.of(twice));
    assertEquals(text, ScaledCounts.declared(twice));
    assertEquals(5, APPS.apply(twice).get("web").instances(), "the line overrides the declared count");
  }

  @Test
  void aNewTextThatDeclaresTheSameCountKeepsTheScaledOne() {
    String previous = ScaledCounts.scale(app("web", "cluster", 1, "") + app("api", "cluster", 2, ""), "web", 4);
    String next = "# a new release\n" + app("web", "cluster", 1, "").replace("w.js", "w2.js") + app("api", "cluster", 2, "");
    String carried = ScaledCounts.carry(previous, next, APPS);
    assertEquals(Map.of("web", 4), ScaledCounts.of(carried));
    assertEquals(4, APPS.apply(carried).get("web").instances());
    assertEquals(2, APPS.apply(carried).get("api").instances(), "an app never scaled is as declared");
  }

  @Test
  void anAutoscaledCountIsKeptWithinTheNewMinAndMax() {
    String previous = ScaledCounts.scale(app("web", "cluster", 1, "min = 1, max = 6, target = 1"), "web", 5);
    assertEquals(Map.of("web", 5),
        ScaledCounts.of(ScaledCounts.carry(previous, app("web", "cluster", 1, "min = 1, max = 6, target = 1"), APPS)));
    assertEquals(Map.of("web", 3),
        ScaledCounts.of(ScaledCounts.carry(previous, app("web", "cluster", 1, "min = 1, max = 3, target = 2"), APPS)));
  }

  @Test
  void aNewDeclaredCountOrAutoscalingTurnedOnOrOffSetsTheCountAnew() {
    String scaled = ScaledCounts.scale(app("web", "cluster", 1, ""), "web", 4);
    assertEquals(Map.of(), ScaledCounts.of(ScaledCounts.carry(scaled, app("web", "cluster", 2, ""), APPS)), "instances changed");
    assertEquals(Map.of(), ScaledCounts.of(ScaledCounts.carry(scaled, app("web", "cluster", 1, "min = 1, max = 6"), APPS)),
        "autoscale turned on");
    String autoscaled = ScaledCounts.scale(app("web", "cluster", 1, "min = 1, max = 6"), "web", 4);
    assertEquals(Map.of(), ScaledCounts.of(ScaledCounts.carry(autoscaled, app("web", "cluster", 1, ""), APPS)), "autoscale turned off");
  }

  @Test
  void anAppRemovedMovedToLocalOrScaledByTheNewTextItselfIsAsTheNewTextHasIt() {
    String previous = ScaledCounts.scale(app("web", "cluster", 1, "") + app("api", "cluster", 1, ""), "web", 4);
    previous = ScaledCounts.scale(previous, "api", 3);
    String next = app("web", "local", 1, "");
    assertEquals(next, ScaledCounts.carry(previous, next, APPS), "web moved to local placement, api removed");
    String own = ScaledCounts.scale(app("web", "cluster", 1, ""), "web", 2);
    assertEquals(own, ScaledCounts.carry(previous, own, APPS));
  }

  @Test
  void anInvalidNewTextCarriesNothingSoItsOwnProblemsAreReported() {
    String previous = ScaledCounts.scale(app("web", "cluster", 1, ""), "web", 4);
    String invalid = "drover.apps.web { instances = many }\n";
    assertEquals(invalid, ScaledCounts.carry(previous, invalid, APPS));
  }
}
