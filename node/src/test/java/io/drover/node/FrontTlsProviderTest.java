package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The front's TLS provider on a real node: BoringSSL where netty-tcnative loads, else the JDK's,
 * named on the start line; HTTP/1.1 and HTTP/2 (ALPN) are served over either. An app whose
 * route.host the certificate does not name is warned about at start.
 */
class FrontTlsProviderTest {
  Path dir;
  String marker;
  final List<NodeJvm> nodes = new ArrayList<>();
  @RegisterExtension
  final NodeLogsOnFailure logs = new NodeLogsOnFailure(nodes);

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("drover-tls-provider-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
  }

  /** {@code noOpenSsl}: the node runs with netty-tcnative refused, as on a platform it does not ship for. */
  @ParameterizedTest(name = "OpenSSL refused: {0}")
  @ValueSource(booleans = {false, true})
  void theProviderIsNamedAtStartAndServes(boolean noOpenSsl) throws Exception {
    SelfSigned pair = SelfSigned.make(dir, "front", "front.test", "DNS:front.test,IP:127.0.0.1");
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, "drover {\n"
        + "  home = \"" + dir.resolve("home") + "\"\n"
        + "  http { port = 0, tls { enabled = on, port = 0, cert = \"" + pair.cert() + "\", key = \"" + pair.key() + "\" } }\n"
        + "  management.port = 0\n"
        + "  apps.web {\n"
        + "    command = [\"node\", \"" + CliTest.WORKER + "\", \"--listen\"]\n"
        + "    route.prefix = \"/\"\n"
        + "    readiness { type = http, path = \"/health\" }\n"
        + "    stop.timeout = 2s\n"
        + "  }\n"
        + "  apps.shop { command = [\"node\", \"" + CliTest.WORKER + "\", \"--listen\"], route.host = \"shop.example\", stop.timeout = 2s }\n"
        + "}\n");
    List<String> jvm = noOpenSsl ? List.of("-Dio.netty.handler.ssl.noOpenSsl=true") : List.of();
    NodeJvm node = NodeJvm.start(marker, jvm, "run", conf.toString());
    nodes.add(node);
    String line = node.awaitLine("front listening on https://", Duration.ofSeconds(60));
    Matcher m = Pattern.compile("https://127\\.0\\.0\\.1:(\\d+)/ \\((.+)\\)").matcher(line);
    assertTrue(m.find(), line);
    String expected = noOpenSsl ? "JDK " + System.getProperty("java.version") : "OpenSSL (BoringSSL)";
    assertEquals(expected + ", h2 and http/1.1", m.group(2), line);
    String warning = node.awaitLine("warning: app shop's", Duration.ofSeconds(10));
    assertEquals("warning: app shop's route.host \"shop.example\" gets the certificate of drover.http.tls.cert (" + pair.cert()
        + "), which names 127.0.0.1, front.test: HTTPS clients will refuse it (add a tls.hosts entry for it, or the name to the"
        + " certificate)", warning);
    assertTrue(node.all().lines().noneMatch(l -> l.contains("warning: app web")), node.all());
    node.awaitLine("web-0          ready", Duration.ofSeconds(60));
    for (HttpClient.Version v : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
      HttpClient c = HttpClient.newBuilder().version(v).sslContext(pair.trusted()).connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + m.group(1) + "/"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(v, r.version());
    }
  }
}
