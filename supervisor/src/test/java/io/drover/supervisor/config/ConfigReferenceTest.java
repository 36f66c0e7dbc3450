package io.drover.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {
  @Test
  void everyLeafKeyInReferenceConfHasAComment() {
    assertEquals(List.of(), ConfigReference.uncommentedLeaves());
  }

  @Test
  void tableHasARowForEveryKeyButApps() {
    String table = ConfigReference.markdown();
    Set<String> leaves =
        ConfigLoaderTest.reference().getConfig("drover").withoutPath("apps").entrySet().stream()
            .map(e -> "drover." + e.getKey())
            .collect(Collectors.toSet());
    for (String key : leaves) {
      assertTrue(table.contains("| `" + key + "` |"), key);
    }
    assertTrue(table.contains("| `drover.app-defaults.env` | `{}` |"));
    assertFalse(table.contains("`drover.apps"));
  }

  @Test
  void everyRowHasThreeCells() {
    for (String row : ConfigReference.markdown().split("\n")) {
      long pipes = row.replace("\\|", "").chars().filter(c -> c == '|').count();
      assertEquals(4, pipes, row);
    }
  }

  @Test
  void entriesFollowReferenceConfOrder() {
    List<String> keys =
        ConfigReference.entries().stream().map(ConfigReference.Entry::key).toList();
    assertEquals("drover.home", keys.get(0));
    assertTrue(
        keys.indexOf("drover.app-defaults.kind") < keys.indexOf("drover.app-defaults.logs.keep"));
  }
}
