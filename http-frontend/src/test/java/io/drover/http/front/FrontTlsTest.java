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

  /**
   * TLS 1.2 and 1.3 with AEAD suites and forward secrecy are accepted, TLS 1.1 and a CBC suite
   * refused, asked for by openssl's own client (which, unlike the JDK's, can still offer them).
   */
  @Test
  void onlyTls12And13WithAeadCiphersAreAccepted() throws Exception {
    Path[] pair = TestCerts.make(certs, "front", "front.test");
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""), tls(pair, ""))) {
      int port = h.server.tlsPort();
      String v13 = openssl(port, "-tls1_3");
      assertTrue(v13.contains("Protocol version: TLSv1.3") && v13.matches("(?s).*Ciphersuite: TLS_(AES_\\d+_GCM|CHACHA20_POLY1305)_SHA\\d+\n.*"), v13);
      String v12 = openssl(port, "-tls1_2");
      assertTrue(v12.contains("Protocol version: TLSv1.2") && v12.matches("(?s).*Ciphersuite: ECDHE-ECDSA-(AES\\d+-GCM-SHA\\d+|CHACHA20-POLY1305)\n.*"), v12);
      String v11 = openssl(port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
      assertTrue(v11.contains("alert protocol version") && !v11.contains("Protocol version:"), v11);
      String cbc = openssl(port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA");
      assertTrue(cbc.contains("handshake failure") && !cbc.contains("Protocol version:"), cbc);
      String noSecrecy = openssl(port, "-tls1_2", "-cipher", "AES128-GCM-SHA256:AES256-GCM-SHA384");
      assertTrue(!noSecrecy.contains("Protocol version:"), noSecrecy);
    }
  }

  /** What {@code openssl s_client -brief} printed of a handshake with the front (it sends nothing after it). */
  static String openssl(int port, String... options) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client", "-brief", "-connect", "127.0.0.1:" + port));
    cmd.addAll(List.of(options));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "openssl ended");
      return out;
    } finally {
      p.destroyForcibly();
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
   * A renewal under load: none of the requests fails, whether on a kept-alive HTTP/1.1 connection,
   * on streams of an HTTP/2 connection, both made before it, or each on a connection of its own
   * (handshakes before, during and after the swap); new connections see the new certificate; a bad
   * pair afterwards is refused and the last good one kept.
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
      HttpClient h1 = client(live[0], HttpClient.Version.HTTP_1_1); // connections made before the renewal
      HttpClient h2 = client(live[0], HttpClient.Version.HTTP_2);
      assertEquals(200, get(h1, url).statusCode());
      assertEquals(HttpClient.Version.HTTP_2, get(h2, url).version());
      javax.net.ssl.SSLSocketFactory either = TestCerts.trusting(live[0], renewed[0]).getSocketFactory();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<String> failure = new AtomicReference<>();
      AtomicInteger[] ok = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
      List<java.util.concurrent.Callable<Integer>> kinds = List.of(
          () -> get(h1, url).statusCode(),
          () -> { // four streams at once on the HTTP/2 connection
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> streams = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
              streams.add(h2.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                  HttpResponse.BodyHandlers.ofString()));
            }
            int worst = 200;
            for (var f : streams) {
              worst = Math.max(worst, f.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode());
            }
            return worst;
          },
          () -> { // a connection, and so a handshake, per request
            try (java.net.Socket sock = either.createSocket("127.0.0.1", port)) {
              sock.setSoTimeout(30_000);
              sock.getOutputStream().write("GET / HTTP/1.1\r\nHost: live.test\r\nConnection: close\r\n\r\n".getBytes());
              long start = System.nanoTime();
              return RawHttp.read(sock.getInputStream(), start, start + Duration.ofSeconds(30).toNanos()).status();
            }
          });
      List<Thread> load = new java.util.ArrayList<>();
      for (int k = 0; k < kinds.size(); k++) {
        int kind = k;
        load.add(new Thread(() -> {
          for (int i = 0; i < 100_000 && !stop.get(); i++) {
            try {
              int status = kinds.get(kind).call();
              if (status != 200) {
                failure.compareAndSet(null, "kind " + kind + ": status " + status);
              }
              ok[kind].incrementAndGet();
            } catch (Exception e) {
              failure.compareAndSet(null, "kind " + kind + ": " + e);
            }
          }
        }));
      }
      load.forEach(Thread::start);
      try {
        for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos(); ok[2].get() < 10 && System.nanoTime() < end; ) {
          Thread.sleep(20); // every kind under way before the swap
        }
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
        int[] before = {ok[0].get(), ok[1].get(), ok[2].get()};
        for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos(); System.nanoTime() < end
            && (ok[0].get() < before[0] + 20 || ok[1].get() < before[1] + 5 || ok[2].get() < before[2] + 20); ) {
          Thread.sleep(20); // each kind goes on after it
        }
      } finally {
        stop.set(true);
        for (Thread t : load) {
          t.join(60_000);
        }
      }
      assertEquals(null, failure.get());
      assertTrue(ok[0].get() >= 20 && ok[1].get() >= 5 && ok[2].get() >= 30,
          "requests went through during the renewal: h1 " + ok[0] + ", h2 " + ok[1] + ", a connection each " + ok[2]);
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
