package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.process.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The node as users run it: a separate JVM, real signals, real workers. */
class NodeProcessTest {
  static final Path WORKER = Path.of("../supervisor/src/test/resources/workers/worker.js").toAbsolutePath().normalize();

  Path dir;
  String marker;
  final List<NodeJvm> nodes = new ArrayList<>();
  @RegisterExtension final NodeLogsOnFailure logs = new NodeLogsOnFailure(nodes);

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-node-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
  }

  Path config(String extraArgs) throws IOException {
    Path conf = dir.resolve("node.conf");
    Files.writeString(
        conf,
        "drover {\n"
            + "  home = \"" + dir.resolve("home") + "\"\n"
            + "  http.port = 0\n"
            + "  management.port = 0\n"
            + "  apps.web {\n"
            + "    command = [\"node\", \"" + WORKER + "\", \"--listen\"" + extraArgs + "]\n"
            + "    instances = 2\n"
            + "    readiness { type = http, path = \"/health\" }\n"
            + "    stop.timeout = 2s\n"
            + "  }\n"
            + "}\n");
    return conf;
  }

  NodeJvm start(String... args) throws IOException {
    return startWith(List.of(), args);
  }

  NodeJvm startWith(List<String> jvmOptions, String... args) throws IOException {
    NodeJvm node = NodeJvm.start(marker, jvmOptions, args);
    nodes.add(node);
    return node;
  }

  List<Long> workers() {
    return NodeJvm.marked(marker).stream()
        .filter(pid -> nodes.stream().noneMatch(n -> n.process().pid() == pid))
        .toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"INT", "TERM"})
  void signalStopsEveryWorkerGracefullyAndExitsZero(String sig) throws Exception {
    NodeJvm node = start("run", config(", \"--grandchild\", \"" + dir.resolve("gc") + "\"").toString());
    node.awaitLine("web-0          ready", Duration.ofSeconds(30));
    node.awaitLine("web-1          ready", Duration.ofSeconds(30));
    assertTrue(workers().size() >= 4, "two workers and their children: " + workers());
    assertTrue(node.stop(sig, Duration.ofSeconds(30)), "node did not exit");
    assertEquals(0, node.process().exitValue(), node.all());
    assertTrue(node.all().contains("stop requested (exited with status 0)"), node.all());
    assertEquals(List.of(), workers(), "workers left after the node stopped");
  }

  @Test
  void killedNodeLeavesNoWorkerServing() throws Exception {
    Path conf = config(", \"--grandchild\", \"" + dir.resolve("gc") + "\"");
    NodeJvm first = start("run", conf.toString());
    String ready = first.awaitLine("web-0          ready", Duration.ofSeconds(30));
    first.awaitLine("web-1          ready", Duration.ofSeconds(30));
    long workerPid = Long.parseLong(ready.trim().split("\\s+")[3]);
    long grandchild = Long.parseLong(Files.readString(dir.resolve("gc")).trim());
    assertTrue(ProcFs.alive(workerPid) && ProcFs.alive(grandchild));

    first.stop("KILL", Duration.ofSeconds(10));
    // The workers die with the node (parent-death signal)...
    waitFor(() -> !ProcFs.alive(workerPid), Duration.ofSeconds(5), "worker " + workerPid + " to die with its node");
    // ...and what they left (a grandchild) is ended by the next start of the node.
    NodeJvm second = start("run", conf.toString());
    second.awaitLine("web-0          ready", Duration.ofSeconds(30));
    waitFor(() -> !ProcFs.alive(grandchild), Duration.ofSeconds(5), "grandchild " + grandchild + " to be reaped");
    assertTrue(second.stop("TERM", Duration.ofSeconds(30)));
    assertEquals(0, second.process().exitValue());
    assertEquals(List.of(), workers());
  }

  @Test
  void runValidatesFirstAndStartsNothingOnAnInvalidFile() throws Exception {
    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, "drover.apps.web {\n  command = []\n  instances = 0\n}\n");
    NodeJvm node = start("run", bad.toString());
    assertTrue(node.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(1, node.process().exitValue());
    String out = node.all();
    assertTrue(out.contains("bad.conf:2: drover.apps.web.command"), out);
    assertTrue(out.contains("bad.conf:3: drover.apps.web.instances"), out);
    assertTrue(out.contains("2 errors; nothing was started"), out);
    assertEquals(List.of(), workers());
  }

  @Test
  void validatePrintsOk() throws Exception {
    NodeJvm node = start("validate", config("").toString());
    assertTrue(node.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, node.process().exitValue());
    assertEquals("ok\n", node.all());
  }

  @Test
  void hundredMegabytesStreamThroughAFrontWithASmallHeap() throws Exception {
    Path web = Path.of("../http-frontend/src/test/resources/workers/web.js").toAbsolutePath().normalize();
    Path conf = dir.resolve("stream.conf");
    Files.writeString(
        conf,
        "drover {\n  home = \"" + dir.resolve("home") + "\"\n  http.port = 0\n  management.port = 0\n"
            + "  apps.files {\n    command = [\"node\", \"" + web + "\"]\n    route.prefix = \"/\"\n"
            + "    readiness { type = http, path = \"/health\" }\n  }\n}\n");
    // 48 MB of heap and 32 MB of direct memory: a front that buffered 100 MB could not do this
    NodeJvm node = startWith(List.of("-Xmx48m", "-XX:MaxDirectMemorySize=32m"), "run", conf.toString());
    String listening = node.awaitLine("front listening on http://", Duration.ofSeconds(30));
    int port = Integer.parseInt(listening.replaceAll(".*127\\.0\\.0\\.1:(\\d+)/.*", "$1"));
    node.awaitLine("files-0        ready", Duration.ofSeconds(30));
    long size = 100L * 1024 * 1024;
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    java.net.URI base = java.net.URI.create("http://127.0.0.1:" + port);

    java.net.http.HttpResponse<java.io.InputStream> down =
        client.send(java.net.http.HttpRequest.newBuilder(base.resolve("/download?mb=100")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, down.statusCode());
    long got = 0;
    try (java.io.InputStream in = down.body()) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n != -1; n = in.read(buf)) {
        got += n;
      }
    }
    assertEquals(size, got);

    java.util.function.Supplier<java.io.InputStream> source = () -> new java.io.InputStream() {
      long left = size;
      @Override public int read() { return left-- > 0 ? 7 : -1; }
      @Override public int read(byte[] b, int off, int len) {
        if (left <= 0) return -1;
        int n = (int) Math.min(len, left);
        java.util.Arrays.fill(b, off, off + n, (byte) 7);
        left -= n;
        return n;
      }
    };
    java.net.http.HttpResponse<String> up =
        client.send(java.net.http.HttpRequest.newBuilder(base.resolve("/upload"))
                .POST(java.net.http.HttpRequest.BodyPublishers.fromPublisher(
                    java.net.http.HttpRequest.BodyPublishers.ofInputStream(source), size)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, up.statusCode(), up.body());
    assertTrue(up.body().contains("\"bytes\":" + size), up.body());
    assertTrue(node.process().isAlive(), "the node survived");
    assertTrue(node.stop("TERM", Duration.ofSeconds(30)));
    assertEquals(0, node.process().exitValue(), node.all());
  }

  static void waitFor(java.util.function.BooleanSupplier cond, Duration within, String what) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (cond.getAsBoolean()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what);
  }
}
