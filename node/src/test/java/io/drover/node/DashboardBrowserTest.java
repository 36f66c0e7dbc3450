package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import io.drover.supervisor.process.Ports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard (GET / of the management API) in a real browser, against a real node: it shows
 * both workers ready, follows a {@code kill -9} of one (away from ready and back with a new pid)
 * and a rolling restart clicked on the page. The browser part is {@code src/test/browser/
 * dashboard.test.mjs} (Playwright driving the system Chromium); its screenshot is left in the
 * build directory as {@code dashboard/dashboard.png}. It also draws the charts, sparklines, events
 * and a log tail from the live node, and a deployment applied with a canary that waits: shown
 * with its slots, promoted by the page's button, then listed as succeeded. On a clustered node
 * (a cluster of one), {@code cluster.test.mjs} checks the cluster panel ({@code dashboard/cluster.png}).
 */
class DashboardBrowserTest {
  static final Path BROWSER_TEST = Path.of("src/test/browser").toAbsolutePath().normalize();
  static final Path SERVER_JS = Path.of("../deploy/examples/quickstart/server.js").toAbsolutePath().normalize();
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  /** The first node's API wants a token: the page asks for it, then sends it with every call and stream. */
  static final String TOKEN = "dashboard-test-token-0123456789";
  static final Pattern MANAGEMENT = Pattern.compile("drover: management API on (http://127\\.0\\.0\\.1:\\d+/)");
  static final Pattern FRONT = Pattern.compile("drover: front listening on (http://127\\.0\\.0\\.1:\\d+/)");

