package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What HTTP/1.1 clients get, HTTP/2 clients get too (over TLS, by ALPN, with Java's HttpClient):
 * the same error statuses and JSON bodies, the same time-outs, the same retries, counted in the
 * same meters, and a rolling restart that loses nothing.
 */
class FrontHttp2ParityTest {
  static final ActorTestKit kit = ActorTestKit.create();
  Path certs;
  Path[] pair;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void dir() throws Exception {
    certs = Files.createTempDirectory("drover-h2-parity-test");
    pair = TestCerts.make(certs, "front", "front.test");
  }

  @AfterEach
  void clean() throws Exception {
    FrontHarness.deleteTree(certs);
  }

  /** Sends {@code method path} with {@code body} bytes (none when 0) over both versions' clients, the h2 one first. */
  HttpResponse<String>[] both(FrontHarness h, String method, String path, int body) throws Exception {
    @SuppressWarnings("unchecked")
    HttpResponse<String>[] answers = new HttpResponse[2];
    HttpClient.Version[] versions = {HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1};
    for (int i = 0; i < 2; i++) {
      HttpRequest.BodyPublisher p = body == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(new byte[body]);
      answers[i] = FrontTlsTest.client(pair[0], versions[i]).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h.server.tlsPort() + path))
          .method(method, p).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(versions[i], answers[i].version());
    }
    return answers;
  }

  static double meter(FrontHarness h, String name, String app, String more) {
    Matcher m = Pattern.compile(Pattern.quote(name + "{app=\"" + app + "\"" + more + "}") + " ([0-9.E]+)").matcher(h.registry.scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** The front's own error answers: the same status, headers and JSON body on h2 as on HTTP/1.1, and counted alike. */
  @Test
  void errorAnswersAreTheSameAsOnHttp11() throws Exception {
    String apps = FrontTest.web("late", "route.prefix = \"/late\"\n env.READY_DELAY_MS = \"60000\"\n readiness.timeout = 60s")
        + FrontTest.web("slow", "route { prefix = \"/slow\", request-timeout = 500ms }");
    try (FrontHarness h = new FrontHarness(kit, apps, FrontTlsTest.tls(pair, ""))) {
      h.awaitReady("slow", 1);
      HttpResponse<String>[] none = both(h, "GET", "/late", 0);
      HttpResponse<String>[] nowhere = both(h, "GET", "/nowhere", 0);
      HttpResponse<String>[] timedOut = both(h, "GET", "/slow?ms=5000", 0);
      for (HttpResponse<String>[] v : java.util.List.of(none, nowhere, timedOut)) {
        assertEquals(v[1].statusCode(), v[0].statusCode(), v[0].uri().toString());
        assertEquals(v[1].body(), v[0].body(), v[0].uri().toString());
        assertEquals(v[1].headers().firstValue("content-type"), v[0].headers().firstValue("content-type"));
        assertEquals(v[1].headers().firstValue("retry-after"), v[0].headers().firstValue("retry-after"));
        assertTrue(v[0].headers().firstValue("x-request-id").isPresent(), v[0].headers().toString());
      }
      assertEquals(503, none[0].statusCode());
      assertEquals("{\"status\":503,\"error\":\"no ready worker\",\"app\":\"late\"}", none[0].body().trim());
      assertEquals("1", none[0].headers().firstValue("retry-after").orElse(""));
      assertEquals(404, nowhere[0].statusCode());
      assertEquals(504, timedOut[0].statusCode());
      assertTrue(timedOut[0].body().contains("\"error\":\"worker did not answer within 500ms\""), timedOut[0].body());
      assertEquals(2, meter(h, "drover_http_errors_total", "late", ",kind=\"no_worker\""), h.registry.scrape());
      assertEquals(2, meter(h, "drover_http_errors_total", "slow", ",kind=\"timeout\""), h.registry.scrape());
      assertEquals(2, meter(h, "drover_http_requests_total", "slow", ",status=\"5xx\""), h.registry.scrape());
    }
  }

  /**
   * A rolling restart under HTTP/2 load (four threads' streams, GETs and POSTs with bodies, over
   * one connection) fails no request, as over HTTP/1.1: each worker drains its streams before it
   * stops, and new streams go to the others.
   */
  @Test
  void aRollingRestartUnderHttp2LoadFailsNoRequest() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "instances = 2, route.prefix = \"/\""), FrontTlsTest.tls(pair, ""))) {
      h.awaitReady("web", 2);
      java.util.Set<Long> before = java.util.Set.of(FrontTest.readyPid(h, "web", 0), FrontTest.readyPid(h, "web", 1));
      HttpClient c = FrontTlsTest.client(pair[0], HttpClient.Version.HTTP_2);
      String base = "https://127.0.0.1:" + h.server.tlsPort();
      assertEquals(HttpClient.Version.HTTP_2, FrontTlsTest.get(c, base + "/").version());
      Load load = Load.start(c, path -> URI.create(base + path), 4, Duration.ofSeconds(10), true);
      org.apache.pekko.actor.testkit.typed.javadsl.TestProbe<io.drover.supervisor.AppSupervisor.RollingResult> result =
          kit.createTestProbe(io.drover.supervisor.AppSupervisor.RollingResult.class);
      h.app("web").tell(new io.drover.supervisor.AppSupervisor.RestartRolling(result.getRef()));
      io.drover.supervisor.AppSupervisor.RollingResult rolled = result.receiveMessage(Duration.ofSeconds(60));
      assertTrue(rolled.completed(), rolled.detail());
      Load.Result r = load.await();
      assertTrue(r.ok() > 200, "too little load: " + r);
      assertEquals(0, r.failed(), "failed requests: " + r);
      assertTrue(r.posts() > 0, r.toString());
      java.util.Set<Long> after = java.util.Set.of(FrontTest.readyPid(h, "web", 0), FrontTest.readyPid(h, "web", 1));
      assertTrue(java.util.Collections.disjoint(before, after), "every worker replaced: " + before + " " + after);
    }
  }

  /** A PUT whose worker drops it mid-body is retried on the other worker over h2 as over HTTP/1.1, and counted as a retry. */
  @Test
  void aPutWhoseWorkerDiesMidBodyReachesAnotherWorkerOverHttp2() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("up", "instances = 2, route.prefix = \"/\""), FrontTlsTest.tls(pair, ""))) {
      h.awaitReady("up", 2);
      HttpClient c = FrontTlsTest.client(pair[0], HttpClient.Version.HTTP_2);
      for (int i = 0; i < 4; i++) { // round-robin: some start on instance 0, which drops them
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h.server.tlsPort() + "/upload?die=0"))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[40 * 1024])).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"bytes\":40960,") && r.body().contains("\"worker\":\"up-1\""), r.body());
      }
      assertTrue(FrontRetryTest.retries(h, "up") >= 1, "instance 0 dropped at least one of them: " + FrontRetryTest.retries(h, "up"));
      assertEquals(4, meter(h, "drover_http_requests_total", "up", ",status=\"2xx\""), h.registry.scrape());
    }
  }
}
