package io.drover.node;

import static io.drover.node.ScaledCountsTest.APPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.config.AppSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cluster's config text written back after a cluster-placed app went back to earlier
 * settings: it declares the healthy settings of that app at the failed text's count, every other
 * app as it was, the scaled counts still on top; writing it again changes nothing; a newer text
 * is left alone; an apply of the failed text afterwards is the failed text again. Texts are read
 * by the real config loader.
 */
class RevertedAppsTest {
  static String web(String script, String extra) {
    return "drover.apps.web {\n command = [\"node\", \"" + script + "\"]\n placement = cluster\n instances = 2\n"
        + " route.prefix = \"/\"\n" + extra + "}\n";
  }

  static final String API = "drover.apps.api { command = [\"node\", \"api.js\"], placement = cluster, instances = 1, route.prefix = \"/api\" }\n";
  static final String HEALTHY = web("w1.js", " env { TAG = \"good\", HOME_DIR = ${?HOME} }\n") + API;
  static final String FAILED =
      web("w2.js", " env { TAG = \"bad\", EXTRA = \"only in the failed release\" }\n update.min-healthy-time = 5s\n") + API;

  static AppSpec spec(String text, String app) {
    return APPS.apply(text).get(app);
  }

  static RevertedApps.Outcome back(String current, List<String> earlier) {
    return RevertedApps.writeBack(current, "web", spec(FAILED, "web").withInstances(1), spec(HEALTHY, "web").withInstances(1),
        earlier, APPS);
  }

  @Test
  void theWrittenTextDeclaresTheHealthySettingsAndLeavesTheOtherAppsAsTheyWere() {
    RevertedApps.Outcome out = back(FAILED, List.of(FAILED, HEALTHY));
    assertNotNull(out.text(), out.why());
    Map<String, AppSpec> apps = APPS.apply(out.text());
    assertTrue(apps.get("web").sameWorkers(spec(HEALTHY, "web")), apps.get("web").toString());
    assertEquals(Map.of("TAG", "good", "HOME_DIR", System.getenv("HOME")), apps.get("web").env(), "no key of the failed release is left");
    assertEquals(spec(FAILED, "api"), apps.get("api"));
    assertEquals(List.of("web"), RevertedApps.reverted(out.text()));
    assertTrue(out.text().contains("${?HOME}"), "substitutions are left for each node to resolve:\n" + out.text());
  }

  @Test
  void theCountStaysTheFailedTextsAndScaledCountsStayOnTop() {
    String failed = FAILED.replace("instances = 2", "instances = 3");
    String scaled = ScaledCounts.scale(ScaledCounts.scale(failed, "web", 5), "api", 2);
    RevertedApps.Outcome out = RevertedApps.writeBack(scaled, "web", spec(failed, "web").withInstances(1),
        spec(HEALTHY, "web").withInstances(1), List.of(HEALTHY), APPS);
    assertNotNull(out.text(), out.why());
    assertEquals(5, spec(out.text(), "web").instances(), "the count scaled through the API holds");
    assertEquals(2, spec(out.text(), "api").instances());
    assertEquals(Map.of("web", 5, "api", 2), ScaledCounts.of(out.text()));
    assertEquals(3, spec(ScaledCounts.declared(out.text()), "web").instances(), "declared: the failed text's count, not the healthy one's 2");
    // a later scale puts its line on top of the block
    assertEquals(7, spec(ScaledCounts.scale(out.text(), "web", 7), "web").instances());
  }

  @Test
  void nothingIsWrittenWhenTheTextAlreadyDeclaresThemOrANewerTextWasApplied() {
    String written = back(FAILED, List.of(HEALTHY)).text();
    RevertedApps.Outcome again = back(written, List.of(written, FAILED, HEALTHY));
    assertNull(again.text(), "a second node that went back finds the text written: " + again.why());
    assertTrue(again.why().contains("already declares"), again.why());
    String newer = web("w3.js", "") + API;
    RevertedApps.Outcome superseded = back(newer, List.of(newer, FAILED, HEALTHY));
    assertNull(superseded.text());
    assertTrue(superseded.why().contains("newer config"), superseded.why());
    RevertedApps.Outcome unknown = back(FAILED, List.of(FAILED));
    assertNull(unknown.text(), "no text this node ran declares the healthy settings");
  }

