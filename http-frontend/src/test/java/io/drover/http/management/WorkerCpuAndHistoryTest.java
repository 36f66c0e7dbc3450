package io.drover.http.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.http.front.FrontHarnessAccess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CPU per worker (a busy process, an idle one, an actor worker without a process) in the API's
 * worker JSON and the metrics, and the history the dashboard draws, against a real node.
 */
class WorkerCpuAndHistoryTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String APPS = String.join("\n",
      "busy { command = [\"node\", \"-e\", \"for (;;) {}\"], readiness.type = none }",
      "idle { command = [\"node\", \"-e\", \"setInterval(() => {}, 1e9)\"], readiness.type = none }",
      "echo { kind = actor, class = \"io.drover.http.front.TestWorkers$Echo\", readiness.type = none, route.prefix = \"/echo\" }",
      "web { command = [\"node\", \"$WEB\"], instances = 2, route.prefix = \"/\" }");

  FrontHarnessAccess node;
  ManagementServer api;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void start() throws Exception {
    node = FrontHarnessAccess.start(kit, APPS);
    api = TestApi.start(kit, node, Optional.empty());
    node.awaitReady("web", 2);
  }

  @AfterEach
  void stop() throws Exception {
    api.stop(Duration.ofSeconds(1));
    node.close();
  }

  HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode json(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }

  JsonNode worker(String app) throws Exception {
    return json("/apps/" + app).path("workers").path(0);
  }

  /** Polls {@code path} until {@code done} holds (bounded), and answers the last body. */
  JsonNode await(String path, Predicate<JsonNode> done, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode last = json(path);
    while (!done.test(last) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      last = json(path);
    }
    assertTrue(done.test(last), what + ": not within 30 s; last " + path + ": " + last);
    return last;
  }

  @Test
  void aBusyWorkerShowsItsCpuAnIdleOneLittleAndAnActorWorkerNone() throws Exception {
    // node's own start costs CPU: the idle worker comes down to near 0 once it has booted
    // (30 %, not 100: the machine that runs the tests may be busy with other work)
    JsonNode apps = await("/apps", a -> cpu(a, "busy") >= 30 && cpu(a, "idle") < 10,
        "the busy worker at 30 % CPU or more, the idle one under 10 %");
    JsonNode busy = workerOf(apps, "busy");
    JsonNode idle = workerOf(apps, "idle");
    assertTrue(busy.path("cpuPercent").asDouble() > idle.path("cpuPercent").asDouble() + 20, busy + " vs " + idle);
    assertTrue(busy.path("cpuSeconds").asDouble() > 0.3, busy.toString());

    JsonNode actor = worker("echo");
    assertEquals("ready", actor.path("state").asText(), actor.toString());
    assertTrue(actor.path("cpuPercent").isNull() && actor.path("cpuSeconds").isNull(), "no process, no CPU: " + actor);

    String metrics = get("/metrics").body();
    Matcher m = Pattern.compile("(?m)^drover_worker_cpu_seconds_total\\{app=\"busy\",instance=\"0\"} (\\S+)$").matcher(metrics);
    assertTrue(m.find(), metrics);
    assertTrue(Double.parseDouble(m.group(1)) > 0.3, m.group());
    assertTrue(metrics.contains("# TYPE drover_worker_cpu_seconds_total counter"), metrics);
    assertTrue(!metrics.contains("drover_worker_cpu_seconds_total{app=\"echo\""), "an actor worker has no CPU counter");
  }

  @Test
  void historyHoldsRequestRatesLatencyAndEachWorkersCpu() throws Exception {
    for (int i = 0; i < 40; i++) {
      assertEquals(200, node.get("/").statusCode());
    }
    JsonNode h = await("/apps/web/history", b -> max(b.path("requestsPerSecond")) > 0,
        "the requests in web's history");
    assertEquals(MetricsHistory.POINTS, h.path("points").asInt());
    int n = h.path("t").size();
    for (String s : AppHistory.APP_SERIES) {
      assertEquals(n, h.path(s).size(), s + " has a value (or null) per point: " + h);
    }
    double p50 = max(h.path("p50Seconds"));
    double p99 = max(h.path("p99Seconds"));
    assertTrue(p50 > 0 && p50 < 5 && p99 >= p50, "p50 " + p50 + ", p99 " + p99 + ": " + h);
    assertTrue(h.path("queued").path(0).isNull(), "web has no queue (no max-concurrency): " + h);
    assertEquals(2, h.path("workers").size(), h.toString());
    assertTrue(max(h.path("workers").path("0").path("rssBytes")) > 0, h.toString());

    JsonNode busy = await("/apps/busy/history", b -> max(b.path("workers").path("0").path("cpuPercent")) >= 30,
        "the busy worker's CPU in its history");
    assertTrue(busy.path("workers").path("0").path("cpuPercent").size() == busy.path("t").size(), busy.toString());
    JsonNode actor = await("/apps/echo/history", b -> b.path("t").size() > 0, "a point of the actor app");
    assertTrue(actor.path("workers").path("0").path("cpuPercent").path(0).isNull(), actor.toString());

    long last = h.path("t").path(n - 1).asLong();
    JsonNode newer = json("/apps/web/history?since=" + last);
    for (JsonNode t : newer.path("t")) {
      assertTrue(t.asLong() > last, "since=" + last + " answered " + newer);
    }
    assertEquals(400, get("/apps/web/history?since=yesterday").statusCode());
  }

  @Test
  void recentEventsAreKeptForAPageOpenedLater() throws Exception {
    HttpResponse<String> scaled = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/apps/idle/scale"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": 2}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, scaled.statusCode(), scaled.body());
    JsonNode recent = await("/events/recent", b -> {
      for (JsonNode e : b.path("events")) {
        if (e.path("app").asText().equals("idle") && e.path("instance").asInt() == 1 && e.path("state").asText().equals("ready")) {
          return true;
        }
      }
      return false;
    }, "the new idle worker's ready event");
    assertTrue(recent.path("events").size() <= MetricsHistory.EVENTS, recent.toString());
    java.time.Instant before = java.time.Instant.EPOCH;
    for (JsonNode e : recent.path("events")) {
      java.time.Instant at = java.time.Instant.parse(e.path("at").asText());
      assertTrue(!at.isBefore(before), "oldest first: " + recent);
      before = at;
    }
    assertEquals(404, get("/apps/nope/history").statusCode());
  }

  static JsonNode workerOf(JsonNode apps, String app) {
    for (JsonNode a : apps.path("apps")) {
      if (a.path("name").asText().equals(app)) {
        return a.path("workers").path(0);
      }
    }
    return JSON.missingNode();
  }

  /** The CPU % of the app's first worker, NaN when it has none. */
  static double cpu(JsonNode apps, String app) {
    JsonNode c = workerOf(apps, app).path("cpuPercent");
    return c.isNumber() ? c.asDouble() : Double.NaN;
  }

  static double max(JsonNode series) {
    double m = Double.NEGATIVE_INFINITY;
    for (JsonNode v : series) {
      if (v.isNumber()) {
        m = Math.max(m, v.asDouble());
      }
    }
    return m;
  }
}
