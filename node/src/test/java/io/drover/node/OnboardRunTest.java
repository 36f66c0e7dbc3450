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
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A PM2 user's first minutes, end to end in real node JVMs with real Node workers: {@code drover
 * run -i 2 -- node server.js} with no file, and a PM2 ecosystem file imported, then run.
 */
class OnboardRunTest {
  static final Path APP = Path.of("src/test/resources/pm2/app").toAbsolutePath().normalize();
  static final Pattern FRONT = Pattern.compile("front listening on http://127\\.0\\.0\\.1:(\\d+)/");

  Path dir;
  String marker;
  final List<NodeJvm> nodes = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-onboard-run");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
  }

  @Test
  void runWithACommandAndNoFileServesThroughTheFront() throws Exception {
    ProcessBuilder pb = NodeJvm.command(List.of(), "run", "-i", "2", "--port", "0", "--api-port", "0", "--", "node", "server.js")
        .directory(APP.toFile());
    pb.environment().put("DROVER_HOME", dir.resolve("home").toString());
    NodeJvm node = start(pb);
    int port = Integer.parseInt(node.awaitGroup(FRONT, Duration.ofSeconds(60)));
    node.awaitLine("server         app:running                 2 workers ready", Duration.ofSeconds(60));
    Set<String> answers = answers(port, 4, "hello from server-");
    assertEquals(Set.of("hello from server-0 (no NODE_ENV, no GREETING)", "hello from server-1 (no NODE_ENV, no GREETING)"), answers,
        "named after the script, two workers in turn");
    assertTrue(node.stop("TERM", Duration.ofSeconds(30)), "stopped by SIGTERM");
    assertEquals(0, node.process().exitValue(), node.all());
  }

  @Test
  void aCommandLineErrorNamesTheKeyAndStartsNothing() throws Exception {
    NodeJvm node = start(NodeJvm.command(List.of(), "run", "--name", "Web", "--api-port", "0", "--", "node", "server.js"));
    assertTrue(node.process().waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, node.process().exitValue(), node.all());
    assertTrue(node.all().contains("drover.apps.Web: found the app name \"Web\", expected a name matching"), node.all());
    assertTrue(node.all().contains("1 error; nothing was started"), node.all());
  }

  @Test
  void anImportedEcosystemFileRuns() throws Exception {
    Path conf = dir.resolve("drover.conf");
    NodeJvm importer = start(NodeJvm.command(List.of(), "import", APP.resolve("ecosystem.config.js").toString(),
        "--env", "production", "-o", conf.toString()));
    assertTrue(importer.process().waitFor(60, TimeUnit.SECONDS), "import ended");
    assertEquals(0, importer.process().exitValue(), importer.all());
    assertTrue(importer.all().contains("hello: wait_ready: a worker is ready once its PORT accepts connections"), importer.all());
    // the converted file as written, with this test's ports and home after it (later keys win)
    Files.writeString(conf, Files.readString(conf) + "drover { http.port = 0, management.port = 0, home = \""
        + dir.resolve("home") + "\" }\n");

    NodeJvm node = start(NodeJvm.command(List.of(), "run", conf.toString()));
    int port = Integer.parseInt(node.awaitGroup(FRONT, Duration.ofSeconds(60)));
    node.awaitLine("hello          app:running                 2 workers ready", Duration.ofSeconds(60));
    assertEquals(Set.of("hello from hello-0 (production, hi)", "hello from hello-1 (production, hi)"),
        answers(port, 4, "hello from hello-"), "env_production picked by --env; both instances behind the front");
    assertTrue(node.stop("TERM", Duration.ofSeconds(30)), "stopped by SIGTERM");
    assertTrue(node.all().contains("hello-0        stopped"), node.all());
  }

  private NodeJvm start(ProcessBuilder pb) throws IOException {
    pb.environment().remove("DROVER_TOKEN");
    NodeJvm node = NodeJvm.start(pb, marker);
    nodes.add(node);
    return node;
  }

  /** The distinct bodies of {@code n} GETs of / through the front (each must start with {@code prefix}). */
  private Set<String> answers(int port, int n, String prefix) throws Exception {
    Set<String> seen = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/any/path"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.body().startsWith(prefix), r.body());
      seen.add(r.body().strip());
    }
    return seen;
  }
}