  @Test
  void twoNodesWriteTheSameTextAndTheSameAppIsNotStacked() {
    assertEquals(back(FAILED, List.of(FAILED, HEALTHY)).text(), back(FAILED, List.of(HEALTHY, "# other\n" + HEALTHY)).text(),
        "the newest text that declares them gives the block: the same where both nodes ran it");
    String twice = RevertedApps.without(back(FAILED, List.of(HEALTHY)).text(), "web");
    assertEquals(FAILED, twice, "the block goes as a whole");
  }

  @Test
  void theFailedTextAppliedAgainIsTheFailedTextAndAFixedOneIsTheFixedOne() {
    String written = ScaledCounts.scale(back(FAILED, List.of(HEALTHY)).text(), "web", 4);
    String again = ScaledCounts.carry(written, FAILED, APPS);
    assertEquals(ScaledCounts.scale(FAILED, "web", 4), again, "the scaled count is carried, the block is not");
    assertTrue(spec(again, "web").sameWorkers(spec(FAILED, "web")));
    assertNotEquals(spec(written, "web").withInstances(1), spec(again, "web").withInstances(1), "a new deployment of the failed settings");
    String fixed = web("w2.js", " env.TAG = \"fixed\"\n") + API;
    assertEquals("fixed", spec(ScaledCounts.carry(written, fixed, APPS), "web").env().get("TAG"));
  }

  @Test
  void theHealthyTextsAppDefaultsStandUnderTheApp() {
    String healthy = "drover.app-defaults.update.min-healthy-time = 1s\n" + HEALTHY;
    String failed = "drover.app-defaults.update.min-healthy-time = 7s\n" + FAILED;
    RevertedApps.Outcome out = RevertedApps.writeBack(failed, "web", spec(failed, "web").withInstances(1),
        spec(healthy, "web").withInstances(1), List.of(healthy), APPS);
    assertNotNull(out.text(), out.why());
    assertEquals(spec(healthy, "web").update(), spec(out.text(), "web").update());
    assertEquals(spec(failed, "api"), spec(out.text(), "api"), "the other apps keep the failed text's defaults");
  }

  @Test
  void keysTheFailedTextsAppDefaultsAddAreClearedFromTheApp() {
    String failed = "drover.app-defaults.env.LEAK = \"x\"\ndrover.app-defaults.route.retries = 5\n" + FAILED;
    RevertedApps.Outcome out = RevertedApps.writeBack(failed, "web", spec(failed, "web").withInstances(1),
        spec(HEALTHY, "web").withInstances(1), List.of(HEALTHY), APPS);
    assertNotNull(out.text(), out.why());
    assertEquals(spec(HEALTHY, "web").env(), spec(out.text(), "web").env());
    assertEquals(spec(HEALTHY, "web").route(), spec(out.text(), "web").route());
    assertEquals(spec(failed, "api"), spec(out.text(), "api"), "the other apps keep the failed text's defaults");
    assertEquals("x", spec(out.text(), "api").env().get("LEAK"));
  }

  @Test
  void settingsThatWouldNotReadBackAsTheyWereAreNotWritten() {
    // a config's only app, routed at "/" because it sets no route; the failed release sets a prefix,
    // which can only be set back to "" (and then the app is not routed)
    String healthy = "drover.apps.web { command = [\"node\", \"w1.js\"], placement = cluster }\n";
    String failed = "drover.apps.web { command = [\"node\", \"w2.js\"], placement = cluster, route.prefix = \"/v2\" }\n";
    assertEquals("/", spec(healthy, "web").route().prefix());
    RevertedApps.Outcome out = RevertedApps.writeBack(failed, "web", spec(failed, "web").withInstances(1),
        spec(healthy, "web").withInstances(1), List.of(healthy), APPS);
    assertNull(out.text(), "written: " + out.text());
    assertTrue(out.why().contains("cannot be written back"), out.why());
  }

  @Test
  void theAppKeepsItsPlaceAmongTheOthers() {
    String text = back(FAILED, List.of(HEALTHY)).text();
    assertEquals(List.copyOf(APPS.apply(FAILED).keySet()), List.copyOf(APPS.apply(text).keySet()), text);
  }
}