  Path dir;
  String marker;
  final List<NodeJvm> started = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-dashboard-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    List<Long> left = NodeJvm.cleanUp(started, marker, dir);
    assertEquals(List.of(), left, "processes (node, workers, browser) left running by the test");
    assertFalse(Files.exists(dir), "temp dir left: " + dir);
  }

  @Test
  void dashboardFollowsAKilledWorkerAndARollingRestart() throws Exception {
    requireBrowser();
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, webConfig(""));
    NodeJvm node = start(NodeJvm.command(List.of(), "run", conf.toString()));
    String dashboard = node.awaitGroup(MANAGEMENT, Duration.ofSeconds(30));
    String front = node.awaitGroup(FRONT, Duration.ofSeconds(30));
    String ready0 = node.awaitLine("web-0          ready", Duration.ofSeconds(30));
    node.awaitLine("web-1          ready", Duration.ofSeconds(30));
    long pid = Long.parseLong(ready0.trim().split("\\s+")[3]);

    Path tmp = Files.createDirectories(dir.resolve("tmp")); // the browser's temp files, to check they go
    Path shot = buildDir().resolve("dashboard").resolve("dashboard.png");
    Files.deleteIfExists(shot);
    ProcessBuilder pb = new ProcessBuilder("node", "dashboard.test.mjs").directory(BROWSER_TEST.toFile());
    pb.environment().put("DASHBOARD_URL", dashboard);
    pb.environment().put("WORKER_PID", Long.toString(pid));
    pb.environment().put("APP", "web");
    pb.environment().put("INSTANCES", "2");
    pb.environment().put("FRONT_URL", front);
    pb.environment().put("TOKEN", TOKEN);
    // a release with a canary that waits: the page shows it and promotes it
    pb.environment().put("NEXT_CONFIG",
        webConfig("  app-defaults { env.RELEASE = \"2\", update { canary = 1, auto-promote = off, min-healthy-time = 200ms } }\n"));
    pb.environment().put("SCREENSHOT", shot.toString());
    pb.environment().put("TMPDIR", tmp.toString());
    NodeJvm browser = start(pb);
    boolean ended = browser.process().waitFor(300, TimeUnit.SECONDS);
    if (!ended) {
      browser.process().destroyForcibly();
    }
    assertTrue(ended, "dashboard.test.mjs did not end within 300 s:\n" + browser.all() + "\nnode:\n" + node.all());
    assertEquals(0, browser.process().exitValue(), "dashboard.test.mjs failed:\n" + browser.all() + "\nnode:\n" + node.all());
    assertTrue(Files.size(shot) > 0, "no screenshot at " + shot);
    System.out.println(browser.all());
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(), s.toList(), "the browser left temp files");
    }

    assertTrue(node.stop("TERM", Duration.ofSeconds(30)), "node did not exit after SIGTERM:\n" + node.all());
    assertEquals(0, node.process().exitValue(), node.all());
    assertEquals(List.of(), NodeJvm.marked(marker), "processes left after the node stopped");
  }

  /** The first test's node: two workers of the quickstart app behind a token; {@code extra} goes into drover { }. */
  String webConfig(String extra) {
    return "drover {\n"
        + "  home = \"" + dir.resolve("home") + "\"\n"
        + "  http.port = 0\n"
        + "  management { port = 0, token = \"" + TOKEN + "\" }\n"
        + extra
        + "  apps.web {\n"
        + "    command = [\"node\", \"" + SERVER_JS + "\"]\n"
        + "    instances = 2\n"
        + "    route.prefix = \"/\"\n"
        + "    readiness { type = http, path = \"/health\" }\n"
        + "    stop.timeout = 2s\n"
        + "  }\n"
        + "}\n";
  }

  @Test
  void dashboardShowsTheClusterOfAClusteredNode() throws Exception {
    requireBrowser();
    int clusterPort = Ports.freeLoopbackPort();
    Path conf = dir.resolve("cluster.conf");
    Files.writeString(
        conf,
        "drover {\n"
            + "  home = \"" + dir.resolve("home") + "\"\n"
            + "  http.port = 0\n"
            + "  management.port = 0\n"
            + "  cluster { enabled = on, port = " + clusterPort + ", seed-nodes = [\"127.0.0.1:" + clusterPort + "\"] }\n"
            + "  apps.web {\n"
            + "    command = [\"node\", \"" + SERVER_JS + "\"]\n"
            + "    instances = 2\n"
            + "    placement = cluster\n"
            + "    route.prefix = \"/\"\n"
            + "    readiness { type = http, path = \"/health\" }\n"
            + "    stop.timeout = 2s\n"
            + "  }\n"
            + "}\n");
    NodeJvm node = start(NodeJvm.command(List.of("-Xmx160m"), "run", conf.toString()));
    String dashboard = node.awaitGroup(MANAGEMENT, Duration.ofSeconds(60));

    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Path shot = buildDir().resolve("dashboard").resolve("cluster.png");
    Files.deleteIfExists(shot);
    ProcessBuilder pb = new ProcessBuilder("node", "cluster.test.mjs").directory(BROWSER_TEST.toFile());
    pb.environment().put("DASHBOARD_URL", dashboard);
    pb.environment().put("APP", "web");
    pb.environment().put("INSTANCES", "2");
    pb.environment().put("SCREENSHOT", shot.toString());
    pb.environment().put("TMPDIR", tmp.toString());
    NodeJvm browser = start(pb);
    boolean ended = browser.process().waitFor(200, TimeUnit.SECONDS);
    if (!ended) {
      browser.process().destroyForcibly();
    }
    assertTrue(ended, "cluster.test.mjs did not end within 200 s:\n" + browser.all() + "\nnode:\n" + node.all());
    assertEquals(0, browser.process().exitValue(), "cluster.test.mjs failed:\n" + browser.all() + "\nnode:\n" + node.all());
    assertTrue(Files.size(shot) > 0, "no screenshot at " + shot);
    System.out.println(browser.all());
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(), s.toList(), "the browser left temp files");
    }
    assertTrue(node.stop("TERM", Duration.ofSeconds(30)), "node did not exit after SIGTERM:\n" + node.all());
    assertEquals(List.of(), NodeJvm.marked(marker), "processes left after the node stopped");
  }

  /** Fails (not skips: CI installs both) when the browser or Playwright is missing. */
  static void requireBrowser() {
    if (!Files.isExecutable(CHROMIUM)) {
      fail("no Chromium at " + CHROMIUM + ": install it with `apt-get update && apt-get install -y chromium` (.ci/run does)");
    }
    if (!Files.isDirectory(BROWSER_TEST.resolve("node_modules/playwright-core"))) {
      fail("no playwright-core in " + BROWSER_TEST + "/node_modules: run `cd node/src/test/browser && npm install --no-audit --no-fund` (.ci/run does)");
    }
  }

  /** The build directory (target, or the -Ddrover.target one): the parent of test-classes. */
  static Path buildDir() throws Exception {
    return Path.of(DashboardBrowserTest.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
  }

  /** Starts a process (the node or the browser test), marked for the leftover check, with its output kept. */
  NodeJvm start(ProcessBuilder pb) throws IOException {
    NodeJvm p = NodeJvm.start(pb, marker);
    started.add(p);
    return p;
  }
}
