package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.Remote;
import io.drover.supervisor.WorkerFailure;
import io.drover.supervisor.config.RouteProtocol;
import io.drover.supervisor.process.Ports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The loopback gateway's h2c path: gRPC calls that came whole from another node's front
 * ({@link Remote.Serve}, gRPC's length-prefixed messages as the body) go to a real grpc-java
 * server ({@link GrpcTestServer}, a worker process) over the front's own HTTP/2 client, and come
 * back whole with their trailers (grpc-status, grpc-message); a failed call comes back as what
 * happened, for the calling front's failure policy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayH2cTest {
  static EventLoopGroup group;
  static LoopbackForwarder forwarder;
  static Process worker;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    Bootstrap backends = new Bootstrap().channel(NioSocketChannel.class).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000);
    forwarder = new LoopbackForwarder(backends, group, Duration.ofSeconds(30), 16, false);
    port = Ports.freeLoopbackPort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), GrpcTestServer.class.getName());
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("DROVER_APP", "grpc");
    pb.environment().put("DROVER_INSTANCE", "7");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    worker = pb.start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a JVM starting on a loaded box
    while (System.nanoTime() < until && worker.isAlive()) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (java.io.IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("GrpcTestServer did not listen on " + port);
  }

  @AfterAll
  static void stop() throws Exception {
    if (worker != null) {
      worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** gRPC's framing of one message: not compressed, 4-byte length, the bytes. */
  static byte[] frame(String message) {
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + m.length).put((byte) 0).putInt(m.length).put(m).array();
  }

  /** The messages of a gRPC body. */
  static List<String> messages(byte[] body) {
    List<String> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(body);
    while (b.remaining() >= 5) {
      assertEquals(0, b.get(), "uncompressed");
      byte[] m = new byte[b.getInt()];
      b.get(m);
      out.add(new String(m, StandardCharsets.UTF_8));
    }
    assertEquals(0, b.remaining(), "whole messages only");
    return out;
  }

  /** A call as the calling front sends it: its client's headers (te: trailers kept for h2c routes), the body gathered. */
  static Remote.Serve call(String method, String message, long id) {
    return new Remote.Serve("POST", "/test.Echo/" + method,
        List.of("host", "grpc.example", "content-type", "application/grpc", "te", "trailers", "grpc-accept-encoding", "identity",
            "x-request-id", "r" + id),
        frame(message), id, null);
  }

  static Remote.Answer forward(Remote.Serve m, int to, Duration timeout) throws Exception {
    return forwarder.forward(m, to, timeout, RouteProtocol.H2C).toCompletableFuture()
        .get(timeout.toMillis() + 15_000, TimeUnit.MILLISECONDS);
  }

  /** The value of {@code name} in a name, value, … list, or null. */
  static String value(List<String> pairs, String name) {
    for (int i = 0; i + 1 < pairs.size(); i += 2) {
      if (pairs.get(i).equals(name)) {
        return pairs.get(i + 1);
      }
    }
    return null;
  }

  @Test
  @Order(1)
  void aUnaryCallComesBackWholeWithItsStatusInTheTrailersOverOneConnectionPerLoop() throws Exception {
    for (int i = 0; i < 20; i++) {
      Remote.Answer a = forward(call("Unary", "hello " + i, i), port, Duration.ofSeconds(20));
      assertNull(a.failure(), a.detail());
      assertEquals(i, a.id());
      assertEquals(200, a.status());
      assertEquals("application/grpc", value(a.headers(), "content-type"), a.headers().toString());
      assertTrue(a.headers().stream().noneMatch(h -> h.startsWith("x-http2-") || h.equals("transfer-encoding")), a.headers().toString());
      assertEquals(List.of("grpc-7:hello " + i), messages(a.body()));
      assertEquals("0", value(a.trailers(), "grpc-status"), "grpc-status in the trailers: " + a.trailers());
    }
    // the server counts the connections it was given: one per event loop at most, kept
    Remote.Answer held = forward(call("Hold", "0", 99), port, Duration.ofSeconds(20));
    String connections = messages(held.body()).get(0);
    assertTrue(connections.equals("grpc-7:1") || connections.equals("grpc-7:2"), connections);
  }

  @Test
  @Order(2)
  void aServerStreamIsGatheredWholeBeforeItsTrailers() throws Exception {
    Remote.Answer a = forward(call("Count", "500", 1), port, Duration.ofSeconds(20));
    assertNull(a.failure(), a.detail());
    List<String> got = messages(a.body());
    assertEquals(500, got.size());
    assertEquals("0", got.get(0));
    assertEquals("499", got.get(499));
    assertEquals("0", value(a.trailers(), "grpc-status"), a.trailers().toString());
  }

  @Test
  @Order(3)
  void aTrailersOnlyErrorKeepsItsStatusAndMessageInTheHead() throws Exception {
    Remote.Answer a = forward(call("Fail", "the answer", 2), port, Duration.ofSeconds(20));
    assertNull(a.failure(), a.detail());
    assertEquals(200, a.status());
    assertEquals("5", value(a.headers(), "grpc-status"), "NOT_FOUND: " + a.headers());
    assertEquals("no such thing: the answer", value(a.headers(), "grpc-message"));
    assertEquals(0, a.body().length);
    assertTrue(a.trailers().isEmpty(), "one HEADERS frame, no trailers: " + a.trailers());
  }

  @Test
  @Order(4)
  void aPortNobodyListensOnIsUnreachable() throws Exception {
    Remote.Answer a = forward(call("Unary", "x", 3), Ports.freeLoopbackPort(), Duration.ofSeconds(10));
    assertEquals(WorkerFailure.UNREACHABLE, a.failure(), a.detail());
    assertEquals(FailurePolicy.RETRY, FailurePolicy.decide(a.failure(), false, false, 1, a.detail()), "never sent: another worker may take it");
  }

  @Test
  @Order(5)
  void noAnswerInTimeIsATimeOutAndTheConnectionServesTheNextCall() throws Exception {
    long t0 = System.nanoTime();
    Remote.Answer a = forward(call("Hold", "5000", 4), port, Duration.ofMillis(500));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(WorkerFailure.TIMED_OUT, a.failure(), a.detail());
    assertTrue(ms >= 450 && ms < 4_000, "answered after " + ms + " ms");
    Remote.Answer next = forward(call("Unary", "after", 5), port, Duration.ofSeconds(20));
    assertEquals(List.of("grpc-7:after"), messages(next.body()));
  }

  /** Last: the worker process halts. */
  @Test
  @Order(6)
  void aWorkerThatDiesWithTheCallIsALostAttemptNotRetriedForAPost() throws Exception {
    Remote.Answer a = forward(call("Halt", "x", 6), port, Duration.ofSeconds(20));
    assertEquals(WorkerFailure.LOST, a.failure(), a.detail());
    assertTrue(worker.waitFor(20, TimeUnit.SECONDS), "the worker halted");
    FailurePolicy.Respond r = (FailurePolicy.Respond) FailurePolicy.decide(a.failure(), false, false, 1, a.detail());
    assertEquals(502, r.status(), "a gRPC call is a POST: not sent again; its client reads 502 as UNAVAILABLE");
  }
}
