package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the launcher sets for the node's JVM alone (MALLOC_ARENA_MAX, named in
 * DROVER_NODE_ONLY_ENV) does not reach its workers, unless an app declares it itself.
 */
class NodeOnlyEnvTest {
  Path dir;
  String marker;
  final List<NodeJvm> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-node-env-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
  }

  @Test
  void variablesForTheNodeAloneAreNotPassedToWorkersUnlessDeclared() throws Exception {
    String dump = "[\"sh\", \"-c\", \"env > " + dir + "/$DROVER_APP.tmp && mv " + dir + "/$DROVER_APP.tmp " + dir
        + "/$DROVER_APP.env; exec sleep 60\"]";
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, "drover {\n  home = \"" + dir.resolve("home") + "\"\n  http.port = 0\n  management.port = 0\n"
        + "  apps.plain { command = " + dump + ", readiness.type = none }\n"
        + "  apps.declared { command = " + dump + ", readiness.type = none, env { MALLOC_ARENA_MAX = \"4\" } }\n}\n");
    ProcessBuilder pb = NodeJvm.command(List.of(), "run", conf.toString());
    pb.environment().put("MALLOC_ARENA_MAX", "2");
    pb.environment().put("DROVER_NODE_ONLY_ENV", "MALLOC_ARENA_MAX, UNSET_ONE");
    pb.environment().put("KEPT_FOR_WORKERS", "yes");
    NodeJvm node = NodeJvm.start(pb, marker);
    nodes.add(node);
    List<String> plain = envOf(dir.resolve("plain.env"));
    List<String> declared = envOf(dir.resolve("declared.env"));

    assertTrue(plain.contains("KEPT_FOR_WORKERS=yes"), plain.toString());
    assertTrue(plain.stream().noneMatch(v -> v.startsWith("MALLOC_ARENA_MAX=")), plain.toString());
    assertTrue(plain.stream().noneMatch(v -> v.startsWith("DROVER_NODE_ONLY_ENV=")), plain.toString());
    assertTrue(declared.contains("MALLOC_ARENA_MAX=4"), declared.toString());
    assertTrue(node.stop("TERM", Duration.ofSeconds(30)), "the node did not stop");
  }

  private static List<String> envOf(Path file) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.isRegularFile(file)) { // written whole, then renamed
      assertTrue(System.nanoTime() < deadline, "no " + file);
      Thread.sleep(50);
    }
    return Files.readAllLines(file);
  }
}
