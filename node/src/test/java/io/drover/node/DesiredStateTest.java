package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The desired state across node restarts, with real node JVMs: what was applied, scaled or
 * reverted through the API is what runs after a TERM or a kill -9 and a new start from the same,
 * unchanged config file; an edited file wins.
 */
class DesiredStateTest {
  static final Path WORKER = Path.of("../supervisor/src/test/resources/workers/worker.js").toAbsolutePath().normalize();
  static final Pattern API = Pattern.compile("management API on (http://[0-9.:]+/)");
  static final Duration UP = Duration.ofSeconds(60);

  final HttpClient http = HttpClient.newHttpClient();
  final List<NodeJvm> nodes = new ArrayList<>();
  Path dir;
  Path conf;
  String marker;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-desired-test");
    conf = dir.resolve("node.conf");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
  }

  /** A config whose app's workers carry TAG=tag-marker in their environment. */
  String config(String tag, String extra) {
    return "drover {\n"
        + "  home = \"" + dir.resolve("home") + "\"\n"
        + "  http.port = 0\n"
        + "  management.port = 0\n"
        + "  apps.web {\n"
        + "    command = [\"node\", \"" + WORKER + "\", \"--listen\"" + extra + "]\n"
        + "    instances = 2\n"
        + "    env.TAG = \"" + tag + "-" + marker + "\"\n"
        + "    readiness { type = http, path = \"/health\" }\n"
        + "    stop.timeout = 2s\n"
        + "    update.min-healthy-time = 3s\n"
        + "  }\n"
        + "}\n";
  }

  NodeJvm start() throws IOException {
    NodeJvm node = NodeJvm.start(marker, List.of(), "run", conf.toString());
    nodes.add(node);
    return node;
  }

  String api(NodeJvm node) throws InterruptedException {
    return node.awaitGroup(API, UP);
  }

  HttpResponse<String> post(String uri, String body) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The worker processes running the settings tagged {@code tag}. */
  int running(String tag) {
    return io.drover.supervisor.process.ProcFs.withEnvironment("TAG", tag + "-" + marker).size();
  }

  /** Waits until exactly {@code n} workers run {@code tag} and none runs {@code not}. */
  void awaitRunning(String tag, int n, String not) throws InterruptedException {
    NodeProcessTest.waitFor(() -> running(tag) == n && running(not) == 0, UP,
        n + " workers of " + tag + " and none of " + not + " (now " + running(tag) + " and " + running(not) + ")");
  }

  @Test
  void appliedAndScaledSettingsSurviveTermAndKillAndAnEditedFileWins() throws Exception {
    Files.writeString(conf, config("v1", ""));
    NodeJvm first = start();
    String api = api(first);
    awaitRunning("v1", 2, "v2");

    HttpResponse<String> applied = post(api + "config", config("v2", ""));
    assertEquals(200, applied.statusCode(), applied.body());
    first.awaitLine("web@1 succeeded", UP);
    HttpResponse<String> scaled = post(api + "apps/web/scale", "{\"instances\": 3}");
    assertEquals(200, scaled.statusCode(), scaled.body());
    awaitRunning("v2", 3, "v1");

    assertTrue(first.stop("TERM", Duration.ofSeconds(30)), "the node stops on TERM");
    NodeJvm second = start();
    second.awaitLine("restored the desired state", UP);
    awaitRunning("v2", 3, "v1");

    assertTrue(second.stop("KILL", Duration.ofSeconds(10)), "the node dies on KILL");
    NodeJvm third = start();
    third.awaitLine("restored the desired state", UP);
    awaitRunning("v2", 3, "v1");
    // the deployment's record came along: the next one is web@2
    HttpResponse<String> again = post(api(third) + "config", config("v3", ""));
    assertEquals(200, again.statusCode(), again.body());
    third.awaitLine("web@2 succeeded", UP);
    awaitRunning("v3", 2, "v2");

    assertTrue(third.stop("TERM", Duration.ofSeconds(30)));
    Files.writeString(conf, config("v4", "")); // edited since: the file is the newer word
    NodeJvm fourth = start();
    fourth.awaitLine("changed since the desired state was saved", UP);
    awaitRunning("v4", 2, "v3");
    assertTrue(fourth.stop("TERM", Duration.ofSeconds(30)));
    assertEquals(0, fourth.process().exitValue());
  }

  @Test
  void aRevertedDeploymentStaysRevertedAfterARestart() throws Exception {
    Files.writeString(conf, config("v1", ""));
    NodeJvm first = start();
    String api = api(first);
    awaitRunning("v1", 2, "v2");

    // the release's workers exit 1.5 s after they start, within min-healthy-time: reverted
    HttpResponse<String> applied = post(api + "config", config("v2", ", \"--exit-after\", \"1500\""));
    assertEquals(200, applied.statusCode(), applied.body());
    first.awaitLine("web@1 reverted", UP);
    awaitRunning("v1", 2, "v2");

    assertTrue(first.stop("TERM", Duration.ofSeconds(30)));
    NodeJvm second = start();
    second.awaitLine("restored the desired state", UP);
    awaitRunning("v1", 2, "v2");
    HttpResponse<String> history = http.send(HttpRequest.newBuilder(URI.create(api(second) + "apps/web/deployments")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertTrue(history.body().contains("\"web@1\"") && history.body().contains("reverted"), history.body());

    assertTrue(second.stop("KILL", Duration.ofSeconds(10)));
    NodeJvm third = start();
    third.awaitLine("restored the desired state", UP);
    awaitRunning("v1", 2, "v2");
    assertTrue(!third.all().contains("web@2"), "no deployment after the restart:\n" + third.all());
  }

  @Test
  void aDeploymentCutShortByAKillStartsOnTheHealthySettingsAndDeploysAgain() throws Exception {
    Files.writeString(conf, config("v1", ""));
    NodeJvm first = start();
    String api = api(first);
    awaitRunning("v1", 2, "v2");

    // a slow release: its first new worker waits out 10 min of min-healthy-time beside the old ones
    HttpResponse<String> applied = post(api + "config", config("v2", "").replace("min-healthy-time = 3s", "min-healthy-time = 10m, update.healthy-deadline = 20m"));
    assertEquals(200, applied.statusCode(), applied.body());
    first.awaitLine("web@1 started", UP);
    NodeProcessTest.waitFor(() -> running("v2") == 1, UP, "the release's first new worker");

    assertTrue(first.stop("KILL", Duration.ofSeconds(10)));
    NodeJvm second = start();
    second.awaitLine("start on their last healthy settings and deploy the applied ones again", UP);
    second.awaitLine("web@2 started", UP); // numbered after the one the kill cut short
    NodeProcessTest.waitFor(() -> running("v1") == 2 && running("v2") == 1, UP,
        "2 workers on the healthy settings beside the redeployed release's first (now " + running("v1") + " and " + running("v2") + ")");
  }
}
