package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.RouteEvent;
import io.drover.supervisor.WorkerState;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Capacity-aware routing end to end, over real worker processes that report what they were
 * given: route.max-concurrency and the app's FIFO queue (its order, its limits, a client leaving
 * it), outlier ejection, the retry budget, sticky keys, and no failed request under kill -9 and a
 * rolling restart with queueing on.
 */
class FrontCapacityTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final ObjectMapper JSON = new ObjectMapper();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static CompletableFuture<HttpResponse<String>> getAsync(FrontHarness h, String path) {
    return h.client.sendAsync(HttpRequest.newBuilder(h.uri(path)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20s: " + what);
      }
      Thread.sleep(5);
    }
  }

  static double metric(FrontHarness h, String name, String labels) {
    Matcher m = Pattern.compile(Pattern.quote(name + "{" + labels + "}") + " ([0-9.E]+)").matcher(h.registry.scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** A one-worker app with max-concurrency = 1 whose worker a long request holds; returns that request. */
  static CompletableFuture<HttpResponse<String>> holdTheOnlyWorker(FrontHarness h, int ms) throws Exception {
    h.awaitReady("web", 1);
    CompletableFuture<HttpResponse<String>> holding = getAsync(h, "/busy?ms=" + ms + "&seq=hold");
    await("the worker is busy", () -> h.routeOf("web").endpoints()[0].inFlight() == 1);
    return holding;
  }

  @Test
  void requestsStampedInOrderReachTheWorkerInOrder() throws Exception {
    String app = "instances = 1, route { prefix = \"/\", max-concurrency = 1 }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", app))) {
      h.awaitReady("web", 1);
      AppQueue q = h.routeOf("web").queue();
      CompletableFuture<HttpResponse<String>> first = getAsync(h, "/busy?ms=2500&seq=0");
      await("the first request holds the worker", () -> h.routeOf("web").endpoints()[0].inFlight() == 1);
      List<CompletableFuture<HttpResponse<String>>> rest = new ArrayList<>();
      for (int i = 1; i <= 10; i++) {
        rest.add(getAsync(h, "/busy?ms=5&seq=" + i));
        int waiting = i;
        await(i + " requests queued", () -> q.depth() == waiting);
      }
      assertEquals(200, first.get(60, TimeUnit.SECONDS).statusCode());
      double last = 0;
      for (int i = 0; i < rest.size(); i++) {
        HttpResponse<String> r = rest.get(i).get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(String.valueOf(i + 1), body.get("seq").asText());
        double started = body.get("started").asDouble();
        assertTrue(started > last, "request " + (i + 1) + " started after the one queued before it: " + started + " <= " + last);
        last = started;
      }
      assertEquals(0, q.depth());
      assertEquals(10, metric(h, "drover_http_queue_wait_seconds_count", "app=\"web\""), 0.1, "every queued request's wait is measured");
    }
  }

  @Test
  void maxConcurrencyOneNeverGivesAWorkerTwoRequestsAtOnce() throws Exception {
    String app = "instances = 2, env.MAX_ACTIVE = \"1\", route { prefix = \"/\", max-concurrency = 1 }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", app))) {
      h.awaitReady("web", 2);
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        all.add(getAsync(h, "/busy?ms=10&seq=" + i));
      }
      Map<String, Integer> byWorker = new HashMap<>();
      for (CompletableFuture<HttpResponse<String>> f : all) {
        HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertFalse(body.get("over").asBoolean(), "a worker was given a second request at once: " + r.body());
        byWorker.merge(body.get("worker").asText(), 1, Integer::sum);
      }
      assertEquals(2, byWorker.size(), "both workers served: " + byWorker);
    }
  }

  @Test
  void aFullQueueAndATimedOutWaitAnswer503WithTheirJson() throws Exception {
    String app = "instances = 1, route { prefix = \"/\", max-concurrency = 1, queue { max-length = 1, timeout = 2s } }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", app))) {
      CompletableFuture<HttpResponse<String>> holding = holdTheOnlyWorker(h, 5000);
      AppQueue q = h.routeOf("web").queue();
      CompletableFuture<HttpResponse<String>> waiting = getAsync(h, "/busy?ms=5&seq=wait");
      await("one request waits", () -> q.depth() == 1);

      HttpResponse<String> full = h.get("/busy?ms=5&seq=full");
      assertEquals(503, full.statusCode());
      assertTrue(full.body().startsWith("{\"status\":503,\"error\":\"queue full: "), full.body());
      assertTrue(full.body().contains("\"app\":\"web\""), full.body());
      assertEquals("1", full.headers().firstValue("retry-after").orElse(null));

      HttpResponse<String> late = waiting.get(30, TimeUnit.SECONDS);
      assertEquals(503, late.statusCode());
      assertTrue(late.body().startsWith("{\"status\":503,\"error\":\"queue timeout: no worker was free within 2000ms\""), late.body());
      assertTrue(late.headers().firstValue("retry-after").isPresent());
      assertEquals(200, holding.get(30, TimeUnit.SECONDS).statusCode());
      assertEquals(1, metric(h, "drover_http_errors_total", "app=\"web\",kind=\"queue_full\""), 0.1);
      assertEquals(1, metric(h, "drover_http_errors_total", "app=\"web\",kind=\"queue_timeout\""), 0.1);
      assertEquals(200, h.get("/busy?ms=5&seq=after").statusCode(), "the slots are all back");
    }
  }

  @Test
  void aClientThatLeavesWhileQueuedIsNeverForwarded() throws Exception {
    String app = "instances = 1, route { prefix = \"/\", max-concurrency = 1 }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", app))) {
      CompletableFuture<HttpResponse<String>> holding = holdTheOnlyWorker(h, 1500);
      AppQueue q = h.routeOf("web").queue();
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", h.server.port())) {
        s.getOutputStream().write("GET /busy?ms=5&seq=gone HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        s.getOutputStream().flush();
        await("the request waits", () -> q.depth() == 1);
      }
      await("the request left the queue when its client did", () -> q.depth() == 0);
      assertTrue(holding.get(30, TimeUnit.SECONDS).body().contains("\"seq\":\"hold\""));
      HttpResponse<String> seen = h.get("/seen");
      assertEquals("[\"hold\"]", seen.body(), "the worker was never given the request of the client that left");
      // the slot of /seen goes back just after its answer is flushed: waited for, not raced
      await("its slot was not lost either", () -> h.routeOf("web").endpoints()[0].inFlight() == 0);
    }
  }

  @Test
  void aRequestAnsweredWhileQueuedLeavesTheQueue() throws Exception {
    String app = "instances = 1, route { prefix = \"/\", max-concurrency = 1 }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", app))) {
      CompletableFuture<HttpResponse<String>> holding = holdTheOnlyWorker(h, 3000);
      AppQueue q = h.routeOf("web").queue();
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", h.server.port())) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("POST /busy?seq=broken HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes());
        s.getOutputStream().flush();
        await("the request waits", () -> q.depth() == 1);
        s.getOutputStream().write("zz\r\n".getBytes()); // not a chunk size: 400 while it waits
        s.getOutputStream().flush();
        String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
      }
      assertEquals(0, q.depth(), "its place in the queue went with it");
      assertFalse(holding.isDone(), "(checked while the worker was still busy)");
      assertEquals(200, holding.get(30, TimeUnit.SECONDS).statusCode());
      assertEquals("[\"hold\"]", h.get("/seen").body());
    }
  }

  @Test
  void aWorkerFailingInARowIsEjectedForAWhileNeverMoreThanHalf() throws Exception {
    String app = "instances = 2, route { prefix = \"/\", outlier { consecutive-failures = 3, base-ejection-time = 4s } }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", app))) {
      h.awaitReady("web", 2);
      TestProbe<RouteEvent> events = kit.createTestProbe(RouteEvent.class);
      kit.system().eventStream().tell(new EventStream.Subscribe<>(RouteEvent.class, events.getRef()));
      int failures = 0;
      for (int i = 0; i < 20 && failures < 3; i++) {
        failures += h.get("/status?on=0").statusCode() == 500 ? 1 : 0;
      }
      RouteEvent out = events.expectMessageClass(RouteEvent.class, Duration.ofSeconds(10));
      assertFalse(out.inRotation());
      assertTrue(out.worker().startsWith("web-0@"), out.worker());
      assertTrue(out.detail().contains("failed 3 times in a row (last: status 500)"), out.detail());
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> r = h.get("/status?on=0");
        assertEquals(200, r.statusCode(), "the ejected worker gets nothing");
      }
      RouteEvent back = events.expectMessageClass(RouteEvent.class, Duration.ofSeconds(10));
      assertTrue(back.inRotation(), back.toString());
      assertTrue(h.routeOf("web").endpoints()[0].available());
      assertEquals(1, metric(h, "drover_http_ejections_total", "app=\"web\""), 0.1);

      // every worker failing: one of two may be out at once, never both
      for (int i = 0; i < 30; i++) {
        h.get("/status?on=all");
        long ejected = java.util.Arrays.stream(h.routeOf("web").endpoints()).filter(e -> e.ejected).count();
        assertTrue(ejected <= 1, "at most half of the workers are ejected");
      }
      assertTrue(java.util.Arrays.stream(h.routeOf("web").endpoints()).anyMatch(Endpoint::available));
    }
  }

  @Test
  void aSpentRetryBudgetAnswersInsteadOfRetrying() throws Exception {
    String app = "instances = 2, route { prefix = \"/\", retries = 2, outlier.consecutive-failures = 0,"
        + " retry-budget { percent = 0, min-per-second = 0 } }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("up", app))) {
      h.awaitReady("up", 2);
      HttpResponse<String> denied = null;
      for (int i = 0; i < 100 && denied == null; i++) { // round-robin: instance 0, which drops it, comes round
        HttpResponse<String> r = h.client.send(HttpRequest.newBuilder(h.uri("/upload?die=0"))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 502) {
          denied = r;
        } else {
          assertEquals(200, r.statusCode(), r.body());
          Thread.sleep(20);
        }
      }
      assertNotNull(denied, "instance 0 was given one of 100 requests");
      assertTrue(denied.body().contains("retry budget spent"), denied.body());
      assertEquals(0, metric(h, "drover_http_retries_total", "app=\"up\""), 0.1);
      assertTrue(metric(h, "drover_http_retries_denied_total", "app=\"up\"") >= 1);
    }
  }

  @Test
  void aStickyKeyStaysOnOneWorker() throws Exception {
    String app = "instances = 3, route { prefix = \"/\", balancer = sticky, sticky.header = \"x-user\", max-concurrency = 4 }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", app))) {
      h.awaitReady("web", 3);
      Set<String> workers = new HashSet<>();
      for (int u = 0; u < 12; u++) {
        String first = null;
        for (int i = 0; i < 4; i++) {
          HttpResponse<String> r = h.client.send(HttpRequest.newBuilder(h.uri("/echo")).header("x-user", "user-" + u).build(),
              HttpResponse.BodyHandlers.ofString());
          String worker = r.headers().firstValue("x-worker").orElseThrow();
          first = first == null ? worker : first;
          assertEquals(first, worker, "user-" + u + " moved");
        }
        workers.add(first);
      }
      assertTrue(workers.size() >= 2, "keys spread over the workers: " + workers);
    }
  }

  @Test
  void killAndRollingRestartFailNoRequestWithQueueingOn() throws Exception {
    String app = "instances = 2, env.MAX_ACTIVE = \"1\", route { prefix = \"/\", max-concurrency = 1 }";
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", app))) {
      h.awaitReady("web", 2);
      List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
      java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        Thread t = new Thread(() -> {
          for (int i = 0; i < 5000 && !stop.get(); i++) {
            try {
              HttpResponse<String> r = h.get("/busy?ms=5&seq=" + i);
              if (r.statusCode() == 200 && !r.body().contains("\"over\":true")) {
                ok.incrementAndGet();
              } else {
                failed.add(r.statusCode() + " " + r.body());
              }
            } catch (Exception e) {
              failed.add(String.valueOf(e));
            }
          }
        });
        t.start();
        clients.add(t);
      }
      await("traffic flows", () -> ok.get() > 50);
      long pid = status(h).workers().get(0).pid();
      io.drover.supervisor.process.ProcFs.signal(io.drover.supervisor.config.Signal.KILL, 0, List.of(pid));
      await("the killed worker is replaced", () -> {
        AppStatus s = status(h);
        return s.workers().stream().allMatch(w -> w.state() == WorkerState.READY) && s.workers().get(0).pid() != pid;
      });
      TestProbe<AppSupervisor.RollingResult> rolled = kit.createTestProbe(AppSupervisor.RollingResult.class);
      h.app("web").tell(new AppSupervisor.RestartRolling(rolled.getRef()));
      assertTrue(rolled.receiveMessage(Duration.ofSeconds(60)).completed());
      int before = ok.get();
      await("traffic flows after the restart", () -> ok.get() > before + 50);
      stop.set(true);
      for (Thread t : clients) {
        t.join(30_000);
      }
      assertEquals(List.of(), failed, "no request failed; " + ok.get() + " served");
    }
  }

  static AppStatus status(FrontHarness h) {
    TestProbe<AppStatus> st = kit.createTestProbe(AppStatus.class);
    h.app("web").tell(new AppSupervisor.GetStatus(st.getRef()));
    AppStatus s = st.receiveMessage();
    assertNotNull(s);
    return s;
  }
}
