package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The CLI verbs against a real node (a separate JVM with real workers), run in-process through
 * {@link Main#commandLine()} with captured output.
 */
class CliTest {
  static final Path WORKER = Path.of("../supervisor/src/test/resources/workers/worker.js").toAbsolutePath().normalize();
  static final String TOKEN = "0123456789abcdef0123";
  static final ObjectMapper JSON = new ObjectMapper();

  Path dir;
  String marker;
  final List<NodeJvm> nodes = new ArrayList<>();
  final List<Thread> threads = new ArrayList<>();
  String url;
  /** The node's HTTP front (http://127.0.0.1:PORT/). */
  String front;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-cli-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Thread t : threads) {
      t.interrupt();
      t.join(10_000);
    }
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
    for (Thread t : threads) {
      assertFalse(t.isAlive(), "a streaming CLI call did not end: " + t.getName());
    }
  }

  // ------------------------------------------------------------------ the verbs

  @Test
  void statusScaleRestartStopStart() throws Exception {
    startNode("");

    Result json = cli("status", "--json");
    assertEquals(0, json.exit(), json.toString());
    JsonNode apps = JSON.readTree(json.out()).path("apps");
    assertEquals(1, apps.size(), json.out());
    JsonNode web = apps.get(0);
    assertEquals("web", web.path("name").asText());
    assertEquals("running", web.path("state").asText());
    assertEquals(2, web.path("workers").size(), json.out());
    for (JsonNode w : web.path("workers")) {
      assertEquals("ready", w.path("state").asText(), json.out());
      assertTrue(w.path("pid").asLong() > 0, json.out());
    }

    Result table = cli("status");
    assertEquals(0, table.exit(), table.toString());
    List<String> lines = table.out().lines().toList();
    assertTrue(lines.get(0).matches("app\\s+instance\\s+state\\s+pid\\s+port\\s+uptime\\s+restarts\\s+in-flight\\s+cpu%\\s+rss\\(MiB\\)\\s+detail"), table.out());
    assertTrue(lines.get(1).matches("web\\s+×2\\s+app:running\\s+.*"), table.out());
    assertTrue(lines.get(2).matches("web\\s+0\\s+ready\\s+\\d+\\s+\\d+\\s+(\\d+(ms|s)|-|\\d+m\\d\\ds)\\s+0\\s+0\\s+\\d+\\.\\d\\s+(\\d+\\.\\d|-)\\s+.*"), table.out());
    assertTrue(lines.get(3).matches("web\\s+1\\s+ready\\s+.*"), table.out());
    assertEquals("", table.err());

    Result one = cli("status", "web");
    assertEquals(0, one.exit(), one.toString());
    assertTrue(one.out().contains("app:running"), one.out());

    Result scale = cli("scale", "web", "3");
    assertEquals(0, scale.exit(), scale.toString());
    assertEquals("web: 3 instances\n", scale.out());
    awaitCondition(() -> readyWorkers("web") == 3, "three ready workers after scale 3");
    Result scaled = cli("status");
    assertTrue(scaled.out().lines().anyMatch(l -> l.matches("web\\s+2\\s+ready\\s+.*")), scaled.out());

    long before = worker("web", 0).path("pid").asLong();
    Result restart = cli("restart", "web", "--worker", "0");
    assertEquals(0, restart.exit(), restart.toString());
    assertTrue(restart.out().startsWith("web-0: "), restart.out());
    awaitCondition(() -> worker("web", 0).path("state").asText().equals("ready"), "worker 0 ready after its restart");
    long after = worker("web", 0).path("pid").asLong();
    assertNotEquals(before, after, "worker 0 has a new process");
    assertTrue(after > 0);

    Result rolling = cli("restart", "web");
    assertEquals(0, rolling.exit(), rolling.toString());
    assertTrue(rolling.out().startsWith("web: "), rolling.out());

    Result stop = cli("stop", "web");
    assertEquals(0, stop.exit(), stop.toString());
    assertEquals("web: stopped\n", stop.out());
    JsonNode stopped = app("web");
    assertEquals("stopped", stopped.path("state").asText(), stopped.toString());
    for (JsonNode w : stopped.path("workers")) {
      assertEquals(0, w.path("pid").asLong(), "no worker process while stopped: " + stopped);
    }
    Result stoppedTable = cli("status", "web");
    assertTrue(stoppedTable.out().contains("app:stopped"), stoppedTable.out());

    Result start = cli("start", "web");
    assertEquals(0, start.exit(), start.toString());
    assertEquals("web: running\n", start.out());
    awaitCondition(() -> app("web").path("state").asText().equals("running") && readyWorkers("web") == 3,
        "web running again with its three workers");
  }

  @Test
  void logsTailFollowAndEvents() throws Exception {
    startNode("");

    Result tail = cli("logs", "web", "--tail", "5");
    assertEquals(0, tail.exit(), tail.toString());
    assertTrue(tail.out().lines().anyMatch(l -> l.startsWith("web-0 | worker web-0 pid ")), "every worker, prefixed: " + tail.out());
    assertTrue(tail.out().lines().anyMatch(l -> l.startsWith("web-1 | worker web-1 pid ")), "every worker, prefixed: " + tail.out());
    assertTrue(tail.out().lines().allMatch(l -> l.startsWith("web-0 | ") || l.startsWith("web-1 | ")), tail.out());
    Result one = cli("logs", "web", "--worker", "0", "--tail", "5");
    assertTrue(one.out().startsWith("worker web-0 pid "), "one worker: its lines as they are: " + one.out());
    assertFalse(one.out().contains("web-1"), one.out());
    Result err = cli("logs", "web", "--worker", "1", "--err");
    assertEquals(0, err.exit(), err.toString());
    assertTrue(err.out().contains("stderr line from 1"), err.out());
    Result jsonLines = cli("logs", "web", "--tail", "5", "--json");
    assertEquals(0, jsonLines.exit(), jsonLines.toString());
    JsonNode first = JSON.readTree(jsonLines.out().lines().findFirst().orElseThrow());
    assertEquals("web", first.path("app").asText());
    assertTrue(first.path("line").asText().startsWith("worker web-0 pid "), jsonLines.out());
    assertTrue(jsonLines.out().lines().anyMatch(l -> l.contains("\"worker\":1,")), jsonLines.out());

    Streaming follow = cliInBackground("logs", "web", "--tail", "5", "-f");
    follow.await(s -> s.contains("web-0 | worker web-0 pid ") && s.contains("web-1 | worker web-1 pid "), "both workers' followed logs");
    // a new process of worker 0 writes a new line into the same file
    long before = worker("web", 0).path("pid").asLong();
    assertEquals(0, cli("restart", "web", "--worker", "0").exit());
    awaitCondition(() -> worker("web", 0).path("pid").asLong() != before, "worker 0 restarted");
    long after = worker("web", 0).path("pid").asLong();
    follow.await(s -> s.contains("web-0 | worker web-0 pid " + after), "the new process's line, followed");
    assertEquals(130, follow.stop(), "interrupted");

    Streaming raw = cliInBackground("events", "--json");
    Streaming human = cliInBackground("events");
    human.await(s -> s.startsWith("time"), "the events header (connected)");
    Thread.sleep(500); // the --json call connected before the human one; let it settle
    assertEquals(0, cli("scale", "web", "3").exit());
    human.await(s -> s.lines().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\s+web-2\\s+ready\\s+\\d+\\s+\\d+\\s+.*")),
        "web-2 ready, as a human line");
    raw.await(s -> s.contains("\"instance\":2") && s.contains("\"ready\""), "web-2 ready, as JSON");
    assertEquals(130, human.stop());
    assertEquals(130, raw.stop());
    for (String line : raw.out().toString().lines().toList()) {
      JsonNode e = JSON.readTree(line);
      assertTrue(e.path("type").asText().equals("worker") || e.path("type").asText().equals("app"), line);
      assertEquals("web", e.path("app").asText(), line);
    }

    // the node stops while a stream is open: the call ends with one line, no hang
    Streaming last = cliInBackground("events");
    last.await(s -> s.startsWith("time"), "the events header (connected)");
    assertTrue(nodes.get(0).stop("TERM", Duration.ofSeconds(30)), "node stopped");
    last.thread().join(15_000);
    assertFalse(last.thread().isAlive(), "the stream ended with the node");
    String lost = last.err().toString();
    assertTrue(last.exit().get() == 3 || last.exit().get() == 0, "exit " + last.exit().get() + ": " + lost);
    assertEquals(1, lost.lines().count(), lost);
    assertTrue(lost.startsWith("drover: lost the node at " + url) || lost.startsWith("drover: the node at " + url), lost);
  }

  @Test
  void applyAddsAnAppAndDryRunOnlyDiffs() throws Exception {
    startNode("");
    Path next = dir.resolve("next.conf");
    Files.writeString(next, config("", 2) + "drover.apps.api {\n"
        + "  command = [\"node\", \"" + WORKER + "\", \"--listen\"]\n"
        + "  route.prefix = \"/api\"\n"
        + "  readiness { type = http, path = \"/health\" }\n"
        + "  stop.timeout = 2s\n"
        + "}\n");

    Result dry = cli("apply", next.toString(), "--dry-run");
    assertEquals(0, dry.exit(), dry.toString());
    assertTrue(dry.out().startsWith("dry run: nothing was changed\n"), dry.out());
    assertTrue(dry.out().lines().anyMatch(l -> l.matches("added:\\s+api")), dry.out());
    assertTrue(dry.out().lines().anyMatch(l -> l.matches("unchanged:\\s+web")), dry.out());
    assertTrue(dry.out().lines().anyMatch(l -> l.matches("removed:\\s+-")), dry.out());
    assertEquals(1, apps().size(), "a dry run starts nothing");

    Result apply = cli("apply", next.toString());
    assertEquals(0, apply.exit(), apply.toString());
    assertFalse(apply.out().contains("dry run"), apply.out());
    assertTrue(apply.out().lines().anyMatch(l -> l.matches("added:\\s+api")), apply.out());
    awaitCondition(() -> readyWorkers("api") == 1, "the added app's worker ready");

    Result again = cli("apply", next.toString(), "--json");
    assertEquals(0, again.exit(), again.toString());
    JsonNode diff = JSON.readTree(again.out());
    assertEquals(0, diff.path("added").size(), again.out());
    assertEquals(2, diff.path("unchanged").size(), again.out());

    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, "drover.apps.web {\n  command = []\n  instances = 0\n}\n");
    Result invalid = cli("apply", bad.toString());
    assertEquals(1, invalid.exit(), invalid.toString());
    assertEquals("", invalid.out());
    assertTrue(invalid.err().contains("drover.apps.web.command"), invalid.err());
    assertTrue(invalid.err().contains("drover.apps.web.instances"), invalid.err());
    assertTrue(invalid.err().endsWith("2 errors; nothing was changed\n"), invalid.err());
    assertEquals(2, apps().size(), "an invalid config changes nothing");

    Result missing = cli("apply", dir.resolve("nope.conf").toString());
    assertEquals(2, missing.exit(), missing.toString());
    assertTrue(missing.err().startsWith("cannot read "), missing.err());
  }

  @Test
  void rolloutShowsPromotesAndRollsBackADeployment() throws Exception {
    startNode("");
    Result none = cli("rollout", "status", "web");
    assertEquals(0, none.exit(), none.toString());
    assertEquals("web: no deployment in progress\n", none.out());
    Result nothing = assertOneLine(cli("rollout", "promote", "web"), 1);
    assertTrue(nothing.err().contains("no deployment in progress"), nothing.err());
    assertOneLine(cli("rollout", "status", "nope"), 1);
    Result usage = cli("rollout", "undo", "web");
    assertEquals(2, usage.exit(), usage.toString());
    assertTrue(usage.err().contains("unknown action 'undo': expected status, promote or rollback"), usage.err());

    Path next = dir.resolve("next.conf");
    Files.writeString(next, config(
        "  app-defaults { env.RELEASE = \"2\", update { canary = 1, auto-promote = off, min-healthy-time = 200ms } }\n", 2));
    Result apply = cli("apply", next.toString());
    assertEquals(0, apply.exit(), apply.toString());
    awaitCondition(() -> deployments().path("current").path("state").asText().equals("canary-waiting"), "a canary waiting");
    Result waiting = cli("rollout", "status", "web");
    assertEquals(0, waiting.exit(), waiting.toString());
    assertTrue(waiting.out().lines().anyMatch(l -> l.matches("web@1\\s+canary-waiting\\s+apply\\s+started \\S+\\s+1 canaries healthy.*")), waiting.out());
    assertTrue(waiting.out().lines().anyMatch(l -> l.matches("\\s+web-0\\s+healthy\\s+pid \\d+")), waiting.out());
    assertTrue(waiting.out().lines().anyMatch(l -> l.matches("\\s+web-1\\s+pending")), waiting.out());

    Result promote = cli("rollout", "promote", "web");
    assertEquals(0, promote.exit(), promote.toString());
    assertEquals("web: promoted\n", promote.out());
    awaitCondition(() -> deployments().path("recent").path(0).path("state").asText().equals("succeeded"), "web@1 succeeded");
    Result done = cli("rollout", "status", "web");
    assertTrue(done.out().startsWith("web: no deployment in progress\nrecent:\n"), done.out());
    assertTrue(done.out().lines().anyMatch(l -> l.matches("web@1\\s+succeeded\\s+apply\\s+.*")), done.out());

    Result rollback = cli("rollout", "rollback", "web");
    assertEquals(0, rollback.exit(), rollback.toString());
    assertEquals("web: rolling back\n", rollback.out());
    JsonNode back = deployments().path("current");
    assertEquals("web@2", back.path("id").asText(), back.toString());
    assertEquals("rollback", back.path("cause").asText(), back.toString());
  }

  @Test
  void topShowsEveryWorkersCpuAndTheAppsRequestRate() throws Exception {
    startNode("");
    // traffic through the front until the test ends (bounded: at most 30 s at ~50 req/s)
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    Thread traffic = new Thread(() -> {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      try {
        while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
          http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(front)).timeout(Duration.ofSeconds(5)).build(),
              java.net.http.HttpResponse.BodyHandlers.discarding());
          Thread.sleep(20);
        }
      } catch (IOException | InterruptedException e) {
        // interrupted by tearDown, or the node went away
      }
    }, "front traffic");
    traffic.setDaemon(true);
    threads.add(traffic);
    traffic.start();

    // the node samples its history every 2 s: wait for a sample that saw the traffic
    Result[] last = new Result[1];
    awaitCondition(() -> {
      last[0] = cli("top", "--once");
      return last[0].exit() == 0 && last[0].out().lines()
          .filter(l -> l.matches("web\\s+×2\\s+app:running\\s.*"))
          .anyMatch(l -> l.split("\\s+").length >= 5 && !l.split("\\s+")[3].equals("-") && Double.parseDouble(l.split("\\s+")[3]) > 0);
    }, "a non-zero req/s for web in drover top --once");
    Result top = last[0];
    List<String> lines = top.out().lines().toList();
    assertTrue(lines.get(0).matches("drover top  " + java.util.regex.Pattern.quote(url)
        + "  \\d\\d:\\d\\d:\\d\\d  apps 1  workers 2/2 ready  cpu \\d+\\.\\d%  rss \\d+\\.\\d MiB  \\d+\\.\\d req/s"), top.out());
    assertEquals("", lines.get(1), top.out());
    assertTrue(lines.get(2).matches("app\\s+worker\\s+state\\s+pid\\s+cpu%\\s+rss\\(MiB\\)\\s+req/s\\s+5xx/s\\s+restarts/recycles\\s+uptime"), top.out());
    for (int i = 0; i < 2; i++) {
      long pid = worker("web", i).path("pid").asLong();
      String row = "web\\s+web-" + i + "\\s+ready\\s+" + pid + "\\s+\\d+\\.\\d\\s+\\d+\\.\\d\\s+0/0\\s+(\\d+(ms|s)|\\d+m\\d\\ds)";
      assertTrue(lines.stream().anyMatch(l -> l.matches(row)), "web-" + i + " with its pid, CPU and RSS: " + top.out());
    }
    assertEquals(6, lines.size(), top.out());
    assertEquals("", top.err());

    Result json = cli("top", "web", "--json");
    assertEquals(0, json.exit(), json.toString());
    JsonNode web = JSON.readTree(json.out()).path("apps").path(0);
    assertEquals("web", web.path("name").asText(), json.out());
    assertTrue(web.path("requestsPerSecond").isNumber(), json.out());
    assertEquals(2, web.path("workers").size(), json.out());
    assertTrue(web.path("workers").path(0).path("cpuPercent").isNumber(), json.out());

    Result unknown = assertOneLine(cli("top", "nope", "--once"), 1);
    assertEquals("drover: no such app (app: nope)\n", unknown.err());
    assertEquals(2, cli("top", "--interval", "0s").exit(), "a zero interval is a usage error");
  }

  JsonNode deployments() {
    try {
      Result r = cli("rollout", "status", "web", "--json");
      assertEquals(0, r.exit(), r.toString());
      return JSON.readTree(r.out());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void applyResolvesRelativePathsAgainstTheAppliedFile() throws Exception {
    startNode(""); // its config lives in dir: dir/work does not exist
    Path sub = Files.createDirectories(dir.resolve("other/sub"));
    Path work = Files.createDirectories(sub.resolve("work"));
    Path next = sub.resolve("new.conf");
    Files.writeString(next, config("", 2) + "drover.apps.api {\n"
        + "  command = [\"node\", \"" + WORKER + "\", \"--listen\"]\n"
        + "  cwd = work\n"
        + "  route.prefix = \"/api\"\n"
        + "  readiness { type = http, path = \"/health\" }\n"
        + "  stop.timeout = 2s\n"
        + "}\n");

    Result apply = cli("apply", next.toString());
    assertEquals(0, apply.exit(), apply.toString());
    assertTrue(apply.out().lines().anyMatch(l -> l.matches("added:\\s+api")), apply.out());
    awaitCondition(() -> readyWorkers("api") == 1, "the added app's worker ready");
    long pid = worker("api", 0).path("pid").asLong();
    assertEquals(work.toRealPath(), Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd")).toRealPath(),
        "the worker runs in the applied file's work/, not the running config's");

    Path bad = sub.resolve("bad.conf");
    Files.writeString(bad, "drover.apps.web {\n  command = [\"node\", \"" + WORKER + "\"]\n  cwd = nowhere\n}\n");
    Result invalid = cli("apply", bad.toString());
    assertEquals(1, invalid.exit(), invalid.toString());
    assertTrue(invalid.err().startsWith(bad + ":3: "), "the problem names the file and line: " + invalid.err());
    assertTrue(invalid.err().contains(sub.resolve("nowhere").toString()), "and the directory it resolved: " + invalid.err());
    assertTrue(invalid.err().endsWith("1 error; nothing was changed\n"), invalid.err());
  }

  @Test
  void errorsAreOneLineWithTheirExitStatus() throws Exception {
    startNode("");

    Result unknown = cli("status", "nope");
    assertEquals(1, unknown.exit(), unknown.toString());
    assertEquals("", unknown.out());
    assertEquals("drover: no such app (app: nope)\n", unknown.err());
    assertOneLine(cli("scale", "nope", "2"), 1);
    assertOneLine(cli("stop", "nope"), 1);
    assertOneLine(cli("logs", "nope"), 1);
    Result zero = assertOneLine(cli("scale", "web", "0"), 1);
    assertTrue(zero.err().contains("instances"), zero.err());
    assertOneLine(cli("restart", "web", "--worker", "7"), 1);
    Result rawError = cli("status", "nope", "--json");
    assertEquals(1, rawError.exit());
    assertEquals("no such app", JSON.readTree(rawError.out()).path("error").asText(), "--json prints the error body too");

    Result usage = cli("scale", "web");
    assertEquals(2, usage.exit(), usage.toString());
    assertTrue(usage.err().startsWith("Missing required parameter: 'N'"), usage.err());
    assertEquals(2, cli("scale", "web", "many").exit());
    assertEquals(2, cli("status", "--timeout", "soon").exit());
    assertEquals(2, cliAt("ftp://x", "status").exit());

    Result cluster = cli("cluster");
    assertEquals(0, cluster.exit(), cluster.toString());
    JsonNode clusterJson = JSON.readTree(cli("cluster", "--json").out());
    if (!clusterJson.path("clustered").asBoolean()) {
      assertTrue(cluster.out().startsWith("not clustered"), cluster.out());
    }
    for (JsonNode m : clusterJson.path("members")) {
      String address = m.isObject() ? m.path("address").asText() : m.asText();
      assertTrue(cluster.out().contains(address), cluster.out());
    }

    Result help = cli("logs", "--help");
    assertEquals(0, help.exit());
    assertTrue(help.out().contains("Exit status:") && help.out().contains("4  unauthorized"), help.out());
  }

  @Test
  void aWrongTokenIsExit4() throws Exception {
    startNode("  management.token = \"" + TOKEN + "\"\n");

    Result wrong = cli("status", "--token", "not-the-token-at-all");
    assertEquals(4, wrong.exit(), wrong.toString());
    assertEquals("", wrong.out());
    assertTrue(wrong.err().startsWith("drover: missing or wrong bearer token"), wrong.err());
    assertEquals(1, wrong.err().lines().count(), wrong.err());
    if (System.getenv("DROVER_TOKEN") == null) {
      assertEquals(4, cli("scale", "web", "3").exit(), "no token at all");
    }
    Result right = cli("status", "--json", "--token", TOKEN);
    assertEquals(0, right.exit(), right.toString());
    assertEquals("web", JSON.readTree(right.out()).path("apps").get(0).path("name").asText());
  }

  @Test
  void everyHelpTextFormatsCleanly() {
    // picocli formats descriptions with String.format: a lone % makes it warn on stderr and print the raw text
    java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
    java.io.PrintStream err = System.err;
    System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      List<CommandLine> all = new ArrayList<>(List.of(Main.commandLine()));
      for (int i = 0; i < all.size(); i++) {
        all.get(i).getUsageMessage();
        all.addAll(all.get(i).getSubcommands().values());
      }
      assertTrue(all.size() > 10, "every command was rendered: " + all.size());
    } finally {
      System.setErr(err);
    }
    assertEquals("", warnings.toString(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void theQuickCommandLineOfAnApiVerbIsMainsOwn() {
    java.util.Map<String, CommandLine> whole = Main.commandLine().getSubcommands();
    java.util.Map<String, Class<?>> quick = io.drover.node.cli.ClientVerbs.classes();
    for (java.util.Map.Entry<String, CommandLine> sub : whole.entrySet()) {
      Class<?> c = sub.getValue().getCommand().getClass();
      if (c.getPackageName().equals("io.drover.node.cli")) {
        assertEquals(c, quick.get(sub.getKey()), "drover " + sub.getKey() + " starts quickly");
        CommandLine alone = io.drover.node.cli.ClientVerbs.commandLine(sub.getKey());
        assertEquals(sub.getValue().getUsageMessage(), alone.getUsageMessage(), "the same help");
      }
    }
    assertEquals(quick.keySet(), whole.keySet().stream().filter(quick::containsKey).collect(java.util.stream.Collectors.toSet()),
        "every quick verb is one of Main's");
    assertEquals(null, io.drover.node.cli.ClientVerbs.commandLine("run"));
  }

  @Test
  void anUnreachableNodeIsExit3() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Result refused = cliAt("http://127.0.0.1:" + port, "status");
    assertEquals(3, refused.exit(), refused.toString());
    assertEquals("", refused.out());
    assertEquals("drover: cannot reach the node at http://127.0.0.1:" + port
        + ": connection refused (is it running? --url)\n", refused.err());

    // a node that accepts the connection but never answers: bounded by --timeout
    try (ServerSocket silent = new ServerSocket(0)) {
      List<Socket> accepted = new ArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept());
          }
        } catch (IOException e) {
          // closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      long t0 = System.nanoTime();
      Result silentNode = cliAt("http://127.0.0.1:" + silent.getLocalPort(), "status", "--timeout", "1s");
      assertEquals(3, silentNode.exit(), silentNode.toString());
      assertTrue(silentNode.err().startsWith("drover: no answer from the node at "), silentNode.err());
      assertEquals(1, silentNode.err().lines().count(), silentNode.err());
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "bounded");
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  record Result(int exit, String out, String err) {}

  Result assertOneLine(Result r, int exit) {
    assertEquals(exit, r.exit(), r.toString());
    assertEquals("", r.out(), r.toString());
    assertEquals(1, r.err().lines().count(), r.toString());
    assertTrue(r.err().startsWith("drover: "), r.toString());
    return r;
  }

  /** The CLI against the test's node: {@code verb --url URL args...}. */
  Result cli(String verb, String... args) {
    return cliAt(url, verb, args);
  }

  /** As ./drover runs it: an API verb through ClientVerbs (its plain forms without picocli), else the whole tree. */
  static Result cliAt(String url, String verb, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] argv = argv(url, verb, args);
    int exit = io.drover.node.cli.ClientVerbs.isVerb(verb)
        ? io.drover.node.cli.ClientVerbs.execute(argv, new PrintWriter(out, true), new PrintWriter(err, true))
        : commandLine(out, err).execute(argv);
    String e = err.toString();
    assertFalse(e.contains("Exception") || e.contains("\tat "), "no stack trace: " + e);
    return new Result(exit, out.toString(), e);
  }

  static CommandLine commandLine(StringWriter out, StringWriter err) {
    return Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
  }

  static String[] argv(String url, String verb, String... args) {
    List<String> argv = new ArrayList<>(List.of(verb, "--url", url));
    argv.addAll(List.of(args));
    return argv.toArray(String[]::new);
  }

  /** A streaming CLI call (logs -f, events) on a thread of its own, ended by an interrupt. */
  record Streaming(Thread thread, StringWriter out, StringWriter err, AtomicInteger exit) {
    void await(java.util.function.Predicate<String> cond, String what) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        if (cond.test(out.toString())) {
          return;
        }
        Thread.sleep(50);
      }
      throw new AssertionError("timed out waiting for " + what + "; out:\n" + out + "\nerr:\n" + err);
    }

    int stop() throws InterruptedException {
      thread.interrupt();
      thread.join(10_000);
      assertFalse(thread.isAlive(), "ended by the interrupt");
      assertFalse(err.toString().contains("Exception"), err.toString());
      return exit.get();
    }
  }

  Streaming cliInBackground(String verb, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger exit = new AtomicInteger(-1);
    String[] argv = argv(url, verb, args);
    Thread t = new Thread(() -> exit.set(commandLine(out, err).execute(argv)), "cli " + String.join(" ", argv));
    t.setDaemon(true);
    threads.add(t);
    t.start();
    return new Streaming(t, out, err, exit);
  }

  List<JsonNode> apps() throws Exception {
    Result r = cli("status", "--json");
    assertEquals(0, r.exit(), r.toString());
    List<JsonNode> apps = new ArrayList<>();
    JSON.readTree(r.out()).path("apps").forEach(apps::add);
    return apps;
  }

  JsonNode app(String name) {
    try {
      Result r = cli("status", name, "--json");
      assertEquals(0, r.exit(), r.toString());
      return JSON.readTree(r.out());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  JsonNode worker(String app, int instance) {
    for (JsonNode w : app(app).path("workers")) {
      if (w.path("instance").asInt() == instance) {
        return w;
      }
    }
    throw new AssertionError("no worker " + instance + " of " + app);
  }

  int readyWorkers(String name) {
    try {
      for (JsonNode a : apps()) {
        if (a.path("name").asText().equals(name)) {
          int ready = 0;
          for (JsonNode w : a.path("workers")) {
            ready += w.path("state").asText().equals("ready") ? 1 : 0;
          }
          return ready;
        }
      }
      return 0;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void awaitCondition(BooleanSupplier cond, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (cond.getAsBoolean()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  String config(String extra, int instances) {
    return "drover {\n"
        + "  home = \"" + dir.resolve("home") + "\"\n"
        + "  http.port = 0\n"
        + "  management.port = 0\n"
        + extra
        + "  apps.web {\n"
        + "    command = [\"node\", \"" + WORKER + "\", \"--listen\"]\n"
        + "    instances = " + instances + "\n"
        + "    route.prefix = \"/\"\n"
        + "    readiness { type = http, path = \"/health\" }\n"
        + "    stop.timeout = 2s\n"
        + "  }\n"
        + "}\n";
  }

  /** Starts a node JVM with two ready web workers; sets {@link #url} to its management API. */
  void startNode(String extra) throws Exception {
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, config(extra, 2));
    ProcessBuilder pb = NodeJvm.command(List.of(), "run", conf.toString());
    pb.environment().remove("DROVER_TOKEN");
    NodeJvm node = NodeJvm.start(pb, marker);
    nodes.add(node);
    String api = node.awaitLine("management API on http://", Duration.ofSeconds(30));
    url = api.replaceAll(".*management API on (http://[^/\\s]+)/.*", "$1");
    front = node.awaitGroup(DashboardBrowserTest.FRONT, Duration.ofSeconds(30));
    node.awaitLine("web-0          ready", Duration.ofSeconds(30));
    node.awaitLine("web-1          ready", Duration.ofSeconds(30));
  }
}
