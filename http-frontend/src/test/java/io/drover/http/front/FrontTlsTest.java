package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TLS termination at the front: real handshakes, real worker processes, certificates made by openssl. */
class FrontTlsTest {
  static final ActorTestKit kit = ActorTestKit.create();
  Path certs;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void dir() throws Exception {
    certs = Files.createTempDirectory("drover-tls-test");
  }

  @AfterEach
  void clean() throws Exception {
    FrontHarness.deleteTree(certs);
  }

  static String tls(Path[] pair, String more) {
    return "http.tls { enabled = on, port = 0, cert = \"" + pair[0] + "\", key = \"" + pair[1] + "\"\n" + more + "\n}\n";
  }

  static HttpClient client(Path cert, HttpClient.Version version) throws Exception {
    return HttpClient.newBuilder().version(version).sslContext(TestCerts.trusting(cert)).connectTimeout(Duration.ofSeconds(10)).build();
  }

  static HttpResponse<String> get(HttpClient c, String url) throws Exception {
    return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anHttpsRequestReachesAWorkerAndItSeesHttps() throws Exception {
    Path[] pair = TestCerts.make(certs, "front", "front.test");
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""), tls(pair, ""))) {
      h.awaitReady("web", 1);
      HttpClient c = client(pair[0], HttpClient.Version.HTTP_1_1);
      String base = "https://127.0.0.1:" + h.server.tlsPort();
      HttpResponse<String> hello = get(c, base + "/");
      assertEquals(200, hello.statusCode());
      assertEquals("hello from web-0", hello.body().trim());
      assertEquals(HttpClient.Version.HTTP_1_1, hello.version());
      HttpResponse<String> echo = c.send(HttpRequest.newBuilder(URI.create(base + "/echo")).header("X-Forwarded-Proto", "http")
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(echo.body().contains("\"x-forwarded-proto\":\"https\""), echo.body());
      assertEquals(200, h.get("/").statusCode(), "the plain listener still serves");
    }
  }

  @Test
  void overTlsAClientStillSendingItsBodyAfterAnEarlyAnswerGetsTheAnswerNotAReset() throws Exception {
    Path[] pair = TestCerts.make(certs, "front", "front.test");
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("up", "instances = 2, route.prefix = \"/\""), tls(pair, ""))) {
      h.awaitReady("up", 2);
      try (java.net.Socket s = TestCerts.trusting(pair[0]).getSocketFactory().createSocket("127.0.0.1", h.server.tlsPort())) {
        FrontRetryTest.anEarlyAnswerOutlivesTheRestOfTheBody(s);
      }
    }
  }

  @Test
  void withoutXForwardedProtoInForwardHeadersTheClientsOwnPasses() throws Exception {
    Path[] pair = TestCerts.make(certs, "bare", "bare.test");
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""),
        tls(pair, "") + "http.forward-headers = [x-request-id]")) {
      h.awaitReady("web", 1);
      for (HttpClient.Version v : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
        HttpResponse<String> echo = client(pair[0], v).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h.server.tlsPort()
            + "/echo")).header("X-Forwarded-Proto", "ftp").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(v, echo.version());
        assertTrue(echo.body().contains("\"x-forwarded-proto\":\"ftp\""), echo.body());
        assertTrue(echo.body().contains("\"x-request-id\":"), echo.body());
        assertFalse(echo.body().contains("x-forwarded-for"), echo.body());
      }
    }
  }

  @Test
  void sniPicksTheCertificateOfTheNamedHost() throws Exception {
    Path[] main = TestCerts.make(certs, "main", "main.test");
    Path[] api = TestCerts.make(certs, "api", "api.test");
    Path[] any = TestCerts.make(certs, "wild", "any.wild.test");
    String hosts = "hosts { \"api.test\" { cert = \"" + api[0] + "\", key = \"" + api[1] + "\" }, "
        + "\"*.wild.test\" { cert = \"" + any[0] + "\", key = \"" + any[1] + "\" } }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""), tls(main, hosts))) {
      int port = h.server.tlsPort();
      assertEquals(TestCerts.read(api[0]), TestCerts.presented(port, "api.test"));
      assertEquals(TestCerts.read(api[0]), TestCerts.presented(port, "API.test"));
      assertEquals(TestCerts.read(any[0]), TestCerts.presented(port, "x.wild.test"));
      assertEquals(TestCerts.read(main[0]), TestCerts.presented(port, "other.test"));
      assertEquals(TestCerts.read(main[0]), TestCerts.presented(port, null));
    }
  }

  /**
   * A renewal while requests stream in: none fails, the open connection keeps going, new
   * connections see the new certificate; a bad pair afterwards is refused and the last good one kept.
   */
  @Test
  void renewedFilesAreServedWithoutRestartAndWithoutAFailedRequest() throws Exception {
    Path[] live = TestCerts.make(certs, "live", "live.test");
    Path[] renewed = TestCerts.make(certs, "renewed", "live.test");
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "instances = 2, route.prefix = \"/\""),
        tls(live, "reload-interval = 100ms"))) {
      h.awaitReady("web", 2);
      int port = h.server.tlsPort();
      String url = "https://127.0.0.1:" + port + "/";
      HttpClient c = client(live[0], HttpClient.Version.HTTP_1_1); // one keep-alive connection, made before the renewal
      assertEquals(200, get(c, url).statusCode());
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger ok = new AtomicInteger();
      AtomicReference<String> failure = new AtomicReference<>();
      Thread load = new Thread(() -> {
        for (int i = 0; i < 100_000 && !stop.get(); i++) {
          try {
            HttpResponse<String> r = get(c, url);
            if (r.statusCode() != 200) {
              failure.compareAndSet(null, "status " + r.statusCode() + ": " + r.body());
            }
            ok.incrementAndGet();
          } catch (Exception e) {
            failure.compareAndSet(null, e.toString());
          }
        }
      });
      load.start();
      try {
        TestCerts.replace(renewed[0], live[0]); // the key follows the certificate: a poll may see them apart
        TestCerts.replace(renewed[1], live[1]);
        java.security.cert.X509Certificate next = TestCerts.read(renewed[0]);
        boolean seen = false;
        for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos(); !seen && System.nanoTime() < end; ) {
          seen = next.equals(TestCerts.presented(port, "live.test"));
          if (!seen) {
            Thread.sleep(50);
          }
        }
        assertTrue(seen, "a new connection sees the renewed certificate");
        long reloads = h.server.tls().reloads();
        long refusals = h.server.tls().refusals();
        Files.writeString(live[0], "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
        for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            h.server.tls().refusals() == refusals && System.nanoTime() < end; ) {
          Thread.sleep(20);
        }
        assertTrue(h.server.tls().refusals() > refusals, "the broken certificate was looked at and refused");
        assertEquals(reloads, h.server.tls().reloads());
        assertEquals(next, TestCerts.presented(port, "live.test"), "the last good certificate is kept");
        int before = ok.get();
        for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos(); ok.get() < before + 20 && System.nanoTime() < end; ) {
          Thread.sleep(20);
        }
      } finally {
        stop.set(true);
        load.join(60_000);
      }
      assertEquals(null, failure.get());
      assertTrue(ok.get() >= 20, "requests went through during the renewal: " + ok.get());
    }
  }

  @Test
  void thePlainListenerRedirectsToHttpsWhenAsked() throws Exception {
    Path[] pair = TestCerts.make(certs, "front", "front.test");
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""),
        tls(pair, "") + "http.redirect-to-https = on\n")) {
      FrontHarness.RawResponse r = h.get("/a/b?c=d", "example.test:8080");
      assertEquals(308, r.status());
      assertEquals("https://example.test:" + h.server.tlsPort() + "/a/b?c=d", r.headers().get("location"));
      assertEquals(400, h.raw("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").status());
    }
  }
}
