package io.drover.node;

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

/**
 * Three node JVMs with no seed nodes find each other through Pekko Management cluster bootstrap
 * (config discovery of each other's management endpoints) and form one cluster.
 */
class ClusterBootstrapTest {
  final List<NodeJvm> nodes = new ArrayList<>();
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
    List<String> contactPoints = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      cluster[i] = Ports.freeLoopbackPort();
      management[i] = Ports.freeLoopbackPort();
      api[i] = Ports.freeLoopbackPort();
      contactPoints.add("\"127.0.0.1:" + management[i] + "\"");
    }
    for (int i = 0; i < n; i++) {
      Path conf = dir.resolve("n" + i + ".conf");
      Files.writeString(conf,
          "drover {\n home = \"" + dir.resolve("home" + i) + "\"\n http.port = 0\n management.port = " + api[i] + "\n"
              + " cluster {\n   enabled = on\n   port = " + cluster[i] + "\n"
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
  }
}
