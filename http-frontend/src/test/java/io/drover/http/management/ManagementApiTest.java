package io.drover.http.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.http.front.FrontHarnessAccess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The management API's contract (docs/api.md) against a real node in this JVM. */
class ManagementApiTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final ObjectMapper json = new ObjectMapper();
  static final String TOKEN = "s3cret-token-0123456789";

  FrontHarnessAccess node;
  ManagementServer api;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void start() throws Exception {
    node = FrontHarnessAccess.start(kit, "web { command = [\"node\", \"$WEB\"], instances = 2, route.prefix = \"/\" }");
    api = TestApi.start(kit, node, Optional.of(TOKEN));
    node.awaitReady("web", 2);
  }

  @AfterEach
  void stop() throws Exception {
    api.stop(Duration.ofSeconds(1));
    node.close();
  }

  HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return call("GET", path, null, TOKEN);
  }

  HttpResponse<String> post(String path, String body) throws Exception {
    return call("POST", path, body, TOKEN);
  }

  static JsonNode parse(HttpResponse<String> r) throws Exception {
    return json.readTree(r.body());
  }

  static void assertJsonError(HttpResponse<String> r, int status, String error) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
    assertTrue(parse(r).get("error").asText().contains(error), r.body());
  }

  List<Long> pids() throws Exception {
    List<Long> pids = new ArrayList<>();
    parse(get("/apps/web")).get("workers").forEach(w -> pids.add(w.get("pid").asLong()));
    return pids;
  }

  @Test
  void tokenIsRequiredExceptForHealth() throws Exception {
    assertEquals(200, call("GET", "/health", null, null).statusCode());
    assertEquals(200, call("GET", "/", null, null).statusCode(), "the page asks for the token itself");
    HttpResponse<String> script = call("GET", "/dashboard.js", null, null);
    assertEquals(200, script.statusCode(), "the page's script holds no data either");
    assertTrue(script.headers().firstValue("content-type").orElse("").startsWith("application/javascript"), script.headers().toString());
    assertJsonError(call("GET", "/apps/web/history", null, null), 401, "missing or wrong bearer token");
    assertJsonError(call("GET", "/events/recent", null, null), 401, "missing or wrong bearer token");
    assertJsonError(call("GET", "/apps", null, null), 401, "missing or wrong bearer token");
    assertJsonError(call("GET", "/apps", null, "wrong-token-0123456789"), 401, "missing or wrong bearer token");
    assertEquals(200, get("/apps").statusCode());
    assertEquals(200, call("GET", "/ready", null, null).statusCode(), "probes need no token");
  }

  @Test
  void appsListsWorkersWithTheirState() throws Exception {
    JsonNode apps = parse(get("/apps")).get("apps");
    assertEquals(1, apps.size());
    JsonNode web = apps.get(0);
    assertEquals("web", web.get("name").asText());
    assertEquals("running", web.get("state").asText());
    assertEquals(2, web.get("workers").size());
    for (JsonNode w : web.get("workers")) {
      assertEquals("ready", w.get("state").asText());
      assertTrue(w.get("pid").asLong() > 0 && w.get("port").asInt() > 0 && w.get("rssBytes").asLong() > 0, w.toString());
      assertEquals(0, w.get("inFlight").asInt());
    }
    JsonNode one = parse(get("/apps/web"));
    assertEquals("node", one.get("spec").get("command").get(0).asText());
  }

  @Test
  void clusterOfANodeThatRunsAloneIsItselfWithNoSlots() throws Exception {
    HttpResponse<String> r = get("/cluster");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
    JsonNode cluster = parse(r);
    assertEquals(false, cluster.get("clustered").asBoolean(true), r.body());
    assertEquals(kit.system().address().toString(), cluster.get("self").asText(), r.body());
    assertEquals(1, cluster.get("members").size(), r.body());
    JsonNode self = cluster.get("members").get(0);
    assertEquals(cluster.get("self").asText(), self.get("address").asText(), r.body());
    assertEquals("up", self.get("status").asText(), r.body());
    assertTrue(self.get("slots").isObject() && self.get("slots").isEmpty(), "its apps are not placed on a cluster: " + r.body());
    assertTrue(cluster.get("apps").isObject() && cluster.get("apps").isEmpty(), r.body());
    assertEquals(true, cluster.get("slotsKnown").asBoolean(false), r.body());
    assertTrue(cluster.get("detail").asText().contains("runs alone"), r.body());
    assertJsonError(call("GET", "/cluster", null, null), 401, "missing or wrong bearer token");
  }

  @Test
  void badCallsGetJsonErrors() throws Exception {
    assertJsonError(get("/apps/nope"), 404, "no such app");
    assertJsonError(post("/apps/nope/restart", ""), 404, "no such app");
    assertJsonError(post("/apps/web/scale", "{not json"), 400, "body is not JSON");
    assertJsonError(post("/apps/web/scale", "{\"instances\": \"three\"}"), 400, "instances must be an integer");
    assertJsonError(post("/apps/web/scale", "{\"instances\": 0}"), 400, "instances must be an integer");
    assertJsonError(post("/apps/web/scale", "{\"instances\": 1e12}"), 400, "instances must be an integer");
    assertJsonError(post("/apps/web/workers/7/restart", ""), 404, "no such worker");
    assertJsonError(get("/apps/web/logs?tail=-1"), 400, "tail must be");
    assertJsonError(get("/nothing"), 404, "");
    assertJsonError(call("DELETE", "/apps", null, TOKEN), 405, "");
  }

  @Test
  void scaleUpAndDown() throws Exception {
    assertEquals(3, parse(post("/apps/web/scale", "{\"instances\": 3}")).get("instances").asInt());
    node.awaitReady("web", 3);
    // a worker the config does not count (scaled up by the API) has its logs too
    assertEquals(200, get("/apps/web/logs?worker=2&tail=5").statusCode());
    assertJsonError(get("/apps/web/logs?worker=3&tail=5"), 404, "no such worker");
    assertEquals(1, parse(post("/apps/web/scale", "{\"instances\": 1}")).get("instances").asInt());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (parse(get("/apps/web")).get("workers").size() != 1 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(1, parse(get("/apps/web")).get("workers").size());
  }

  @Test
  void restartReplacesEveryWorkerAndOneWorkerAlone() throws Exception {
    List<Long> before = pids();
    JsonNode r = parse(post("/apps/web/restart", ""));
    assertTrue(r.get("completed").asBoolean(), r.toString());
    List<Long> after = pids();
    assertNotEquals(before.get(0), after.get(0));
    assertNotEquals(before.get(1), after.get(1));
    JsonNode one = parse(post("/apps/web/workers/1/restart", ""));
    assertTrue(one.get("completed").asBoolean(), one.toString());
    List<Long> last = pids();
    assertEquals(after.get(0), last.get(0));
    assertNotEquals(after.get(1), last.get(1));
  }

  @Test
  void stopAndStart() throws Exception {
    assertEquals("stopped", parse(post("/apps/web/stop", "")).get("state").asText());
    JsonNode web = parse(get("/apps/web"));
    assertEquals("stopped", web.get("state").asText());
    web.get("workers").forEach(w -> assertEquals("stopped", w.get("state").asText()));
    assertEquals("running", parse(post("/apps/web/start", "")).get("state").asText());
    node.awaitReady("web", 2);
  }

  @Test
  void logsTailAndFollow() throws Exception {
    HttpResponse<String> r = get("/apps/web/logs?worker=0&tail=5");
    assertEquals(200, r.statusCode());
    assertEquals("text/plain; charset=UTF-8", r.headers().firstValue("content-type").orElse(""));
    HttpRequest follow = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/apps/web/logs?worker=0&stream=err&follow=true&tail=0"))
        .header("Authorization", "Bearer " + TOKEN).build();
    HttpResponse<java.io.InputStream> stream = client.send(follow, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals("text/event-stream", stream.headers().firstValue("content-type").orElse(""));
    stream.body().close();
  }

  @Test
  void eventsStreamLifecycleChangesInOrder() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/events"))
        .header("Authorization", "Bearer " + TOKEN).build();
    HttpResponse<java.io.InputStream> stream = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, stream.statusCode());
    long victim = pids().get(0);
    new ProcessBuilder("kill", "-9", Long.toString(victim)).start().waitFor();
    List<String> states = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      for (String line = in.readLine(); line != null && System.nanoTime() < deadline; line = in.readLine()) {
        if (line.startsWith("data:")) {
          JsonNode e = json.readTree(line.substring(5));
          if (e.get("type").asText().equals("worker") && e.get("instance").asInt() == 0) {
            states.add(e.get("state").asText());
            if (states.get(states.size() - 1).equals("ready")) {
              break;
            }
          }
        }
      }
    }
    assertEquals(List.of("failed", "backoff", "starting", "starting", "ready"), states);
  }

  @Test
  void applyAddsChangesAndRemovesApps() throws Exception {
    String bad = "drover.apps.web { command = [], instances = 0 }";
    HttpResponse<String> invalid = post("/config", bad);
    assertJsonError(invalid, 400, "invalid config");
    assertEquals(2, parse(invalid).get("problems").size());

    String base = "drover.app-defaults { env.DROVER_TEST = \"" + node.marker() + "\", readiness { type = http, path = \"/health\" } }\n";
    String web = "drover.apps.web { command = [\"node\", \"" + FrontHarnessAccess.WEB + "\"], instances = 2, route.prefix = \"/\", cwd = \"" + node.dir() + "\" }\n";
    String api2 = "drover.apps.api { command = [\"node\", \"" + FrontHarnessAccess.WEB + "\"], route.prefix = \"/api\" }\n";
    JsonNode dry = parse(post("/config?dry-run=true", base + web + api2));
    assertEquals("[\"api\"]", dry.get("added").toString());
    assertEquals("[\"web\"]", dry.get("unchanged").toString());
    assertEquals(1, parse(get("/apps")).get("apps").size(), "a dry run changes nothing");

    JsonNode added = parse(post("/config", base + web + api2));
    assertEquals("[\"api\"]", added.get("added").toString());
    node.awaitReady("api", 1);
    assertTrue(node.get("/api/x").body().startsWith("hello from api-0"));

    String webChanged = web.replace("instances = 2", "instances = 2, env.COLOR = blue");
    JsonNode changed = parse(post("/config", base + webChanged));
    assertEquals("[\"web\"]", changed.get("changed").toString());
    assertEquals("[\"api\"]", changed.get("removed").toString());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (parse(get("/apps")).get("apps").size() != 1 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(node.get("/api/x").body().startsWith("hello from web-"), "the api route is gone");
  }

  @Test
  void deploymentsAreShownPromotedAndRolledBack() throws Exception {
    JsonNode none = parse(get("/apps/web/deployments"));
    assertTrue(none.get("current").isNull(), none.toString());
    assertEquals(0, none.get("recent").size(), none.toString());
    assertJsonError(post("/apps/web/deployments/promote", ""), 409, "no deployment in progress");
    assertJsonError(post("/apps/web/deployments/rollback", ""), 409, "no earlier healthy settings to roll back to");
    assertJsonError(get("/apps/nope/deployments"), 404, "no such app");
    assertJsonError(post("/apps/nope/deployments/promote", ""), 404, "no such app");

    String base = "drover.app-defaults { env.DROVER_TEST = \"" + node.marker() + "\" }\n";
    String web = "drover.apps.web { command = [\"node\", \"" + FrontHarnessAccess.WEB + "\"], instances = 2, route.prefix = \"/\", cwd = \""
        + node.dir() + "\", env.COLOR = blue, update { canary = 1, auto-promote = off, min-healthy-time = 200ms } }\n";
    JsonNode applied = parse(post("/config", base + web));
    assertEquals("[\"web\"]", applied.get("changed").toString(), applied.toString());
    JsonNode app = awaitDeployment(d -> d.path("state").asText().equals("canary-waiting"));
    JsonNode d = app.get("deployment");
    assertEquals("web@1", d.get("id").asText(), d.toString());
    assertEquals("apply", d.get("cause").asText());
    assertEquals("healthy", d.get("slots").get(0).get("phase").asText(), d.toString());
    assertEquals("pending", d.get("slots").get(1).get("phase").asText(), d.toString());
    assertTrue(d.get("slots").get(0).get("pid").asLong() > 0, d.toString());

    JsonNode promoted = parse(post("/apps/web/deployments/promote", ""));
    assertTrue(promoted.get("done").asBoolean(), promoted.toString());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode all = parse(get("/apps/web/deployments"));
    while (!all.get("current").isNull() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      all = parse(get("/apps/web/deployments"));
    }
    assertEquals("succeeded", all.get("recent").get(0).get("state").asText(), all.toString());
    assertEquals(List.of("done", "done"), List.of(all.get("recent").get(0).get("slots").get(0).get("phase").asText(),
        all.get("recent").get(0).get("slots").get(1).get("phase").asText()));

    JsonNode rolledBack = parse(post("/apps/web/deployments/rollback", ""));
    assertTrue(rolledBack.get("done").asBoolean(), rolledBack.toString());
    JsonNode back = parse(get("/apps/web/deployments")).get("current");
    assertEquals("web@2", back.get("id").asText(), back.toString());
    assertEquals("rollback", back.get("cause").asText(), back.toString());

    // the rollback put the app back on its first settings, and the node holds those as applied:
    // the app shows them, and the rolled-back config applied again is a deployment, not "unchanged"
    JsonNode spec = parse(get("/apps/web")).get("spec");
    assertTrue(spec.get("env").path("COLOR").isMissingNode(), spec.toString());
    JsonNode again = parse(post("/config", base + web));
    assertEquals("[\"web\"]", again.get("changed").toString(), again.toString());
    // web@3 supersedes the rollback, whose new workers had not taken a slot yet: nothing to replace
    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    all = parse(get("/apps/web/deployments"));
    while (!all.get("recent").path(0).path("id").asText().equals("web@3") && System.nanoTime() < deadline) {
      Thread.sleep(100);
      all = parse(get("/apps/web/deployments"));
    }
    assertEquals("web@3", all.get("recent").get(0).get("id").asText(), all.toString());
    assertEquals("superseded", all.get("recent").get(1).get("state").asText(), all.toString());
    assertEquals("blue", parse(get("/apps/web")).get("spec").get("env").path("COLOR").asText());
  }

  /** GET /apps/web once its deployment in progress matches. */
  JsonNode awaitDeployment(java.util.function.Predicate<JsonNode> match) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode app = parse(get("/apps/web"));
    while (!match.test(app.path("deployment")) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      app = parse(get("/apps/web"));
    }
    assertTrue(match.test(app.path("deployment")), app.toString());
    return app;
  }

  @Test
  void applyChecksTheOriginItIsGiven() throws Exception {
    String text = "drover.apps.web { command = [], instances = 0 }";
    Path file = Files.createTempFile(node.dir(), "not-a-dir", ".conf");
    for (String dir : List.of("relative/dir", node.dir().resolve("missing").toString(), file.toString())) {
      HttpResponse<String> r = post("/config?dry-run=true&base-dir=" + enc(dir), text);
      assertJsonError(r, 400, "base-dir must be an absolute path of an existing directory");
      assertEquals(dir, parse(r).get("found").asText(), r.body());
    }
    assertJsonError(post("/config?origin=" + enc("a\nb"), text), 400, "origin must be a file name");
    assertJsonError(post("/config?origin=", text), 400, "origin must be a file name");

    // an invalid text's problems name the origin, not "config"
    HttpResponse<String> named = post("/config?dry-run=true&origin=" + enc("sub/new.conf") + "&base-dir=" + enc(node.dir().toString()), text);
    assertJsonError(named, 400, "invalid config");
    for (JsonNode p : parse(named).get("problems")) {
      assertTrue(p.asText().startsWith("sub/new.conf:1: "), named.body());
    }
    assertEquals(1, parse(get("/apps")).get("apps").size(), "nothing changed");
  }

  static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static final Pattern SAMPLE = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})? (-?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[+-]Inf)$");

  @Test
  void metricsAreValidPrometheusText() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertEquals(200, node.get("/").statusCode());
    }
    HttpResponse<String> r = get("/metrics");
    assertEquals(200, r.statusCode());
    for (String line : r.body().split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        assertTrue(SAMPLE.matcher(line).matches(), "not a Prometheus sample: " + line);
      }
    }
    String body = r.body();
    assertTrue(body.contains("drover_http_requests_total{app=\"web\",status=\"2xx\"} 10.0"), body);
    assertTrue(body.contains("drover_http_request_duration_seconds_bucket{app=\"web\""), body);
    assertTrue(body.contains("drover_worker_state{app=\"web\",instance=\"0\",state=\"ready\"} 1.0"), body);
    assertTrue(body.contains("drover_worker_restarts{app=\"web\",instance=\"1\"} 0.0"), body);
    assertTrue(body.contains("drover_app_state{app=\"web\",state=\"running\"} 1.0"), body);
    assertTrue(body.contains("jvm_memory_used_bytes"), body);
  }
}
