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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An app whose worker count follows the requests in flight at the node's front. */
class AutoscaleTest {
  static final Path WEB = Path.of("../http-frontend/src/test/resources/workers/web.js").toAbsolutePath().normalize();

  Path dir;
  String marker;
  final List<NodeJvm> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-autoscale-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
  }

  @Test
  void requestsInFlightScaleTheAppUpToItsMaxAndIdleScalesItBackToItsMin() throws Exception {
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, "drover {\n  home = \"" + dir.resolve("home") + "\"\n  http.port = 0\n  management.port = 0\n"
        + "  apps.web {\n    command = [\"node\", \"" + WEB + "\"]\n    instances = 1\n    route.prefix = \"/\"\n"
        + "    readiness { type = http, path = \"/health\" }\n"
        + "    autoscale { min = 1, max = 3, target = 1, scale-down-window = 2s, interval = 250ms }\n  }\n}\n");
    NodeJvm node = NodeJvm.start(marker, List.of(), "run", conf.toString());
    nodes.add(node);
    int port = Integer.parseInt(node.awaitGroup(Pattern.compile("front listening on http://127\\.0\\.0\\.1:(\\d+)/"), Duration.ofSeconds(60)));
    node.awaitLine("1 worker ready", Duration.ofSeconds(60));

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
    for (int i = 0; i < 3; i++) { // three at once: in flight for 8 s, one per worker at target 1
      slow.add(client.sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow?ms=8000")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    String up = node.awaitLine("to 3 workers: autoscale: ", Duration.ofSeconds(20));
    assertTrue(up.contains("requests in flight or queued, target 1 per worker"), up);
    node.awaitLine("3 workers ready", Duration.ofSeconds(30));
    for (CompletableFuture<HttpResponse<String>> r : slow) {
      assertEquals(200, r.get(30, TimeUnit.SECONDS).statusCode());
    }
    // idle for the 2 s scale-down window: back to min, drained
    String down = node.awaitLine("from 3 to 1 workers: autoscale: 0 requests", Duration.ofSeconds(30));
    assertTrue(down.contains("scaled"), down);
    assertTrue(node.stop("TERM", Duration.ofSeconds(30)), "the node did not stop");
    assertEquals(0, node.process().exitValue(), node.all());
  }
}
