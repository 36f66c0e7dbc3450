package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.process.Ports;
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
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three node JVMs with no seed nodes find each other through Pekko Management cluster bootstrap
 * (config discovery of each other's management endpoints) and form one cluster. On it, an app
 * placed on the nodes with a role runs there only, and a front on the node without the role
 * serves it across nodes — except a body larger than max-body, which cannot travel as a message.
 */
class ClusterBootstrapTest {
  final List<NodeJvm> nodes = new ArrayList<>();
  @RegisterExtension final NodeLogsOnFailure logs = new NodeLogsOnFailure(nodes);
  final ClusterMembershipTest probe = new ClusterMembershipTest();
  Path dir;
  String marker;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-bootstrap-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    NodeJvm.cleanUp(nodes, marker, dir);
  }

  @Test
  void nodesWithoutSeedsFindEachOtherAndFormOneCluster() throws Exception {
    int n = 3;
    int[] cluster = new int[n];
    int[] management = new int[n];
    int[] api = new int[n];
    int[] http = new int[n];
    List<String> contactPoints = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      cluster[i] = Ports.freeLoopbackPort();
      management[i] = Ports.freeLoopbackPort();
      api[i] = Ports.freeLoopbackPort();
      http[i] = Ports.freeLoopbackPort();
      contactPoints.add("\"127.0.0.1:" + management[i] + "\"");
    }
    for (int i = 0; i < n; i++) {
      Path conf = dir.resolve("n" + i + ".conf");
      Files.writeString(conf,
          "drover {\n home = \"" + dir.resolve("home" + i) + "\"\n http.port = " + http[i] + "\n management.port = " + api[i] + "\n"
              + " apps.big {\n   command = [\"node\", \"" + ClusterPlacementTest.WORKER + "\", \"--listen\"]\n   instances = 2\n"
              + "   placement = cluster\n   placement-role = workers\n   max-body = 1K\n   route.prefix = \"/\"\n"
              + "   readiness { type = http, path = \"/health\" }\n }\n"
              + " cluster {\n   enabled = on\n   port = " + cluster[i] + "\n   roles = " + (i < 2 ? "[workers]" : "[]") + "\n"
              + "   bootstrap { enabled = on, discovery = config, required-contact-points = " + n
              + ", management-port = " + management[i] + ", contact-points = " + contactPoints + " }\n }\n}\n");
      nodes.add(NodeJvm.start(marker, List.of("-Xmx128m"), "run", conf.toString()));
    }
    long formed = probe.awaitMembers(api, n, Duration.ofSeconds(90));
    System.out.println("3 nodes without seed nodes formed one cluster after " + formed + " ms");
    String view = probe.cluster(api[2]).toString();
    for (int port : cluster) {
      assertTrue(view.contains("pekko://drover@127.0.0.1:" + port), view);
    }

    // placement-role: the 2 slots run on the 2 nodes with the role, one each
    ClusterPlacementTest placement = new ClusterPlacementTest();
    String withRole0 = "pekko://drover@127.0.0.1:" + cluster[0];
    String withRole1 = "pekko://drover@127.0.0.1:" + cluster[1];
    long t0 = System.nanoTime();
    java.util.Map<String, Integer> byNode = null;
    while (System.nanoTime() - t0 < Duration.ofSeconds(60).toNanos()) {
      byNode = readyByNode(placement, api[2]);
      if (byNode != null && byNode.equals(java.util.Map.of(withRole0, 1, withRole1, 1))) {
        break;
      }
      Thread.sleep(200);
    }
    assertEquals(java.util.Map.of(withRole0, 1, withRole1, 1), byNode, "slots on the nodes with the role only");

    // the node without the role serves the app across nodes; a body over max-body cannot go
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    java.util.TreeSet<String> seen = new java.util.TreeSet<>();
    for (int k = 0; k < 400 && seen.size() < 2; k++) {
      java.net.http.HttpResponse<String> r = client.send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + http[2] + "/")).timeout(Duration.ofSeconds(10)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        seen.add(r.body().trim());
      }
      Thread.sleep(25);
    }
    assertEquals(java.util.Set.of("hello from big-0", "hello from big-1"), seen, "node 2's front reached both slots");
    String twoKiB = "x".repeat(2048);
    java.net.http.HttpResponse<String> far = client.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + http[2] + "/upload"))
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(twoKiB)).timeout(Duration.ofSeconds(10)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(413, far.statusCode(), far.body());
    assertTrue(far.body().contains("max-body"), far.body());
    java.net.http.HttpResponse<String> near = client.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + http[0] + "/upload"))
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(twoKiB)).timeout(Duration.ofSeconds(10)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, near.statusCode(), "node 0's front streams it to its own slot: " + near.body());
  }

  /** Ready slots of app big by node, as node {@code apiPort} sees them. */
  static java.util.Map<String, Integer> readyByNode(ClusterPlacementTest placement, int apiPort) {
    com.fasterxml.jackson.databind.JsonNode app = placement.get(apiPort, "/apps/big");
    if (app == null) {
      return null;
    }
    java.util.Map<String, Integer> byNode = new java.util.TreeMap<>();
    for (com.fasterxml.jackson.databind.JsonNode w : app.get("workers")) {
      if (w.get("state").asText().equals("ready") && w.has("node")) {
        byNode.merge(w.get("node").asText(), 1, Integer::sum);
      }
    }
    return byNode;
  }
}
