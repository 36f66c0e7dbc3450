package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigUtil;
import io.drover.supervisor.config.ConfigReference;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code drover run} on hostile files, one of each kind the config fuzz test generates (see
 * ConfigFuzzTest in the supervisor module): the node prints every problem with its file, line and
 * key, exits with status 1, and starts nothing: while it runs, no process carries the test's
 * marker but the node itself (each file declares an app whose workers would carry it) and the node
 * holds no listening socket.
 */
class InvalidConfigNodeTest {
  /** The seed the values are drawn with, so a run is reproducible. */
  static final long SEED = 20261126;

  enum Hostile {
    WRONG_TYPE_AT_A_KNOWN_KEY,
    DURATION_TOO_LONG_TO_SCHEDULE,
    UNKNOWN_KEY,
    INCLUDE_CYCLE,
    BINARY_GARBAGE,
    MISSING_COMMAND
  }

  Path dir;
  String marker;
  final List<NodeJvm> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-invalid-config");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
    assertFalse(Files.exists(dir));
  }

  @ParameterizedTest
  @EnumSource(Hostile.class)
  void runPrintsTheProblemsExitsOneAndStartsNothing(Hostile hostile) throws Exception {
    Random random = new Random(SEED + hostile.ordinal());
    Path file = dir.resolve("hostile.conf");
    // what a problem line must start with: file:line: key: found ...
    String expected;
    // an app that would start workers (carrying the marker) and ports the node would bind
    String app = "drover {\n  home = " + quote(dir.resolve("home").toString()) + "\n"
        + "  http.port = 0\n  management.port = 0\n  apps.web.command = [\"sleep\", \"30\"]\n}\n";
    switch (hostile) {
      case WRONG_TYPE_AT_A_KNOWN_KEY -> {
        String key = knownScalarKey(random);
        Files.writeString(file, app + key + " = { a = 1 }\n");
        expected = file + ":7: " + key + ": found ";
      }
      case DURATION_TOO_LONG_TO_SCHEDULE -> {
        // accepted once, it crashed the worker's actor when the readiness timer started
        Files.writeString(file, app + "drover.apps.web.readiness.timeout = 300d\n");
        expected = file + ":7: drover.apps.web.readiness.timeout: found \"300d\"";
      }
      case UNKNOWN_KEY -> {
        Files.writeString(file, app + "drover.apps.web.comand = [\"sleep\", \"30\"]\n");
        expected = file + ":7: drover.apps.web.comand: found unknown key \"comand\"";
      }
      case INCLUDE_CYCLE -> {
        Files.writeString(dir.resolve("other.conf"), "include \"hostile.conf\"\n");
        Files.writeString(file, app + "include \"other.conf\"\n");
        expected = file + ":7: found an include cycle";
      }
      case BINARY_GARBAGE -> {
        byte[] bytes = new byte[1024];
        random.nextBytes(bytes);
        for (int i = 0; i < bytes.length; i++) {
          bytes[i] = bytes[i] == '\n' ? (byte) 'x' : bytes[i]; // one line, so the line is 1
        }
        bytes[random.nextInt(bytes.length)] = (byte) 0xFF;
        Files.write(file, bytes);
        expected = file + ":1: found binary data";
      }
      case MISSING_COMMAND -> {
        Files.writeString(file, app.replace("apps.web.command = [\"sleep\", \"30\"]", "apps.web.instances = 2"));
        expected = file + ":5: drover.apps.web.command: found nothing";
      }
      default -> throw new AssertionError(hostile);
    }

    NodeJvm node = NodeJvm.start(marker, List.of(), "run", file.toString());
    nodes.add(node);
    long pid = node.process().pid();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (node.process().isAlive() && System.nanoTime() < deadline) {
      List<Long> others = NodeJvm.marked(marker).stream().filter(p -> p != pid).toList();
      assertEquals(List.of(), others, "a process started beside the node:\n" + node.all());
      assertEquals(Set.of(), listening(pid), "the node listens:\n" + node.all());
      Thread.sleep(20);
    }
    assertTrue(node.process().waitFor(1, TimeUnit.SECONDS), "the node did not exit");
    String out = node.all();
    assertEquals(1, node.process().exitValue(), out);
    List<String> lines = out.lines().toList();
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(expected)), expected + " in:\n" + out);
    assertTrue(lines.get(lines.size() - 1).matches("\\d+ errors?; nothing was started"), out);
    assertFalse(out.contains("listening"), out);
    assertEquals(List.of(), NodeJvm.marked(marker), "processes left");
  }

  @Test
  void theListeningCheckSeesASocketThisJvmListensOn() throws IOException {
    long self = ProcessHandle.current().pid();
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertEquals(1, listening(self).size(), "port " + socket.getLocalPort());
    }
    assertEquals(Set.of(), listening(self));
  }

  /** A key of reference.conf that holds a value (not an object or list), read by process apps. */
  static String knownScalarKey(Random random) {
    List<ConfigReference.Entry> scalars = ConfigReference.entries().stream()
        .filter(e -> e.leaf() && !e.defaultValue().startsWith("{") && !e.defaultValue().startsWith("["))
        .filter(e -> !e.comment().startsWith("kind = actor:"))
        .toList();
    List<String> path = new ArrayList<>(ConfigUtil.splitPath(scalars.get(random.nextInt(scalars.size())).key()));
    if (path.get(1).equals("app-defaults")) {
      path.set(1, "apps");
      path.add(2, "web");
    }
    return ConfigUtil.joinPath(path);
  }

  /** The inodes of the TCP sockets {@code pid} listens on (from /proc). */
  static Set<String> listening(long pid) throws IOException {
    Set<String> listen = new HashSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.exists(path)) {
        continue;
      }
      for (String line : Files.readAllLines(path, StandardCharsets.US_ASCII)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && f[3].equals("0A")) { // 0A: LISTEN
          listen.add(f[9]);
        }
      }
    }
    Set<String> held = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            String inode = target.substring(8, target.length() - 1);
            if (listen.contains(inode)) {
              held.add(inode);
            }
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      // the process has exited
    }
    return held;
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
