package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.config.Signal;
import io.drover.supervisor.process.ProcFs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The node as users run it: a separate JVM, real signals, real workers. */
class NodeProcessTest {
  static final Path WORKER = Path.of("../supervisor/src/test/resources/workers/worker.js").toAbsolutePath().normalize();

  Path dir;
  String marker;
  final List<Process> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-node-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process node : nodes) {
      if (node.isAlive()) {
        signal(node, "TERM");
        node.waitFor(30, TimeUnit.SECONDS);
      }
      node.destroyForcibly();
    }
    List<Long> left = ProcFs.withEnvironment("DROVER_TEST", marker);
    ProcFs.signal(Signal.KILL, 0, left);
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
    assertEquals(List.of(), left, "processes left running by the test");
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

  /** A node JVM, with every line of its output kept. */
  record Node(Process process, List<String> lines, StringBuilder all) {
    /** The first line so far, or to come within {@code within}, that contains the text. */
    String awaitLine(String contains, Duration within) throws InterruptedException {
      long deadline = System.nanoTime() + within.toNanos();
      while (System.nanoTime() < deadline) {
        synchronized (lines) {
          for (String line : lines) {
            if (line.contains(contains)) {
              return line;
            }
          }
        }
        Thread.sleep(50);
      }
      throw new AssertionError("no line containing '" + contains + "' within " + within + ":\n" + all);
    }
  }

  Node start(String... args) throws IOException {
    return startWith(List.of(), args);
  }

  Node startWith(List<String> jvmOptions, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.drover.node.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("DROVER_TEST", marker);
    Process p = pb.start();
    nodes.add(p);
    List<String> lines = new ArrayList<>();
    StringBuilder all = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          synchronized (all) {
            all.append(line).append('\n');
          }
          synchronized (lines) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        // node gone
      }
    });
    reader.setDaemon(true);
    reader.start();
    return new Node(p, lines, all);
  }

  static void signal(Process p, String sig) throws Exception {
    new ProcessBuilder("kill", "-s", sig, Long.toString(p.pid())).start().waitFor();
  }

  List<Long> workers() {
    return ProcFs.withEnvironment("DROVER_TEST", marker).stream()
        .filter(pid -> nodes.stream().noneMatch(n -> n.pid() == pid))
        .toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"INT", "TERM"})
  void signalStopsEveryWorkerGracefullyAndExitsZero(String sig) throws Exception {
    Node node = start("run", config(", \"--grandchild\", \"" + dir.resolve("gc") + "\"").toString());
    node.awaitLine("web-0          ready", Duration.ofSeconds(30));
    node.awaitLine("web-1          ready", Duration.ofSeconds(30));
    assertTrue(workers().size() >= 4, "two workers and their children: " + workers());
    signal(node.process(), sig);
    assertTrue(node.process().waitFor(30, TimeUnit.SECONDS), "node did not exit");
    assertEquals(0, node.process().exitValue(), node.all().toString());
    assertTrue(node.all().toString().contains("stop requested (exited with status 0)"), node.all().toString());
    assertEquals(List.of(), workers(), "workers left after the node stopped");
  }

  @Test
  void killedNodeLeavesNoWorkerServing() throws Exception {
    Path conf = config(", \"--grandchild\", \"" + dir.resolve("gc") + "\"");
    Node first = start("run", conf.toString());
    String ready = first.awaitLine("web-0          ready", Duration.ofSeconds(30));
    first.awaitLine("web-1          ready", Duration.ofSeconds(30));
    long workerPid = Long.parseLong(ready.trim().split("\\s+")[3]);
    long grandchild = Long.parseLong(Files.readString(dir.resolve("gc")).trim());
    assertTrue(ProcFs.alive(workerPid) && ProcFs.alive(grandchild));

    signal(first.process(), "KILL");
    first.process().waitFor(10, TimeUnit.SECONDS);
    // The workers die with the node (parent-death signal)...
    waitFor(() -> !ProcFs.alive(workerPid), Duration.ofSeconds(5), "worker " + workerPid + " to die with its node");
    // ...and what they left (a grandchild) is ended by the next start of the node.
    Node second = start("run", conf.toString());
    second.awaitLine("web-0          ready", Duration.ofSeconds(30));
    waitFor(() -> !ProcFs.alive(grandchild), Duration.ofSeconds(5), "grandchild " + grandchild + " to be reaped");
    signal(second.process(), "TERM");
    assertTrue(second.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, second.process().exitValue());
    assertEquals(List.of(), workers());
  }

  @Test
  void runValidatesFirstAndStartsNothingOnAnInvalidFile() throws Exception {
    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, "drover.apps.web {\n  command = []\n  instances = 0\n}\n");
    Node node = start("run", bad.toString());
    assertTrue(node.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(1, node.process().exitValue());
    String out = node.all().toString();
    assertTrue(out.contains("bad.conf:2: drover.apps.web.command"), out);
    assertTrue(out.contains("bad.conf:3: drover.apps.web.instances"), out);
    assertTrue(out.contains("2 errors; nothing was started"), out);
    assertEquals(List.of(), workers());
  }

  @Test
  void validatePrintsOk() throws Exception {
    Node node = start("validate", config("").toString());
    assertTrue(node.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, node.process().exitValue());
    assertEquals("ok\n", node.all().toString());
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
    Node node = startWith(List.of("-Xmx48m", "-XX:MaxDirectMemorySize=32m"), "run", conf.toString());
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
    signal(node.process(), "TERM");
    assertTrue(node.process().waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, node.process().exitValue(), node.all().toString());
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
