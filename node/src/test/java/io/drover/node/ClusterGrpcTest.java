package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.supervisor.process.Ports;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cluster-placed gRPC app ({@code route.protocol = h2c}, one slot) over two real node JVMs: a
 * gRPC client calls the front of the node that holds no slot of it, and the call travels whole
 * to the other node's worker (a grpc-java server, {@link GrpcWorker}) through that node's
 * loopback gateway, and back with its trailers: unary and server-streaming calls end OK, a
 * worker's error status arrives as the worker wrote it, and a worker dying with the call ends it
 * UNAVAILABLE with the front's reason, not with a cut connection.
 */
class ClusterGrpcTest {
  static final ObjectMapper json = new ObjectMapper();
  static final Path WORKER = ClusterPlacementTest.WORKER;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final List<NodeJvm> nodes = new ArrayList<>();
  @RegisterExtension final NodeLogsOnFailure logs = new NodeLogsOnFailure(nodes);
  Path dir;
  String marker;
  ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("drover-cluster-grpc-test");
    marker = UUID.randomUUID().toString();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    List<Long> left = NodeJvm.cleanUp(nodes, marker, dir);
    assertEquals(List.of(), left, "processes left running");
  }

  record Ports3(int cluster, int http, int api) {
    static Ports3 free() {
      return new Ports3(Ports.freeLoopbackPort(), Ports.freeLoopbackPort(), Ports.freeLoopbackPort());
    }

    String address() {
      return "pekko://drover@127.0.0.1:" + cluster;
    }
  }

  void start(int i, Ports3 p, int seedPort) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path conf = dir.resolve("n" + i + ".conf");
    Files.writeString(conf,
        "drover {\n home = \"" + dir.resolve("home" + i) + "\"\n http.port = " + p.http() + "\n http.http2.h2c = on\n"
            + " management.port = " + p.api() + "\n"
            + " cluster { enabled = on, port = " + p.cluster() + ", seed-nodes = [\"127.0.0.1:" + seedPort + "\"] }\n"
            + " apps.grpc {\n   command = [\"" + java + "\", \"-Xmx64m\", \"-XX:+UseSerialGC\", \"-XX:TieredStopAtLevel=1\", \"-cp\", \""
            + System.getProperty("java.class.path") + "\", \"" + GrpcWorker.class.getName() + "\"]\n"
            + "   instances = 1\n   placement = cluster\n   readiness { type = tcp, timeout = 60s }\n"
            + "   route { prefix = \"/\", protocol = h2c, request-timeout = 30s }\n   stop.drain-timeout = 5s\n }\n"
            + " apps.web {\n   command = [\"node\", \"" + WORKER + "\", \"--listen\"]\n   instances = 1\n   placement = cluster\n"
            + "   max-body = 1M\n   route { prefix = \"/web\", request-timeout = 30s }\n   stop.drain-timeout = 5s\n }\n"
            + "}\n");
    nodes.add(NodeJvm.start(marker, List.of("-Xmx160m", "-DDROVER_LOG_LEVEL=INFO"), "run", conf.toString()));
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

  /** Whether both nodes are up members, as node {@code api} sees it. */
  boolean bothUp(int api, Ports3[] p) {
    JsonNode cluster = get(api, "/cluster");
    int up = 0;
    for (JsonNode m : cluster == null ? json.createArrayNode() : cluster.path("members")) {
      String a = m.path("address").asText();
      if ((a.equals(p[0].address()) || a.equals(p[1].address())) && m.path("status").asText().equals("up")) {
        up++;
      }
    }
    return up == 2;
  }

  /** The ready worker of app grpc (its node and pid) as node {@code api} sees it, or null. */
  JsonNode readyWorker(int api) {
    return readyWorker(api, "grpc");
  }

  /** The ready worker of an app (its node and pid) as node {@code api} sees it, or null. */
  JsonNode readyWorker(int api, String name) {
    JsonNode app = get(api, "/apps/" + name);
    for (JsonNode w : app == null ? json.createArrayNode() : app.path("workers")) {
      if (w.path("state").asText().equals("ready") && w.hasNonNull("node") && w.path("pid").asLong() > 0) {
        return w;
      }
    }
    return null;
  }

  /**
   * HTTP/1.1 requests and answers larger than Artery's ordinary frame (256 KiB) cross nodes up to
   * the app's max-body (1M) and drover.cluster.max-message (2M); more gets an answer at once:
   * 413 for a body over max-body (declared or chunked), the policy's 502 for a larger answer.
   */
  void webAcrossNodes(Ports3[] p, String holder) throws Exception {
    Ports3 caller = holder.equals(p[0].address()) ? p[1] : p[0];
    String base = "http://127.0.0.1:" + caller.http() + "/web";
    System.out.println("the web slot runs on " + holder + "; requests go to the front of " + caller.address());
    HttpResponse<String> hello = null;
    long t0 = System.nanoTime();
    for (int k = 0; k < 300 && System.nanoTime() - t0 < Duration.ofSeconds(60).toNanos(); k++) {
      try {
        hello = send(HttpRequest.newBuilder(URI.create(base + "/")).GET());
      } catch (java.io.IOException e) {
        hello = null; // the front not listening yet is not expected, but a reset on a loaded box may be
      }
      if (hello != null && hello.statusCode() == 200) {
        break;
      }
      Thread.sleep(200);
    }
    assertTrue(hello != null && hello.statusCode() == 200 && hello.body().startsWith("hello from web-"),
        "the other node's web worker answers: " + (hello == null ? null : hello.statusCode() + " " + hello.body()));

    byte[] body = new byte[600_000];
    java.util.Arrays.fill(body, (byte) 'b');
    long t1 = System.nanoTime();
    HttpResponse<String> echo = send(HttpRequest.newBuilder(URI.create(base + "/echo"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    assertEquals("200 600000", echo.statusCode() + " " + echo.body(), "a 600 KB POST through the front without the slot");
    System.out.println("600 KB POST answered across nodes in " + (System.nanoTime() - t1) / 1_000_000 + " ms");

    HttpResponse<String> bytes = send(HttpRequest.newBuilder(URI.create(base + "/bytes?n=600000")).GET());
    assertEquals(200, bytes.statusCode());
    assertEquals(600_000, bytes.body().length(), "a 600 KB answer arrives whole");

    byte[] over = new byte[1_200_000]; // max-body is 1M
    long t2 = System.nanoTime();
    HttpResponse<String> declared = send(HttpRequest.newBuilder(URI.create(base + "/echo"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(over)));
    HttpResponse<String> chunked = send(HttpRequest.newBuilder(URI.create(base + "/echo"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(over))));
    long overMs = (System.nanoTime() - t2) / 1_000_000;
    assertEquals(413, declared.statusCode(), declared.body());
    assertEquals("request body larger than max-body (1048576 bytes)", json.readTree(declared.body()).path("error").asText(), declared.body());
    assertEquals(413, chunked.statusCode(), chunked.body());
    assertEquals("request body larger than max-body (1048576 bytes)", json.readTree(chunked.body()).path("error").asText(), chunked.body());

    long t3 = System.nanoTime();
    HttpResponse<String> huge = send(HttpRequest.newBuilder(URI.create(base + "/bytes?n=3000000")).GET());
    long hugeMs = (System.nanoTime() - t3) / 1_000_000;
    assertEquals(502, huge.statusCode(), huge.body());
    assertTrue(huge.body().contains("larger than one message between nodes carries"), huge.body());
    assertTrue(overMs < 10_000 && hugeMs < 10_000, "answered at once, not at the time-out: 413s in " + overMs + " ms, 502 in " + hugeMs + " ms");
    System.out.println("413s in " + overMs + " ms; a 3 MB answer: " + huge.statusCode() + " in " + hugeMs + " ms: " + huge.body());
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws java.io.IOException, InterruptedException {
    return client.send(request.version(HttpClient.Version.HTTP_1_1).timeout(Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static CallOptions deadline() {
    return CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Test
  void aFrontWithoutASlotOfAGrpcAppServesItsCallsByAnotherNodesWorker() throws Exception {
    Ports3[] p = {Ports3.free(), Ports3.free()};
    start(0, p[0], p[0].cluster());
    start(1, p[1], p[0].cluster());
    JsonNode worker = null;
    long until = System.nanoTime() + Duration.ofSeconds(180).toNanos(); // three JVMs starting on a loaded 2-core box
    JsonNode web = null;
    while (System.nanoTime() < until && (worker == null || web == null || !bothUp(p[0].api(), p))) {
      Thread.sleep(200);
      worker = readyWorker(p[0].api());
      web = readyWorker(p[0].api(), "web");
    }
    assertTrue(worker != null && web != null && bothUp(p[0].api(), p), "two members up and the slots ready: " + worker + ", " + web);
    String holder = worker.path("node").asText();
    long pid = worker.path("pid").asLong();
    Ports3 caller = holder.equals(p[0].address()) ? p[1] : p[0];
    assertNotEquals(holder, caller.address());
    System.out.println("the slot runs on " + holder + " (pid " + pid + "); calls go to the front of " + caller.address());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", caller.http()).usePlaintext().build();

    // the caller's front learns of the other node's worker through the cluster-wide receptionist
    String first = null;
    StatusRuntimeException last = null;
    long t0 = System.nanoTime();
    for (int k = 0; k < 600 && first == null && System.nanoTime() - t0 < Duration.ofSeconds(60).toNanos(); k++) {
      try {
        first = ClientCalls.blockingUnaryCall(channel, GrpcWorker.UNARY, deadline(), "hello");
      } catch (StatusRuntimeException e) {
        last = e;
        Thread.sleep(200);
      }
    }
    assertEquals(pid + ":hello", first, "answered by the other node's worker; last failure: " + (last == null ? null : last.getStatus()));
    System.out.println("first call answered after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    for (int i = 0; i < 20; i++) {
      assertEquals(pid + ":call " + i, ClientCalls.blockingUnaryCall(channel, GrpcWorker.UNARY, deadline(), "call " + i));
    }

    // a server stream is gathered on the worker's node and arrives whole, then OK in its trailers
    Iterator<String> it = ClientCalls.blockingServerStreamingCall(channel, GrpcWorker.COUNT, deadline(), "300");
    int n = 0;
    while (it.hasNext()) {
      assertEquals(Integer.toString(n), it.next());
      n++;
    }
    assertEquals(300, n);

    // a 590 KB answer (more than Artery's ordinary 256 KiB frame) travels on the large-message lane
    Iterator<String> large = ClientCalls.blockingServerStreamingCall(channel, GrpcWorker.COUNT, deadline(), "60000");
    int m = 0;
    while (large.hasNext()) {
      assertEquals(Integer.toString(m), large.next());
      m++;
    }
    assertEquals(60000, m);

    // an answer larger than one message between nodes carries (drover.cluster.max-message, 2M
    // by default: 250,000 messages are ~2.6 MB) fails at once, UNAVAILABLE with the reason,
    // instead of being dropped unanswered
    long t1 = System.nanoTime();
    StatusRuntimeException tooBig = assertThrows(StatusRuntimeException.class, () -> {
      Iterator<String> big = ClientCalls.blockingServerStreamingCall(channel, GrpcWorker.COUNT, deadline(), "250000");
      while (big.hasNext()) {
        big.next();
      }
    });
    long tooBigMs = (System.nanoTime() - t1) / 1_000_000;
    assertEquals(Status.Code.UNAVAILABLE, tooBig.getStatus().getCode(), tooBig.getStatus().toString());
    assertTrue(String.valueOf(tooBig.getStatus().getDescription()).contains("larger than one message between nodes carries"),
        tooBig.getStatus().toString());
    assertTrue(tooBigMs < 20_000, "failed after " + tooBigMs + " ms, not at the time-out");

    webAcrossNodes(p, web.path("node").asText());

    // the worker's own error status and message cross the hop as it wrote them
    StatusRuntimeException failed = assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, GrpcWorker.FAIL, deadline(), "the answer"));
    assertEquals(Status.Code.NOT_FOUND, failed.getStatus().getCode());
    assertEquals("no such thing: the answer", failed.getStatus().getDescription());

    // the worker dies with the call: the front answers UNAVAILABLE with its reason (a POST is not retried)
    StatusRuntimeException lost = assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, GrpcWorker.HALT, deadline(), "now"));
    assertEquals(Status.Code.UNAVAILABLE, lost.getStatus().getCode(), lost.getStatus().toString());
    String why = String.valueOf(lost.getStatus().getDescription());
    assertTrue(why.contains("worker failed"), "the front's trailers-only answer, not a cut stream: " + lost.getStatus());
    System.out.println("a call whose worker died: " + lost.getStatus());
  }
}
