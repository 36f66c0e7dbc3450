package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.node.ClusterPlacementTest.Ports3;
import io.drover.supervisor.process.ProcFs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@code placement = cluster} app with {@code autoscale} over two real node JVMs: slow requests
 * through the younger node's front scale it up across both nodes (decided by the oldest node,
 * from the load of every front), a new config text that declares the same instances and autoscale
 * keeps the slots the load called for, a release that fails within min-healthy-time is reverted
 * on every slot on both nodes and the cluster's config declares the healthy settings again (the
 * slots placed later, moved or scaled up, start on them), idling scales it back to min, once the
 * oldest node leaves the other decides in its place, and the failed config applied again is
 * deployed anew.
 */
class ClusterAutoscaleTest {
  /** The event of a scale-up to max (in one step or two, as the three requests arrive). */
  static final Pattern UP = Pattern.compile("(scaled from [12] to 3 slots: autoscale: .*)");
  /** The event of the scale-down to min once idle. */
  static final Pattern DOWN = Pattern.compile("(scaled from [23] to 1 slots: autoscale: 0 requests.*)");
  /** How the deployment of the failed release ended on a node's slots: gone back, or the healthy settings deployed over it. */
  static final Pattern WEB1_ENDED = Pattern.compile("(web@1 (?:reverted|superseded))");
  static final String WROTE_BACK = "the cluster's config declares them now";
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final ObjectMapper json = new ObjectMapper();
  final List<NodeJvm> nodes = new ArrayList<>();
  @RegisterExtension final NodeLogsOnFailure logs = new NodeLogsOnFailure(nodes);
  Path dir;
  String marker;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-cluster-autoscale-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    assertEquals(List.of(), NodeJvm.cleanUp(nodes, marker, dir), "processes left running by the test");
  }

  NodeJvm start(int i, Ports3 p, int seedPort) throws IOException {
    Path conf = dir.resolve("n" + i + ".conf");
    Files.writeString(conf,
        "drover {\n home = \"" + dir.resolve("home" + i) + "\"\n http.port = " + p.http() + "\n management.port = " + p.api() + "\n"
            + " cluster { enabled = on, port = " + p.cluster() + ", seed-nodes = [\"127.0.0.1:" + seedPort + "\"] }\n"
            + "}\n" + web("\"" + AutoscaleTest.WEB + "\"", ""));
    NodeJvm node = NodeJvm.start(marker, List.of("-Xmx160m", "-DDROVER_LOG_LEVEL=INFO", "-DDROVER_CLUSTER_LOG_LEVEL=INFO"), "run", conf.toString());
    nodes.add(node);
    return node;
  }

  /** App web's settings (as a node's file has them, or as applied later), with its command's arguments and {@code extra} lines. */
  static String web(String command, String extra) {
    return "drover.apps.web {\n command = [\"node\", " + command + "]\n instances = 1\n placement = cluster\n"
        + " route.prefix = \"/\"\n readiness { type = http, path = \"/health\" }\n stop.drain-timeout = 5s\n"
        + " autoscale { min = 1, max = 3, target = 1, scale-down-window = 3s, interval = 250ms }\n" + extra + "}\n";
  }

  /** Ready slots of app web by node address, as node {@code api} sees them (null: no answer). */
  Map<String, Integer> readyByNode(int api) {
    try {
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/apps/web")).timeout(Duration.ofSeconds(8)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return null;
      }
      Map<String, Integer> byNode = new TreeMap<>();
      for (JsonNode w : json.readTree(r.body()).get("workers")) {
        if (w.get("state").asText().equals("ready") && w.has("node")) {
          byNode.merge(w.get("node").asText(), 1, Integer::sum);
        }
      }
      return byNode;
    } catch (Exception e) {
      return null;
    }
  }

  void await(int api, Predicate<Map<String, Integer>> done, Duration within, String what) throws InterruptedException {
    long t0 = System.nanoTime();
    Map<String, Integer> last = null;
    while (System.nanoTime() - t0 < within.toNanos()) {
      last = readyByNode(api);
      if (last != null && done.test(last)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(what + " not within " + within + "; last seen: " + last);
  }

  /** Three requests in flight at once through {@code front} for 10 s: one per slot at target 1. */
  List<CompletableFuture<HttpResponse<String>>> slow(int front) {
    return slow(front, 10_000);
  }

  List<CompletableFuture<HttpResponse<String>>> slow(int front, int ms) {
    List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      slow.add(client.sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front + "/slow?ms=" + ms)).timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    return slow;
  }

  @Test
  void loadAcrossTheClusterScalesSlotsUpAndIdleBackToMinAndAnotherNodeDecidesOnceTheOldestLeaves() throws Exception {
    Ports3[] p = {Ports3.free(), Ports3.free()};
    NodeJvm oldest = start(0, p[0], p[0].cluster());
    await(p[0].api(), m -> ClusterPlacementTest.total(m) == 1, Duration.ofSeconds(120), "the one slot ready");
    NodeJvm younger = start(1, p[1], p[0].cluster());
    younger.awaitLine("management API on", Duration.ofSeconds(120));
    await(p[1].api(), m -> ClusterPlacementTest.total(m) == 1, Duration.ofSeconds(120), "the younger node sees the slot");

    // load at the younger node's front: the oldest decides, from both fronts' figures
    List<CompletableFuture<HttpResponse<String>>> slow = slow(p[1].http());
    String up = oldest.awaitGroup(UP, Duration.ofSeconds(60));
    assertTrue(up.contains("requests in flight or queued on 2 node(s), target 1 per slot"), up);
    await(p[0].api(), m -> ClusterPlacementTest.total(m) == 3 && m.size() == 2, Duration.ofSeconds(90), "3 slots ready on both nodes");
    for (CompletableFuture<HttpResponse<String>> r : slow) {
      assertEquals(200, r.get(60, TimeUnit.SECONDS).statusCode());
    }
    slow = slow(p[1].http(), 25_000); // holds the 3 slots while the config changes below

    // a new text that declares the same instances and autoscale keeps the 3 slots the load called for
    String fresh = "# the same app, applied as a new text\n" + web("\"" + AutoscaleTest.WEB + "\"", "");
    assertApplied(p[1].api(), fresh, "\"changed\":[],\"scaled\":[],\"unchanged\":[\"web\"]");
    oldest.awaitLine("applying config: Applied[added=[], removed=[], changed=[], scaled=[], unchanged=[web]]",
        Duration.ofSeconds(30));
    await(p[0].api(), m -> ClusterPlacementTest.total(m) == 3, Duration.ofSeconds(10), "still 3 slots after the apply");

    // a release whose workers exit 1 within min-healthy-time, once ready: every slot goes back, on both nodes
    String bad = web("\"" + ClusterPlacementTest.WORKER + "\", \"--listen\", \"--exit-after\", \"1500\"",
        " env.TAG = \"bad-" + marker + "\"\n update.min-healthy-time = 5s\n");
    assertApplied(p[1].api(), bad, "\"changed\":[\"web\"],\"scaled\":[]");
    // the first slot to go back has the cluster's config declare the healthy settings again: a slot
    // whose new worker had not died yet by then is deployed them (superseding its deployment)
    List<String> ended = new ArrayList<>();
    for (NodeJvm node : List.of(oldest, younger)) {
      ended.add(node.awaitGroup(WEB1_ENDED, Duration.ofSeconds(60)));
    }
    assertTrue(ended.contains("web@1 reverted"), "some slot went back: " + ended);
    NodeProcessTest.waitFor(() -> ProcFs.withEnvironment("TAG", "bad-" + marker).isEmpty(), Duration.ofSeconds(30),
        "no worker of the failed release left");
    await(p[0].api(), m -> ClusterPlacementTest.total(m) == 3 && m.size() == 2, Duration.ofSeconds(30),
        "3 slots ready on both nodes after the revert");
    System.out.println("reverted: " + ended + " " + ClusterPlacementTest.slotsByNode(json.readTree(get(p[0].api(), "/apps/web"))));
    // the cluster's desired state is the healthy settings again, on every node: slots placed later start on them
    for (int api : new int[] {p[0].api(), p[1].api()}) {
      awaitHealthySettings(api);
    }
    int written = count(oldest, WROTE_BACK) + count(younger, WROTE_BACK);
    assertTrue(written >= 1 && written <= 2, "the healthy settings written back once (twice at most, by both nodes at once): " + written);
    for (CompletableFuture<HttpResponse<String>> r : slow) {
      assertEquals(200, r.get(60, TimeUnit.SECONDS).statusCode());
    }
    // idle over the 3 s scale-down window: back to min (through 2 when the slow requests ended
    // more than a sample apart: the first window that allows fewer still holds a sample of 2)
    String down = oldest.awaitGroup(DOWN, Duration.ofSeconds(60));
    assertTrue(down.contains("scaled"), down);
    await(p[1].api(), m -> ClusterPlacementTest.total(m) == 1, Duration.ofSeconds(60), "1 slot ready after scaling down");
    assertTrue(!younger.all().contains("slots: autoscale:"), "only the oldest node decides:\n" + younger.all());
    assertTrue(get(p[0].api(), "/metrics").contains("drover_autoscale_decisions_total{app=\"web\",direction=\"down\""),
        "the decision counts in the oldest node's metrics");

    // the oldest leaves: its slot moves, and the younger node decides from now on
    assertTrue(oldest.stop("TERM", Duration.ofSeconds(60)), "the oldest node did not stop");
    await(p[1].api(), m -> ClusterPlacementTest.total(m) == 1 && m.size() == 1, Duration.ofSeconds(90), "the slot on the remaining node");
    awaitServed(p[1].http()); // the front routes to the moved slot once it has learned of it
    slow = slow(p[1].http());
    String again;
    try {
      again = younger.awaitGroup(UP, Duration.ofSeconds(60));
    } catch (AssertionError e) {
      for (CompletableFuture<HttpResponse<String>> r : slow) {
        System.out.println("slow request: " + (r.isDone() ? r.handle((x, f) -> x != null ? x.statusCode() + " " + x.body() : f.toString()).join() : "pending"));
      }
      throw e;
    }
    System.out.println("decisions: " + up + " | " + down + " | " + again);
    assertTrue(younger.all().contains("this node decides the autoscaling of cluster-placed apps"), younger.all());
    assertTrue(again.contains("on 1 node(s)"), again);
    await(p[1].api(), m -> ClusterPlacementTest.total(m) == 3, Duration.ofSeconds(60), "3 slots ready on the remaining node");
    for (CompletableFuture<HttpResponse<String>> r : slow) {
      assertEquals(200, r.get(60, TimeUnit.SECONDS).statusCode());
    }
    // the slot moved off the oldest node and the two scaled up since run the settings gone back to
    assertEquals(List.of(), ProcFs.withEnvironment("TAG", "bad-" + marker), "workers of the failed release placed after the revert");
    awaitHealthySettings(p[1].api());
    // the failed config applied again: a new deployment of it, as for a local app
    assertApplied(p[1].api(), bad, "\"changed\":[\"web\"],\"scaled\":[]");
    NodeProcessTest.waitFor(() -> !ProcFs.withEnvironment("TAG", "bad-" + marker).isEmpty(), Duration.ofSeconds(30),
        "a worker of the failed release started again");
    assertTrue(younger.stop("TERM", Duration.ofSeconds(60)), "the node did not stop");
  }

  /** Until node {@code api} shows app web's settings as the healthy release's (no TAG, the autoscale test's worker). */
  void awaitHealthySettings(int api) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode spec = null;
    for (int k = 0; k < 200 && System.nanoTime() < until; k++) {
      spec = json.readTree(get(api, "/apps/web")).get("spec");
      if (spec != null && !spec.get("env").has("TAG") && spec.get("command").toString().contains(AutoscaleTest.WEB.toString())) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node " + api + " does not show the healthy settings of web within 20 s: " + spec);
  }

  static int count(NodeJvm node, String line) {
    return node.all().split(Pattern.quote(line), -1).length - 1;
  }

  /** Until a request through {@code front} is answered 200. */
  void awaitServed(int front) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int last = 0;
    for (int k = 0; k < 600 && System.nanoTime() < until; k++) {
      last = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front + "/")).timeout(Duration.ofSeconds(8)).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode();
      if (last == 200) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the front on " + front + " did not serve within 60 s; last status " + last);
  }

  /** POSTs {@code text} to node {@code api}'s /config; its answer must contain {@code diff}. */
  void assertApplied(int api, String text, String diff) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/config"))
        .POST(HttpRequest.BodyPublishers.ofString(text)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains(diff), r.body());
  }

  String get(int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(8)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}
