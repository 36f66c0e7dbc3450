package io.drover.http.management;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.http.front.FrontHarnessAccess;
import io.drover.http.front.TestCerts;
import io.drover.supervisor.config.ManagementSpec;
import io.drover.supervisor.config.TlsSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The management API over HTTPS: real handshakes against a certificate made by openssl. */
class ManagementTlsTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final ObjectMapper json = new ObjectMapper();
  static final String TOKEN = "s3cret-token-0123456789";

  Path certs;
  Path[] pair;
  FrontHarnessAccess node;
  ManagementServer api;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void start() throws Exception {
    certs = Files.createTempDirectory("drover-management-tls-test");
    pair = TestCerts.make(certs, "api", "api.test");
    node = FrontHarnessAccess.start(kit, "web { command = [\"node\", \"$WEB\"], instances = 1, route.prefix = \"/\" }");
    ManagementSpec spec = new ManagementSpec(true, "127.0.0.1", 0, Optional.of(TOKEN),
        Optional.of(new ManagementSpec.Tls(new TlsSpec.Pair(pair[0], pair[1]), Duration.ofMillis(100))), false);
    api = ManagementServer.start(kit.system(), spec, node.supervisor(), node.front(), new NodeMetrics(node.registry()),
        () -> true, ManagementServer.alone(kit.system()), new LocalConfigApplier(kit.system(), node.supervisor(), node.front()));
    node.awaitReady("web", 1);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      api.stop(Duration.ofSeconds(1));
      node.close();
    } finally {
      try (var files = Files.list(certs)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(certs);
    }
  }

  static HttpClient client(SSLContext trust) {
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
    return (trust == null ? b : b.sslContext(trust)).build();
  }

  HttpResponse<String> get(HttpClient c, String scheme, String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + api.port() + path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aClientTrustingTheCertificateGetsTheApiAndTheDashboard() throws Exception {
    HttpClient c = client(TestCerts.trusting(pair[0]));
    HttpResponse<String> apps = get(c, "https", "/apps", TOKEN);
    assertEquals(200, apps.statusCode(), apps.body());
    assertEquals("web", json.readTree(apps.body()).path("apps").get(0).path("name").asText(), apps.body());
    assertEquals(401, get(c, "https", "/apps", null).statusCode(), "TLS does not replace the token");
    HttpResponse<String> page = get(c, "https", "/", null);
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("dashboard.js"), "the dashboard page, whose calls are relative: " + page.body());
    assertEquals(200, get(c, "https", "/dashboard.js", null).statusCode());
    assertTrue(get(c, "https", "/metrics", TOKEN).body().contains("drover_"), "metrics over https");
  }

  @Test
  void aClientWithoutTheCertificateIsRefusedTheHandshake() {
    HttpClient c = client(null); // the JDK's CAs only
    SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> get(c, "https", "/apps", TOKEN));
    assertTrue(e.getMessage().contains("PKIX path building failed"), e.getMessage());
  }

  @Test
  void plainHttpGetsNoAnswer() {
    assertThrows(IOException.class, () -> get(client(null), "http", "/health", null));
  }

  @Test
  void onlyTls12And13WithAeadCiphersAreOffered() throws Exception {
    assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, api.tls().engine().getEnabledProtocols());
    String[] suites = api.tls().engine().getEnabledCipherSuites();
    assertTrue(suites.length > 0);
    assertTrue(Arrays.stream(suites).allMatch(ManagementTls::aeadWithForwardSecrecy), Arrays.toString(suites));
    try (SSLSocket s = socket(new String[] {"TLSv1.2"}, null)) {
      s.startHandshake();
      assertEquals("TLSv1.2", s.getSession().getProtocol());
      assertTrue(ManagementTls.aeadWithForwardSecrecy(s.getSession().getCipherSuite()), s.getSession().getCipherSuite());
    }
    try (SSLSocket s = socket(new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"})) {
      assertThrows(SSLHandshakeException.class, s::startHandshake, "a CBC suite is refused");
    }
  }

  SSLSocket socket(String[] protocols, String[] suites) throws Exception {
    SSLSocket s = (SSLSocket) TestCerts.trusting(pair[0]).getSocketFactory().createSocket("127.0.0.1", api.port());
    s.setSoTimeout(10_000);
    s.setEnabledProtocols(protocols);
    if (suites != null) {
      s.setEnabledCipherSuites(suites);
    }
    return s;
  }

  /** A renewal in place: new connections get the new certificate; a broken file after it is refused and the last good one kept. */
  @Test
  void renewedFilesServeNewConnectionsWithoutRestart() throws Exception {
    Path[] renewed = TestCerts.make(certs, "renewed", "api.test");
    TestCerts.replace(renewed[0], pair[0]);
    TestCerts.replace(renewed[1], pair[1]);
    X509Certificate next = TestCerts.read(renewed[0]);
    boolean seen = false;
    for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos(); !seen && System.nanoTime() < end; ) {
      seen = next.equals(TestCerts.presented(api.port(), null));
      if (!seen) {
        Thread.sleep(50);
      }
    }
    assertTrue(seen, "a new connection sees the renewed certificate");
    assertEquals(200, get(client(TestCerts.trusting(renewed[0])), "https", "/apps", TOKEN).statusCode());

    long refusals = api.tls().refusals();
    Files.writeString(pair[0], "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
    for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos(); api.tls().refusals() == refusals && System.nanoTime() < end; ) {
      Thread.sleep(20);
    }
    assertTrue(api.tls().refusals() > refusals, "the broken certificate was looked at and refused");
    assertEquals(next, TestCerts.presented(api.port(), null), "the last good certificate is kept");
  }
}
