package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.supervisor.process.Ports;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Three node JVMs form a Pekko cluster; a crashed node is downed and removed by the others. */
class ClusterMembershipTest {
  static final ObjectMapper json = new ObjectMapper();
  final HttpClient client = HttpClient.newHttpClient();
  final List<NodeJvm> nodes = new ArrayList<>();
  @RegisterExtension final NodeLogsOnFailure logs = new NodeLogsOnFailure(nodes);
  Path dir;
  String marker;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-cluster-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    NodeJvm.cleanUp(nodes, marker, dir);
  }

  NodeJvm start(int i, int clusterPort, int seedPort, int apiPort) throws IOException {
    Path conf = dir.resolve("n" + i + ".conf");
    Files.writeString(conf,
        "drover {\n home = \"" + dir.resolve("home" + i) + "\"\n http.port = 0\n management.port = " + apiPort + "\n"
            + " cluster { enabled = on, port = " + clusterPort + ", seed-nodes = [\"127.0.0.1:" + seedPort + "\"], roles = [\"r" + i + "\"] }\n"
            + "}\n");
    NodeJvm node = NodeJvm.start(marker, List.of("-Xmx128m"), "run", conf.toString());
    nodes.add(node);
    return node;
  }

  JsonNode cluster(int apiPort) {
    try {
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/cluster")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? json.readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  long upMembers(int apiPort) {
    JsonNode c = cluster(apiPort);
    if (c == null) {
      return -1;
    }
    long up = 0;
    for (JsonNode m : c.get("members")) {
      if (m.get("status").asText().equals("up")) {
        up++;
      }
    }
    return up;
  }

  /** Milliseconds until every node in {@code apis} sees {@code n} members up. */
  long awaitMembers(int[] apis, int n, Duration within) throws InterruptedException {
    long t0 = System.nanoTime();
    long deadline = t0 + within.toNanos();
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (int api : apis) {
        all &= upMembers(api) == n;
      }
      if (all) {
        return (System.nanoTime() - t0) / 1_000_000;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("not every node saw " + n + " members within " + within);
  }

  JsonNode apps(int apiPort) {
    try {
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/apps")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? json.readTree(r.body()).get("apps") : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** Waits until the node runs app {@code name} with a ready worker; returns the time taken. */
  long awaitApp(int apiPort, String name, Duration within) throws InterruptedException {
    long t0 = System.nanoTime();
    while (System.nanoTime() - t0 < within.toNanos()) {
      JsonNode apps = apps(apiPort);
      if (apps != null) {
        for (JsonNode a : apps) {
          if (a.get("name").asText().equals(name) && a.get("workers").toString().contains("\"state\":\"ready\"")) {
            return (System.nanoTime() - t0) / 1_000_000;
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("node " + apiPort + " does not run " + name + " within " + within + ": " + apps(apiPort));
  }

  @Test
  void aConfigAppliedOnOneNodeReachesEveryNodeAndARestartedNodeConverges() throws Exception {
    int[] cluster = {Ports.freeLoopbackPort(), Ports.freeLoopbackPort(), Ports.freeLoopbackPort()};
    int[] api = {Ports.freeLoopbackPort(), Ports.freeLoopbackPort(), Ports.freeLoopbackPort()};
    NodeJvm[] p = new NodeJvm[3];
    for (int i = 0; i < 3; i++) {
      p[i] = start(i, cluster[i], cluster[0], api[i]);
    }
    awaitMembers(api, 3, Duration.ofSeconds(90));
    Path worker = Path.of("../supervisor/src/test/resources/workers/worker.js").toAbsolutePath().normalize();
    String conf = "drover.apps.extra { command = [\"node\", \"" + worker + "\", \"--listen\"], readiness { type = http, path = \"/health\" } }";
    HttpResponse<String> applied = client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api[0] + "/config")).POST(HttpRequest.BodyPublishers.ofString(conf)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, applied.statusCode(), applied.body());
    assertTrue(applied.body().contains("\"added\":[\"extra\"]"), applied.body());
    long reached = awaitApp(api[2], "extra", Duration.ofSeconds(30));
    awaitApp(api[1], "extra", Duration.ofSeconds(30));
    System.out.println("an apply on node 0 ran on node 2 after " + reached + " ms");

    // node 1 crashes and comes back from its file, which has no apps: it takes the cluster's config
    p[1].stop("KILL", Duration.ofSeconds(10));
    p[1] = start(1, cluster[1], cluster[0], api[1]);
    long converged = awaitApp(api[1], "extra", Duration.ofSeconds(60));
    System.out.println("a restarted node ran the cluster's config after " + converged + " ms");
  }

  @Test
  void threeNodesFormAClusterAndACrashedNodeIsRemoved() throws Exception {
    int[] cluster = {Ports.freeLoopbackPort(), Ports.freeLoopbackPort(), Ports.freeLoopbackPort()};
    int[] api = {Ports.freeLoopbackPort(), Ports.freeLoopbackPort(), Ports.freeLoopbackPort()};
    NodeJvm[] p = new NodeJvm[3];
    for (int i = 0; i < 3; i++) {
      p[i] = start(i, cluster[i], cluster[0], api[i]);
    }
    awaitMembers(api, 3, Duration.ofSeconds(90));
    JsonNode view = cluster(api[1]);
    assertTrue(view.get("clustered").asBoolean());
    assertEquals("pekko://drover@127.0.0.1:" + cluster[1], view.get("self").asText());
    assertTrue(view.toString().contains("\"roles\":[\"r2\"]"), view.toString());

    p[2].signal("KILL");
    long removedMs = awaitMembers(new int[] {api[0], api[1]}, 2, Duration.ofSeconds(60));
    System.out.println("crashed node removed from the cluster after " + removedMs + " ms");
    assertTrue(removedMs < 30_000, "removal took " + removedMs + " ms");
  }
}
