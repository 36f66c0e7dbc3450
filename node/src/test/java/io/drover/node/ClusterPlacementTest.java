package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.supervisor.process.Ports;
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
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code placement = cluster} over real node JVMs: six slots spread 2/2/2 over three nodes,
 * every front serves every slot, a node killed under load loses no request and its slots run
 * again on the survivors, a joining node takes its share, and scaling from any node changes the
 * whole cluster.
 */
class ClusterPlacementTest {
  static final ObjectMapper json = new ObjectMapper();
  static final Path WORKER = Path.of("../supervisor/src/test/resources/workers/worker.js").toAbsolutePath().normalize();
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final List<NodeJvm> nodes = new ArrayList<>();
  @RegisterExtension final NodeLogsOnFailure logs = new NodeLogsOnFailure(nodes);
  Path dir;
  String marker;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("drover-placement-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    NodeJvm.cleanUp(nodes, marker, dir);
  }

  /** A node's ports: cluster, front, management API. */
  record Ports3(int cluster, int http, int api) {
    static Ports3 free() {
      return new Ports3(Ports.freeLoopbackPort(), Ports.freeLoopbackPort(), Ports.freeLoopbackPort());
    }
  }

  NodeJvm start(int i, Ports3 p, int seedPort) throws IOException {
    Path conf = dir.resolve("n" + i + ".conf");
    Files.writeString(conf,
        "drover {\n home = \"" + dir.resolve("home" + i) + "\"\n http.port = " + p.http() + "\n management.port = " + p.api() + "\n"
            + " cluster { enabled = on, port = " + p.cluster() + ", seed-nodes = [\"127.0.0.1:" + seedPort + "\"] }\n"
            + " apps.web {\n   command = [\"node\", \"" + WORKER + "\", \"--listen\"]\n   instances = 6\n   placement = cluster\n"
            + "   route.prefix = \"/\"\n   readiness { type = http, path = \"/health\" }\n   stop.drain-timeout = 5s\n }\n"
            + "}\n");
    NodeJvm node = NodeJvm.start(marker, List.of("-Xmx160m", "-DDROVER_LOG_LEVEL=INFO", "-DDROVER_CLUSTER_LOG_LEVEL=INFO"), "run", conf.toString());
    nodes.add(node);
    return node;
  }

