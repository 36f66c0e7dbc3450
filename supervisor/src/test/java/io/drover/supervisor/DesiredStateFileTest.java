package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.DesiredStateFile.Saved;
import io.drover.supervisor.DesiredStateFile.SavedApp;
import io.drover.supervisor.DesiredStateFile.SavedConfig;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The desired state on disk, and what wins at a start: the saved state, or a config file edited since. */
class DesiredStateFileTest {
  Path dir;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("drover-desired");
  }

  @AfterEach
  void tearDown() throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void aSavedStateReadsBackAsItWasWritten() throws Exception {
    Instant t = Instant.parse("2026-12-05T10:00:00.123456Z");
    String text = "drover.apps.web {\n command = [\"node\", \"a b.js\"]\n env.X = \"${HOME} \\\"q\\\" é\"\n}\n";
    Map<Integer, SavedConfig> configs = new TreeMap<>(Map.of(3, new SavedConfig("new.conf", "/srv/app", text, t)));
    DeploymentStatus d = new DeploymentStatus("web@2", DeploymentState.REVERTED, "apply", t, t.plusSeconds(9),
        "every worker is back", 1, List.of());
    Saved saved = new Saved("/etc/drover.conf", "ab12", t, 3, configs,
        Map.of("web", new SavedApp(0, 0, null, 3, 2, List.of(d))));
    Path path = dir.resolve("desired").resolve("x.json");
    DesiredStateFile.write(path, saved);
    DesiredStateFile.write(path, saved); // replaced whole, nothing left beside it
    assertEquals(saved, DesiredStateFile.read(path));
    try (Stream<Path> files = Files.list(path.getParent())) {
      assertEquals(List.of(path), files.toList());
    }
  }

  String config(String tag) {
    return "drover {\n home = \"" + dir.resolve("home") + "\"\n apps.web {\n command = [\"node\", \"w.js\"]\n"
        + " env.TAG = \"" + tag + "\"\n }\n}\n";
  }

  @Test
  void theSavedStateWinsOverAnUnchangedFileAndAnEditedFileWinsOverIt() throws Exception {
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, config("v1"));
    DesiredState first = DesiredState.open(ConfigLoader.load(conf));
    assertNull(first.note(), "nothing saved yet");
    first.save();
    DroverSettings v2 = ConfigLoader.parse(config("v2"), "v2.conf", dir);
    first.applied(new DesiredState.AppliedText(config("v2"), "v2.conf", dir), v2.apps());

    DesiredState second = DesiredState.open(ConfigLoader.load(conf));
    assertTrue(second.note().startsWith("restored the desired state"), second.note());
    assertEquals("v2", second.settings().apps().get("web").env().get("TAG"));

    Files.writeString(conf, config("v3"));
    DesiredState third = DesiredState.open(ConfigLoader.load(conf));
    assertTrue(third.note().contains("changed since the desired state was saved"), third.note());
    assertEquals("v3", third.settings().apps().get("web").env().get("TAG"));
  }

  @Test
  void aStateThatCannotBeReadLeavesTheFileToWin() throws Exception {
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, config("v1"));
    DesiredState first = DesiredState.open(ConfigLoader.load(conf));
    first.applied(new DesiredState.AppliedText(config("v2"), "v2.conf", dir),
        ConfigLoader.parse(config("v2"), "v2.conf", dir).apps());
    Path saved;
    try (Stream<Path> files = Files.list(dir.resolve("home").resolve("state").resolve("desired"))) {
      saved = files.findFirst().orElseThrow();
    }
    Files.writeString(saved, "{ torn");
    DesiredState second = DesiredState.open(ConfigLoader.load(conf));
    assertTrue(second.note().contains("cannot be read"), second.note());
    assertEquals("v1", second.settings().apps().get("web").env().get("TAG"));
    assertFalse(second.settings().apps().isEmpty());
  }
}
