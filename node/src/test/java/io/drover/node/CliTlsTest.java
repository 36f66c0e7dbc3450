package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * The CLI against a real node whose management API speaks HTTPS with a self-signed certificate
 * made by openssl: trusted through --cacert, refused with a clear line (exit 3) without it.
 */
class CliTlsTest {
  static final String TOKEN = "0123456789abcdef0123";
  static final ObjectMapper JSON = new ObjectMapper();

  Path dir;
  String marker;
  final List<NodeJvm> nodes = new ArrayList<>();
  String url;
  Path cert;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("drover-cli-tls-test");
    marker = UUID.randomUUID().toString();
    cert = SelfSigned.make(dir, "api", "drover-api", "DNS:localhost").cert();
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, "drover {\n"
        + "  home = \"" + dir.resolve("home") + "\"\n"
        + "  http.port = 0\n"
        + "  management { port = 0, token = \"" + TOKEN + "\", tls { enabled = on, cert = \"api.pem\", key = \"api.key\" } }\n"
        + "  apps.web {\n"
        + "    command = [\"node\", \"" + CliTest.WORKER + "\", \"--listen\"]\n"
        + "    route.prefix = \"/\"\n"
        + "    readiness { type = http, path = \"/health\" }\n"
        + "    stop.timeout = 2s\n"
        + "  }\n"
        + "}\n");
    ProcessBuilder pb = NodeJvm.command(List.of(), "run", conf.toString());
    pb.environment().remove("DROVER_TOKEN");
    pb.environment().remove("DROVER_CACERT");
    NodeJvm node = NodeJvm.start(pb, marker);
    nodes.add(node);
    String api = node.awaitLine("management API on https://", Duration.ofSeconds(30));
    // the certificate names localhost only: 127.0.0.1 is the same node under a name it does not carry
    url = api.replaceAll(".*management API on (https://[^/\\s]+)/.*", "$1").replace("127.0.0.1", "localhost");
    node.awaitLine("web-0          ready", Duration.ofSeconds(30));
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
  }

  @Test
  void statusOverHttpsWithTheCertificateGiven() throws Exception {
    CliTest.Result r = CliTest.cliAt(url, "status", "--json", "--token", TOKEN, "--cacert", cert.toString());
    assertEquals(0, r.exit(), r.toString());
    JsonNode web = JSON.readTree(r.out()).path("apps").get(0);
    assertEquals("web", web.path("name").asText(), r.out());

    CliTest.Result table = CliTest.cliAt(url, "status", "--token", TOKEN, "--cacert", cert.toString());
    assertEquals(0, table.exit(), table.toString());
    assertTrue(table.out().contains("web"), table.out());
  }

  @Test
  void anUntrustedCertificateIsOneLineAndExit3() {
    if (System.getenv("DROVER_CACERT") != null) {
      return; // the environment would trust it
    }
    CliTest.Result r = CliTest.cliAt(url, "status", "--token", TOKEN);
    assertEquals(3, r.exit(), r.toString());
    assertEquals("", r.out());
    assertEquals("drover: cannot reach the node at " + url + ": the node's certificate is not trusted"
        + " (give --cacert FILE with its certificate or its CA, or set DROVER_CACERT)\n", r.err());
  }

  @Test
  void aHostTheCertificateDoesNotNameIsRefused() {
    String other = url.replace("localhost", "127.0.0.1");
    CliTest.Result r = CliTest.cliAt(other, "status", "--token", TOKEN, "--cacert", cert.toString());
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("the node's certificate is not for 127.0.0.1"), r.err());
  }

  @Test
  void cacertProblemsAreUsageErrors() throws Exception {
    CliTest.Result missing = CliTest.cliAt(url, "status", "--cacert", dir.resolve("nope.pem").toString());
    assertEquals(2, missing.exit(), missing.toString());
    assertTrue(missing.err().contains("--cacert: " + dir.resolve("nope.pem") + ": no such file"), missing.err());

    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    CliTest.Result bad = CliTest.cliAt(url, "status", "--cacert", garbage.toString());
    assertEquals(2, bad.exit(), bad.toString());
    assertTrue(bad.err().contains("holds no"), bad.err());

    CliTest.Result plain = CliTest.cliAt(url.replace("https://", "http://"), "status", "--cacert", cert.toString());
    assertEquals(2, plain.exit(), plain.toString());
    assertTrue(plain.err().contains("is not https://"), plain.err());
  }

  @Test
  void plainHttpAgainstTheHttpsPortSaysSo() {
    CliTest.Result r = CliTest.cliAt(url.replace("https://", "http://"), "status", "--token", TOKEN, "--timeout", "10s");
    assertEquals(3, r.exit(), r.toString());
    assertTrue(r.err().contains("https"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }
}