  JsonNode get(int port, String path) {
    try {
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(8)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? json.readTree(r.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** Ready slots of app web by node address, as node {@code api} sees them (null: no answer). */
  Map<String, Integer> readyByNode(int api) {
    JsonNode app = get(api, "/apps/web");
    if (app == null) {
      return null;
    }
    Map<String, Integer> byNode = new TreeMap<>();
    for (JsonNode w : app.get("workers")) {
      if (w.get("state").asText().equals("ready") && w.has("node")) {
        byNode.merge(w.get("node").asText(), 1, Integer::sum);
      }
    }
    return byNode;
  }

  /** Milliseconds until the placement seen from {@code api} satisfies {@code done}. */
  long await(int api, Predicate<Map<String, Integer>> done, Duration within, String what) throws InterruptedException {
    long t0 = System.nanoTime();
    Map<String, Integer> last = null;
    while (System.nanoTime() - t0 < within.toNanos()) {
      last = readyByNode(api);
      if (last != null && done.test(last)) {
        return (System.nanoTime() - t0) / 1_000_000;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(what + " not within " + within + "; last seen: " + last);
  }

  static int total(Map<String, Integer> byNode) {
    return byNode.values().stream().mapToInt(Integer::intValue).sum();
  }

  static String address(Ports3 p) {
    return "pekko://drover@127.0.0.1:" + p.cluster();
  }

  /** GETs through a front until stopped; counts answers other than 200 and who answered. */
  final class Load implements AutoCloseable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicInteger ok = new AtomicInteger();
    final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    final Map<String, Integer> answeredBy = new ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicLong slowestMs = new java.util.concurrent.atomic.AtomicLong();
    final List<Thread> threads = new ArrayList<>();

    Load(int frontPort, int threadCount) {
      for (int t = 0; t < threadCount; t++) {
        Thread th = new Thread(() -> {
          for (int n = 0; n < 1_000_000 && running.get(); n++) {
            long sent = System.nanoTime();
            try {
              // a request caught by a node's crash is retried within a second or so; 15 s is a hang
              HttpResponse<String> r = client.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + frontPort + "/")).timeout(Duration.ofSeconds(15)).build(),
                  HttpResponse.BodyHandlers.ofString());
              slowestMs.accumulateAndGet((System.nanoTime() - sent) / 1_000_000, Math::max);
              if (r.statusCode() == 200) {
                ok.incrementAndGet();
                answeredBy.merge(r.body().trim(), 1, Integer::sum);
              } else {
                failures.add(r.statusCode() + " " + r.body());
              }
            } catch (Exception e) {
              failures.add(e.toString());
            }
          }
        });
        th.start();
        threads.add(th);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread th : threads) {
        th.join(40_000);
      }
    }
  }

  @Test
  void slotsSpreadServeFromEveryFrontFailOverRebalanceAndScale() throws Exception {
    Ports3[] p = {Ports3.free(), Ports3.free(), Ports3.free(), Ports3.free()};
    NodeJvm[] n = new NodeJvm[4];
    for (int i = 0; i < 3; i++) {
      n[i] = start(i, p[i], p[0].cluster());
    }
    // six slots, two on each node (a slot placed before all had joined moves, drained, on rebalance)
    long spread = await(p[0].api(), m -> m.size() == 3 && m.values().stream().allMatch(c -> c == 2),
        Duration.ofSeconds(120), "6 slots ready, 2 on each of 3 nodes");
    System.out.println("6 slots ready 2/2/2 after " + spread + " ms");

    // every front serves every slot: requests for other nodes' workers travel as messages
    // (a front learns of workers through the cluster-wide receptionist within a few seconds)
    for (Ports3 node : new Ports3[] {p[0], p[1], p[2]}) {
      TreeSet<String> seen = new TreeSet<>();
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      for (int k = 0; k < 2_000 && seen.size() < 6 && System.nanoTime() < until; k++) {
        HttpResponse<String> r = client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.http() + "/")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        seen.add(r.body().trim());
        Thread.sleep(10);
      }
      assertEquals(6, seen.size(), "front " + node.http() + " reached " + seen);
    }

    try (Load load = new Load(p[0].http(), 4)) {
      Thread.sleep(1_000);
      // a node crashes under load: its slots start again on the survivors
      n[2].signal("KILL");
      long t0 = System.nanoTime();
      await(p[0].api(), m -> total(m) == 6 && !m.containsKey(address(p[2])),
          Duration.ofSeconds(60), "6 slots ready on the 2 survivors");
      long failoverMs = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("node killed: its slots ready on the survivors after " + failoverMs + " ms");
      // its refused cluster port gets it downed at once (without: failure detector + stable-after, 11-14 s)
      assertTrue(failoverMs < 15_000, "failover took " + failoverMs + " ms");

      // a fourth node joins and takes its share once it is up; moved slots are drained first
      n[3] = start(3, p[3], p[0].cluster());
      long up = awaitMember(p[0].api(), address(p[3]), "up", Duration.ofSeconds(120));
      System.out.println("a fourth node is up after " + up + " ms (JVM start and join)");
      long joined = await(p[0].api(), m -> total(m) == 6 && m.getOrDefault(address(p[3]), 0) >= 2,
          Duration.ofSeconds(60), "the joining node hosting slots");
      System.out.println("the joined node hosted its share " + joined + " ms after it was up: " + readyByNode(p[0].api()));
      Thread.sleep(1_000);
      load.close();
      System.out.println("under load: " + load.ok.get() + " answered 200, failed " + load.failures.size()
          + ", slowest " + load.slowestMs.get() + " ms, answered by " + new TreeMap<>(load.answeredBy));
      assertTrue(load.ok.get() > 100, "load ran: " + load.ok.get());
      assertEquals(List.of(), load.failures.subList(0, Math.min(10, load.failures.size())), "requests failed");
    }

    // scaling from any node changes the cluster's desired state: slots 4 and 5 go away everywhere
    HttpResponse<String> scaled = client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p[1].api() + "/apps/web/scale"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"instances\":4}")).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, scaled.statusCode(), scaled.body());
    await(p[3].api(), m -> total(m) == 4, Duration.ofSeconds(60), "4 slots after scaling down");
    // the new desired state reaches a node not written to directly by gossip, within seconds
    JsonNode app = get(p[3].api(), "/apps/web");
    for (long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        (app == null || app.get("instances").asInt() != 4) && System.nanoTime() < end; ) {
      Thread.sleep(200);
      app = get(p[3].api(), "/apps/web");
    }
    assertEquals(4, app.get("instances").asInt(), app.toString());
    assertEquals("cluster", app.get("placement").asText(), app.toString());

    // GET /cluster on any node puts each slot under the member whose worker runs it, as the
    // workers' node fields of GET /apps/web on another node say
    Ports3[] up = {p[0], p[1], p[3]};
    TreeSet<String> upAddresses = new TreeSet<>();
    for (Ports3 node : up) {
      upAddresses.add(address(node));
    }
    JsonNode cluster = null;
    Map<String, TreeSet<Integer>> placed = null;
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    for (int k = 0; k < 300 && System.nanoTime() < until; k++) {
      cluster = get(p[1].api(), "/cluster");
      placed = slotsByNode(get(p[0].api(), "/apps/web"));
      // the CLI below asks node 0, the API node 1: both must have the scaled desired state (gossip)
      JsonNode cluster0 = get(p[0].api(), "/cluster");
      if (cluster != null && placed != null && placed.equals(slotsByMember(cluster))
          && upAddresses.equals(members(cluster)) && cluster.path("apps").path("web").path("ready").asInt() == 4
          && cluster0 != null && "3 members, 4 of 4 slots ready".equals(cluster0.path("detail").asText())) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(placed, slotsByMember(cluster), "slots by member: GET /cluster vs GET /apps/web: " + cluster);
    assertEquals(upAddresses, members(cluster), cluster.toString());
    assertEquals(4, placed.values().stream().mapToInt(TreeSet::size).sum(), placed.toString());
    JsonNode web = cluster.path("apps").path("web");
    assertEquals(4, web.path("declared").asInt(), cluster.toString());
    assertEquals(4, web.path("ready").asInt(), cluster.toString());
    assertEquals(0, web.path("unplaced").size(), cluster.toString());
    assertTrue(cluster.path("slotsKnown").asBoolean(false), cluster.toString());
    assertEquals("3 members, 4 of 4 slots ready", cluster.path("detail").asText(), cluster.toString());

    // drover cluster prints the same: a row per member ending with its slots, a line for web
    CliTest.Result table = CliTest.cliAt("http://127.0.0.1:" + p[0].api(), "cluster");
    assertEquals(0, table.exit(), table.toString());
    System.out.println("drover cluster:\n" + table.out());
    List<String> lines = table.out().lines().toList();
    assertEquals("3 members, 4 of 4 slots ready", lines.get(0), table.out());
    assertTrue(lines.get(1).matches("address\\s+status\\s+roles\\s+reachable\\s+slots"), table.out());
    for (String member : upAddresses) {
      TreeSet<Integer> slots = placed.get(member);
      String cell = slots == null ? "-" : "web:" + String.join(",", slots.stream().map(String::valueOf).toList());
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(member + " ") && l.endsWith(" " + cell)),
          member + " runs " + cell + ": " + table.out());
    }
    assertTrue(lines.contains("web: 4/4 slots ready"), table.out());
    CliTest.Result raw = CliTest.cliAt("http://127.0.0.1:" + p[3].api(), "cluster", "--json");
    assertEquals(0, raw.exit(), raw.toString());
    assertEquals(1, raw.out().lines().count(), raw.out());
    assertEquals(placed, slotsByMember(json.readTree(raw.out())), "--json prints the raw body: " + raw.out());

    // a node that does not answer (paused with SIGSTOP, as a long GC would) is not downed: once
    // it is unreachable, /cluster and /apps/web answer at once with its slots unplaced and why,
    // the others where they run; after SIGCONT it serves its slots again, where they were
    String paused = placed.getOrDefault(address(p[3]), new TreeSet<>()).size()
        >= placed.getOrDefault(address(p[1]), new TreeSet<>()).size() ? address(p[3]) : address(p[1]);
    NodeJvm pausedJvm = paused.equals(address(p[3])) ? n[3] : n[1];
    TreeSet<Integer> lost = placed.getOrDefault(paused, new TreeSet<>());
    assertTrue(!lost.isEmpty(), "4 slots on 3 nodes put some on " + paused + ": " + placed);
    JsonNode during;
    long answeredMs;
    long appMs;
    JsonNode appDuring;
    CliTest.Result duringCli;
    pausedJvm.signal("STOP");
    try {
      long unreachableMs = awaitMember(p[0].api(), paused, "unreachable", Duration.ofSeconds(30));
      System.out.println(paused + " paused: unreachable after " + unreachableMs + " ms");
      java.util.concurrent.CompletableFuture<CliTest.Result> cli = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> CliTest.cliAt("http://127.0.0.1:" + p[0].api(), "cluster"));
      long t1 = System.nanoTime();
      HttpResponse<String> r = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p[0].api() + "/cluster")).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      answeredMs = (System.nanoTime() - t1) / 1_000_000;
      assertEquals(200, r.statusCode(), r.body());
      during = json.readTree(r.body());
      long t2 = System.nanoTime();
      appDuring = get(p[0].api(), "/apps/web");
      appMs = (System.nanoTime() - t2) / 1_000_000;
      duringCli = cli.get(20, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      pausedJvm.signal("CONT");
    }
    System.out.println("GET /cluster with " + paused + " unreachable answered in " + answeredMs + " ms: " + during.path("apps"));
    System.out.println("GET /apps/web with " + paused + " unreachable answered in " + appMs + " ms");
    // 0.5 s on a quiet box; a loaded one gets room
    assertTrue(answeredMs < 2_000, "GET /cluster answered in " + answeredMs + " ms");
    assertTrue(appMs < 2_000, "GET /apps/web answered in " + appMs + " ms");
    assertEquals(4, appDuring.path("workers").size(), appDuring.toString());
    JsonNode webDuring = during.path("apps").path("web");
    assertTrue(webDuring.path("known").asBoolean(false), during.toString());
    TreeSet<Integer> unplaced = new TreeSet<>();
    webDuring.path("unplaced").forEach(i -> unplaced.add(i.asInt()));
    assertEquals(lost, unplaced, "the paused node's slots, and only those, are unplaced: " + during);
    for (int slot : lost) {
      assertTrue(webDuring.path("why").path(Integer.toString(slot)).asText().contains("not placed on any reachable node"), during.toString());
    }
    Map<String, TreeSet<Integer>> others = new TreeMap<>(placed);
    others.remove(paused);
    assertEquals(others, slotsByMember(during), "the other slots stay where they run: " + during);
    assertEquals(4 - lost.size(), webDuring.path("ready").asInt(), during.toString());
    assertEquals(0, duringCli.exit(), duringCli.toString());
    System.out.println("drover cluster with " + paused + " unreachable:\n" + duringCli.out());
    assertTrue(duringCli.out().lines().anyMatch(l -> l.startsWith("web: " + (4 - lost.size()) + "/4 slots ready, unplaced: "
            + lost.first() + " (")),
        duringCli.out());

    // once it runs again, every slot is placed and ready where it was: the paused node was not downed
    long t3 = System.nanoTime();
    JsonNode after = null;
    while (System.nanoTime() - t3 < Duration.ofSeconds(60).toNanos()) {
      after = get(p[0].api(), "/cluster");
      if (after != null && after.path("apps").path("web").path("ready").asInt() == 4
          && after.path("apps").path("web").path("unplaced").isEmpty()) {
        break;
      }
      Thread.sleep(200);
    }
    assertEquals(4, after.path("apps").path("web").path("ready").asInt(), String.valueOf(after));
    System.out.println("all 4 slots placed and ready again " + (System.nanoTime() - t3) / 1_000_000 + " ms after SIGCONT");
    assertTrue(pausedJvm.process().isAlive(), "the paused node still runs");
    assertEquals(placed, slotsByMember(after), "a paused node keeps its slots (it was not downed): " + after);

    // route.prefer-own-node: applied on one node, every front then serves from its own node's slots
    String preferOwn = "drover.apps.web {\n command = [\"node\", \"" + WORKER + "\", \"--listen\"]\n instances = 4\n"
        + " placement = cluster\n route { prefix = \"/\", prefer-own-node = on }\n readiness { type = http, path = \"/health\" }\n"
        + " stop.drain-timeout = 5s\n}\n";
    HttpResponse<String> applied = client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p[0].api() + "/config"))
            .POST(HttpRequest.BodyPublishers.ofString(preferOwn)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, applied.statusCode(), applied.body());
    assertTrue(applied.body().contains("\"changed\":[\"web\"]"), applied.body());
    for (Ports3 node : up) {
      Map<String, TreeSet<Integer>> where = null;
      TreeSet<String> seen = new TreeSet<>();
      boolean own = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      // the slots restart rolling with the new route; then this front answers from its own slots only
      while (!own && System.nanoTime() < deadline) {
        where = slotsByNode(get(node.api(), "/apps/web"));
        TreeSet<Integer> mine = where == null ? null : where.get(address(node));
        if (where != null && mine == null && where.values().stream().mapToInt(TreeSet::size).sum() == 4) {
          own = true; // no slot on this node: it serves from the others', nothing to tell apart
          break;
        }
        seen.clear();
        for (int k = 0; mine != null && k < 12; k++) {
          HttpResponse<String> r = client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.http() + "/")).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
          seen.add(r.body().trim());
        }
        TreeSet<String> expected = new TreeSet<>();
        if (mine != null) {
          mine.forEach(i -> expected.add("hello from web-" + i));
        }
        own = mine != null && seen.equals(expected);
        if (!own) {
          Thread.sleep(500);
        }
      }
      assertTrue(own, "front " + node.http() + " answered from " + seen + " while its node runs " + where);
    }

    // GET /metrics?scope=cluster on one node has every node's workers, each sample labelled by its node; a slot
    // of the rolling restart above may still be starting, so the scrape is read until it matches /apps/web
    String federated = "";
    String missing = "nothing scraped";
    long scrapeDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (missing != null && System.nanoTime() < scrapeDeadline) {
      Map<String, TreeSet<Integer>> running = slotsByNode(get(p[0].api(), "/apps/web"));
      federated = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p[0].api() + "/metrics?scope=cluster"))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body();
      missing = null;
      for (Map.Entry<String, TreeSet<Integer>> node : running == null ? Map.<String, TreeSet<Integer>>of().entrySet() : running.entrySet()) {
        for (int slot : node.getValue()) {
          String sample = "drover_worker_state{node=\"" + node.getKey() + "\",app=\"web\",instance=\"" + slot + "\",state=\"ready\"} 1.0";
          if (!federated.contains(sample)) {
            missing = sample;
          }
        }
      }
      if (running == null) {
        missing = "/apps/web unreadable";
      }
      if (missing != null) {
        Thread.sleep(500);
      }
    }
    assertNull(missing, missing + " in:\n" + federated);
    for (Ports3 node : up) {
      assertTrue(federated.contains("drover_cluster_scrape_success{node=\"" + address(node) + "\"} 1"), federated);
    }
    assertEquals(1, federated.lines().filter(l -> l.equals("# TYPE drover_worker_state gauge")).count(), federated);

    // a stop of a cluster app is the cluster's desired state: slots that move later (their node
    // crashed) are set up stopped on the survivors, and a start runs them all again
    assertEquals(200, post(p[1].api(), "/apps/web/stop").statusCode());
    await(p[0].api(), m -> total(m) == 0 && states(get(p[0].api(), "/apps/web")).equals(Map.of("stopped", 4)),
        Duration.ofSeconds(60), "4 slots stopped");
    Map<String, TreeSet<Integer>> where = slotsByNode(get(p[0].api(), "/apps/web"));
    NodeJvm victim = where.getOrDefault(address(p[3]), new TreeSet<>()).size() >= where.getOrDefault(address(p[1]), new TreeSet<>()).size() ? n[3] : n[1];
    String victimAddress = victim == n[3] ? address(p[3]) : address(p[1]);
    victim.signal("KILL");
    long moved = await(p[0].api(), m -> {
      JsonNode stoppedApp = get(p[0].api(), "/apps/web");
      Map<String, TreeSet<Integer>> now = slotsByNode(stoppedApp);
      return now != null && !now.containsKey(victimAddress) && now.values().stream().mapToInt(TreeSet::size).sum() == 4
          && states(stoppedApp).equals(Map.of("stopped", 4));
    }, Duration.ofSeconds(60), "the crashed node's stopped slots placed on the survivors, still stopped");
    System.out.println("stopped slots of a crashed node placed, stopped, on the survivors after " + moved + " ms: "
        + slotsByNode(get(p[0].api(), "/apps/web")));
    assertEquals(200, post(p[0].api(), "/apps/web/start").statusCode());
    await(p[0].api(), m -> total(m) == 4, Duration.ofSeconds(60), "4 slots ready after a start");

    // a graceful stop of a node hands its slots over (drained) and ends with no shutdown phase
    // timed out and no message dropped in a hand-off; the last node runs all 4
    NodeJvm leaving = victim == n[3] ? n[1] : n[3];
    long t4 = System.nanoTime();
    int before = leaving.all().length(); // what the node printed before: a rebalance's hand-off is not this stop's
    assertTrue(leaving.stop("TERM", Duration.ofSeconds(60)), "the node stopped within 60 s");
    System.out.println("a node stopped gracefully in " + (System.nanoTime() - t4) / 1_000_000 + " ms");
    String out = leaving.all().substring(before);
    assertTrue(out.contains("drover: stopped"), out);
    assertTrue(!out.contains("timed out") && !out.contains("Dropping"), "a clean stop:\n" + out);
    long alone = await(p[0].api(), m -> total(m) == 4 && m.size() == 1, Duration.ofSeconds(60), "4 slots ready on the last node");
    System.out.println("its slots ready on the last node " + alone + " ms after it stopped");
  }

  HttpResponse<String> post(int api, String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + path))
            .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** How many of an app's workers are in each state (null app: empty). */
  static Map<String, Integer> states(JsonNode app) {
    Map<String, Integer> states = new TreeMap<>();
    if (app != null) {
      app.path("workers").forEach(w -> states.merge(w.path("state").asText(), 1, Integer::sum));
    }
    return states;
  }

  /**
   * Milliseconds until node {@code api}'s GET /cluster shows the member at {@code address} as
   * {@code status} ("up"), or as unreachable when {@code status} is "unreachable".
   */
  long awaitMember(int api, String address, String status, Duration within) throws InterruptedException {
    long t0 = System.nanoTime();
    JsonNode last = null;
    while (System.nanoTime() - t0 < within.toNanos()) {
      last = get(api, "/cluster");
      for (JsonNode m : last == null ? json.createArrayNode() : last.path("members")) {
        if (m.path("address").asText().equals(address)
            && (status.equals("unreachable") ? !m.path("reachable").asBoolean(true) : m.path("status").asText().equals(status))) {
          return (System.nanoTime() - t0) / 1_000_000;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(address + " not " + status + " within " + within + "; last seen: " + last);
  }

  /** Slots of app web by member, from GET /cluster (members without any left out). */
  static Map<String, TreeSet<Integer>> slotsByMember(JsonNode cluster) {
    Map<String, TreeSet<Integer>> byMember = new TreeMap<>();
    for (JsonNode m : cluster.path("members")) {
      for (JsonNode i : m.path("slots").path("web")) {
        byMember.computeIfAbsent(m.path("address").asText(), a -> new TreeSet<>()).add(i.asInt());
      }
    }
    return byMember;
  }

  /** Slots of app web by node, from the workers' node fields of GET /apps/web (null: no answer). */
  static Map<String, TreeSet<Integer>> slotsByNode(JsonNode app) {
    if (app == null) {
      return null;
    }
    Map<String, TreeSet<Integer>> byNode = new TreeMap<>();
    for (JsonNode w : app.path("workers")) {
      if (w.hasNonNull("node")) {
        byNode.computeIfAbsent(w.get("node").asText(), a -> new TreeSet<>()).add(w.get("instance").asInt());
      }
    }
    return byNode;
  }

  static TreeSet<String> members(JsonNode cluster) {
    TreeSet<String> members = new TreeSet<>();
    cluster.path("members").forEach(m -> members.add(m.path("address").asText()));
    return members;
  }
}
