package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.WorkerEvent;
import io.drover.supervisor.WorkerState;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The front over real worker processes: routing, balancing, errors, headers, streaming. */
class FrontTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static String web(String name, String extra) {
    return name + " {\n command = [\"node\", \"$WEB\"]\n " + extra + "\n}\n";
  }

  @Test
  void roundRobinIsEvenPerRequestOverThreeWorkers() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("web", "instances = 3, route.prefix = \"/\""))) {
      h.awaitReady("web", 3);
      Map<String, Integer> counts = new HashMap<>();
      List<String> order = new ArrayList<>();
      for (int i = 0; i < 30; i++) { // one keep-alive client connection: balancing is per request
        String body = h.get("/").body().trim();
        order.add(body);
        counts.merge(body, 1, Integer::sum);
      }
      assertEquals(Map.of("hello from web-0", 10, "hello from web-1", 10, "hello from web-2", 10), counts);
      for (int cycle = 0; cycle < 10; cycle++) {
        assertEquals(3, new HashSet<>(order.subList(cycle * 3, cycle * 3 + 3)).size(), "cycle " + cycle + ": " + order);
      }
    }
  }

  @Test
  void routesByHostFirstThenLongestPrefix() throws Exception {
    String apps =
        web("site", "route.prefix = \"/\"")
            + web("api", "route { prefix = \"/api\", strip-prefix = true }")
            + web("admin", "route { host = \"admin.local\" }");
    try (FrontHarness h = new FrontHarness(kit, apps)) {
      h.awaitReady("site", 1);
      h.awaitReady("api", 1);
      h.awaitReady("admin", 1);
      assertEquals("hello from site-0", h.get("/x").body().trim());
      assertEquals("hello from site-0", h.get("/apiary").body().trim(), "prefixes match whole segments");
      HttpResponse<String> api = h.get("/api/echo?q=1");
      assertTrue(api.body().contains("\"url\":\"/echo?q=1\""), api.body());
      assertTrue(api.body().contains("\"worker\":\"api-0\""), api.body());
      assertEquals("hello from admin-0", h.get("/api/x", "admin.local:8080").body().trim(), "host routes win");
      assertEquals("hello from site-0", h.get("/", "other.local").body().trim());
    }
  }

  @Test
  void noRouteAnswers404Json() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("api", "route.prefix = \"/api\""))) {
      HttpResponse<String> r = h.get("/nothing/here");
      assertEquals(404, r.statusCode());
      assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
      assertTrue(r.body().contains("\"error\":\"no route for this host and path\""), r.body());
    }
  }

  @Test
  void noReadyWorkerAnswers503WithRetryAfter() throws Exception {
    String cfg = "route.prefix = \"/\"\n env.READY_DELAY_MS = \"60000\"\n readiness.timeout = 60s";
    try (FrontHarness h = new FrontHarness(kit, web("late", cfg))) {
      HttpResponse<String> r = h.get("/");
      assertEquals(503, r.statusCode());
      assertEquals("1", r.headers().firstValue("retry-after").orElse(""));
      assertEquals("{\"status\":503,\"error\":\"no ready worker\",\"app\":\"late\"}", r.body().trim());
      // the client's connection stays open: the next request on it gets its own answer
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", h.server.port())) {
        s.setSoTimeout(10_000);
        java.io.InputStream in = new java.io.BufferedInputStream(s.getInputStream());
        for (int i = 0; i < 2; i++) {
          s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          long start = System.nanoTime();
          RawHttp.Answer a = RawHttp.read(in, start, start + Duration.ofSeconds(10).toNanos());
          assertEquals(503, a.status(), "request " + i);
          assertNotEquals("close", a.header("connection"), "request " + i);
        }
      }
    }
  }

  @Test
  void slowWorkerAnswers504() throws Exception {
    String cfg = "route { prefix = \"/\", request-timeout = 500ms }";
    try (FrontHarness h = new FrontHarness(kit, web("slow", cfg))) {
      h.awaitReady("slow", 1);
      long t0 = System.nanoTime();
      HttpResponse<String> r = h.get("/slow?ms=5000");
      long took = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(504, r.statusCode());
      assertTrue(r.body().contains("\"error\":\"worker did not answer within 500ms\""), r.body());
      assertTrue(took >= 450 && took < 3000, "answered after " + took + "ms");
      assertEquals("hello from slow-0", h.get("/").body().trim(), "the front keeps serving");
    }
  }

  @Test
  void hopByHopHeadersAreDroppedAndForwardingHeadersAdded() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("web", "route.prefix = \"/\""))) {
      h.awaitReady("web", 1);
      FrontHarness.RawResponse r =
          h.raw("GET /echo HTTP/1.1\r\nHost: shop.example:9000\r\nConnection: close, X-Secret\r\nX-Secret: 1\r\n"
              + "Keep-Alive: timeout=9\r\nX-Forwarded-For: 10.1.1.1\r\nX-Custom: kept\r\n\r\n");
      assertEquals(200, r.status());
      String b = r.body();
      assertTrue(b.contains("\"x-forwarded-for\":\"10.1.1.1, 127.0.0.1\""), b);
      assertTrue(b.contains("\"x-forwarded-proto\":\"http\""), b);
      assertTrue(b.contains("\"x-forwarded-host\":\"shop.example:9000\""), b);
      assertTrue(b.contains("\"host\":\"shop.example:9000\""), b);
      assertTrue(b.contains("\"x-custom\":\"kept\""), b);
      assertFalse(b.contains("x-secret"), b);
      assertFalse(b.contains("keep-alive"), b);
      assertEquals("web-0", r.headers().get("x-worker"));
      assertFalse(r.headers().containsKey("keep-alive"), "hop-by-hop response header forwarded: " + r.headers());
      assertEquals("close", r.headers().get("connection"));
    }
  }

  /**
   * Answers on a kept-alive connection, which the front passes on as the worker wrote them less
   * what concerns one connection (WholeAnswer): hop-by-hop headers dropped, the request's id and
   * Via added; an answer to HEAD has no body, so the next answer on the connection reads right;
   * a worker's Connection: close ends its own connection, not the client's.
   */
  @Test
  void keptAliveAnswersLoseHopByHopHeadersAndHeadHasNoBody() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("web", "route.prefix = \"/\""), "http.via = on")) {
      h.awaitReady("web", 1);
      String all = h.rawText("GET /echo HTTP/1.1\r\nHost: a\r\nX-Request-Id: first-one\r\n\r\n"
          + "HEAD /echo HTTP/1.1\r\nHost: a\r\n\r\n"
          + "GET /close HTTP/1.1\r\nHost: a\r\n\r\n"
          + "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      String[] answers = all.split("(?=HTTP/1\\.1 )");
      assertEquals(4, answers.length, all);
      String echo = answers[0];
      assertTrue(echo.startsWith("HTTP/1.1 200 OK\r\n"), echo);
      assertTrue(echo.contains("\r\nx-worker: web-0\r\n"), echo);
      assertTrue(echo.contains("\r\nx-request-id: first-one\r\n"), echo);
      assertTrue(echo.contains("\r\nvia: 1.1 drover\r\n"), echo);
      assertFalse(echo.toLowerCase().contains("keep-alive"), "hop-by-hop headers dropped: " + echo);
      assertFalse(echo.toLowerCase().contains("\r\nconnection:"), echo);
      String body = echo.substring(echo.indexOf("\r\n\r\n") + 4);
      java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)\r\ncontent-length: ([0-9]+)\r\n").matcher(echo);
      assertTrue(length.find(), echo);
      assertEquals(Integer.parseInt(length.group(1)), body.length(), echo);
      assertTrue(body.contains("\"method\":\"GET\""), body);
      String head = answers[1];
      assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.endsWith("\r\n\r\n"), "no body after HEAD's answer: " + head);
      String close = answers[2];
      assertTrue(close.endsWith("closing from web-0"), close);
      assertFalse(close.toLowerCase().contains("\r\nconnection:"), "the client's connection stays open: " + close);
      String last = answers[3];
      assertTrue(last.contains("\r\nconnection: close\r\n") && last.endsWith("hello from web-0\n"), last);
    }
  }

  /** http.forward-headers names what is added; a header left out passes as the client sent it, or not at all. */
  @Test
  void forwardHeadersAddOnlyTheNamedOnes() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("web", "route.prefix = \"/\""), "http.forward-headers = [x-forwarded-for]")) {
      h.awaitReady("web", 1);
      FrontHarness.RawResponse r =
          h.raw("GET /echo HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-Proto: gopher\r\nConnection: close\r\n\r\n");
      assertEquals(200, r.status());
      String b = r.body();
      assertTrue(b.contains("\"x-forwarded-for\":\"127.0.0.1\""), b);
      assertTrue(b.contains("\"x-forwarded-proto\":\"gopher\""), b);
      assertFalse(b.contains("x-forwarded-host"), b);
      assertFalse(b.contains("x-request-id"), b);
      assertTrue(r.headers().get("x-request-id").matches("[0-9a-f]{12}-[0-9a-f]+"), "the client still gets its id: " + r.headers());
    }
    try (FrontHarness h = new FrontHarness(kit, web("web", "route.prefix = \"/\""), "http.forward-headers = []")) {
      h.awaitReady("web", 1);
      FrontHarness.RawResponse r = h.raw("GET /echo HTTP/1.1\r\nHost: shop.example\r\nX-Request-Id: mine-1\r\nConnection: close\r\n\r\n");
      assertEquals(200, r.status());
      String b = r.body();
      assertFalse(b.contains("x-forwarded"), b);
      assertTrue(b.contains("\"x-request-id\":\"mine-1\""), b);
      assertEquals("mine-1", r.headers().get("x-request-id"));
    }
  }

  @Test
  void webSocketEchoesThroughTheFront() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("ws", "route.prefix = \"/\""))) {
      h.awaitReady("ws", 1);
      CompletableFuture<String> got = new CompletableFuture<>();
      WebSocket ws =
          h.client.newWebSocketBuilder()
              .buildAsync(java.net.URI.create("ws://127.0.0.1:" + h.server.port() + "/ws"), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                  got.complete(data.toString());
                  return null;
                }
              })
              .get(10, TimeUnit.SECONDS);
      ws.sendText("hello over ws", true).get(10, TimeUnit.SECONDS);
      assertEquals("ws-0: hello over ws", got.get(10, TimeUnit.SECONDS));
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("pipe", "instances = 2, route.prefix = \"/\""))) {
      h.awaitReady("pipe", 2);
      String body = "x".repeat(100);
      String all = h.rawText(
          "GET /echo/1 HTTP/1.1\r\nHost: a\r\n\r\n"
              + "POST /echo/2 HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + body
              + "GET /echo/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      int first = all.indexOf("\"url\":\"/echo/1\"");
      int second = all.indexOf("\"url\":\"/echo/2\"");
      int third = all.indexOf("\"url\":\"/echo/3\"");
      assertTrue(first > 0 && second > first && third > second, all);
      assertTrue(all.contains("\"method\":\"POST\",\"url\":\"/echo/2\""), all);
      assertTrue(all.contains("\"bodyLength\":100"), all);
      assertEquals(3, all.split("HTTP/1.1 200 OK", -1).length - 1, all);
    }
  }

  @Test
  void workersThatCloseOrEndBodiesByEofDoNotBreakThePool() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("odd", "instances = 2, route.prefix = \"/\""))) {
      h.awaitReady("odd", 2);
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> close = h.get("/close");
        assertEquals(200, close.statusCode());
        assertTrue(close.body().startsWith("closing from odd-"), close.body());
        HttpResponse<String> eof = h.get("/eof");
        assertEquals(200, eof.statusCode());
        assertTrue(eof.body().startsWith("eof from odd-"), eof.body());
        assertTrue(h.get("/").body().startsWith("hello from odd-"));
      }
    }
  }

  /** Kept-alive worker connections idle past pool-idle-timeout are closed, before the worker's own keep-alive timeout. */
  @Test
  void idleWorkerConnectionsCloseAfterThePoolIdleTimeout() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("pooled", "route.prefix = \"/\""), "http.pool-idle-timeout = 400ms")) {
      h.awaitReady("pooled", 1);
      int port = h.routeOf("pooled").endpoints()[0].port;
      for (int i = 0; i < 5; i++) {
        assertEquals(200, h.get("/").statusCode());
      }
      assertTrue(RawHttp.established(port) >= 1, "the front keeps a connection to the worker");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (RawHttp.established(port) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(0, RawHttp.established(port), "idle connections to the worker were closed");
      assertEquals("hello from pooled-0", h.get("/").body().trim(), "a new connection serves the next request");
    }
  }

  @Test
  void bodiesStreamBothWays() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, web("files", "route.prefix = \"/\""))) {
      h.awaitReady("files", 1);
      int mb = 20;
      HttpResponse<byte[]> down =
          h.client.send(HttpRequest.newBuilder(h.uri("/download?mb=" + mb)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, down.statusCode());
      assertEquals(mb * 1024 * 1024, down.body().length);
      for (int i = 0; i < down.body().length; i += 65_536 + 7) {
        assertEquals((byte) ((i % 65_536) % 251), down.body()[i]);
      }
      byte[] up = new byte[mb * 1024 * 1024];
      for (int i = 0; i < up.length; i++) {
        up[i] = (byte) (i % 253);
      }
      HttpResponse<String> r =
          h.client.send(
              HttpRequest.newBuilder(h.uri("/upload")).POST(HttpRequest.BodyPublishers.ofByteArray(up)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertTrue(r.body().contains("\"bytes\":" + up.length), r.body());
    }
  }

  @Test
  void killingWorkersUnderLoadFailsNoGet() throws Exception {
    String cfg = "instances = 3, route.prefix = \"/\", restart.backoff.min = 50ms";
    try (FrontHarness h = new FrontHarness(kit, web("web", cfg))) {
      h.awaitReady("web", 3);
      Load load = Load.start(h, 4, Duration.ofSeconds(8), false);
      Thread.sleep(1500);
      for (int k = 0; k < 3; k++) {
        long victim = readyPid(h, "web", k);
        new ProcessBuilder("kill", "-9", Long.toString(victim)).start().waitFor();
        Thread.sleep(2000);
      }
      Load.Result result = load.await();
      assertTrue(result.ok() > 500, "too little load to mean anything: " + result);
      assertEquals(0, result.failed(), "failed requests: " + result);
      assertTrue(h.eventsIn("web", WorkerState.FAILED).size() >= 3);
    }
  }

  @Test
  void rollingRestartUnderLoadFailsNoRequestOfAnyMethod() throws Exception {
    String cfg = "instances = 2, route.prefix = \"/\"";
    try (FrontHarness h = new FrontHarness(kit, web("web", cfg))) {
      h.awaitReady("web", 2);
      Set<Long> before = new HashSet<>(List.of(readyPid(h, "web", 0), readyPid(h, "web", 1)));
      Load load = Load.start(h, 4, Duration.ofSeconds(10), true);
      Thread.sleep(1000);
      TestProbe<AppSupervisor.RollingResult> result = kit.createTestProbe(AppSupervisor.RollingResult.class);
      h.app("web").tell(new AppSupervisor.RestartRolling(result.getRef()));
      AppSupervisor.RollingResult rolled = result.receiveMessage(Duration.ofSeconds(60));
      assertTrue(rolled.completed(), rolled.detail());
      Load.Result r = load.await();
      assertTrue(r.ok() > 500, "too little load: " + r);
      assertEquals(0, r.failed(), "failed requests: " + r);
      Set<Long> after = new HashSet<>(List.of(readyPid(h, "web", 0), readyPid(h, "web", 1)));
      assertTrue(java.util.Collections.disjoint(before, after), "every worker replaced: " + before + " " + after);
      assertNotEquals(0, r.posts());
    }
  }

  @Test
  void stoppingAnAppWaitsForItsInFlightRequests() throws Exception {
    String cfg = "route.prefix = \"/\"\n stop.drain-timeout = 10s";
    try (FrontHarness h = new FrontHarness(kit, web("busy", cfg))) {
      h.awaitReady("busy", 1);
      CompletableFuture<HttpResponse<String>> slow =
          h.client.sendAsync(HttpRequest.newBuilder(h.uri("/slow?ms=1500")).build(), HttpResponse.BodyHandlers.ofString());
      for (int i = 0; i < 100 && h.routeOf("busy").endpoints()[0].inFlight() == 0; i++) {
        Thread.sleep(20); // until the request is in flight at the worker
      }
      assertEquals(1, h.routeOf("busy").endpoints()[0].inFlight());
      TestProbe<org.apache.pekko.Done> stopped = kit.createTestProbe(org.apache.pekko.Done.class);
      h.app("busy").tell(new AppSupervisor.StopApp(stopped.getRef()));
      Thread.sleep(200);
      assertEquals(503, h.get("/").statusCode(), "out of rotation at once while draining");
      HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode());
      assertEquals("slow from busy-0", r.body());
      stopped.receiveMessage(Duration.ofSeconds(15));
      for (int i = 0; i < 50 && h.eventsIn("busy", WorkerState.STOPPED).isEmpty(); i++) {
        Thread.sleep(100); // events reach the recorder through the event stream
      }
      WorkerEvent drained = h.eventsIn("busy", WorkerState.STOPPED).get(0);
      assertEquals("stop requested (exited with status 0)", drained.detail());
    }
  }

  /** The pid of the latest READY event of a worker. */
  static long readyPid(FrontHarness h, String app, int instance) {
    List<WorkerEvent> ready = h.eventsIn(app, WorkerState.READY).stream().filter(e -> e.instance() == instance).toList();
    return ready.get(ready.size() - 1).pid();
  }
}
