package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.WorkerState;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * gRPC through the front: a grpc-java client over h2c (prior knowledge) to the front's plain
 * port (and over TLS to its TLS port), two grpc-java servers as worker processes of an app with {@code route.protocol = h2c}
 * ({@link GrpcTestServer}). Unary and streaming calls both ways, status trailers, balancing per
 * call, and a worker killed mid-call.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FrontGrpcTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static FrontHarness h;
  static ManagedChannel channel;
  static Path certs;
  static Path[] pair;
  /** The workers' SETTINGS_MAX_CONCURRENT_STREAMS. */
  static final int MAX_CALLS = 2;

  static String grpcApp(String name, int instances) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return name + " {\n"
        + " command = [\"" + java + "\", \"-Xmx64m\", \"-XX:+UseSerialGC\", \"-XX:TieredStopAtLevel=1\", \"-cp\", \""
        + System.getProperty("java.class.path") + "\", \"" + GrpcTestServer.class.getName() + "\"]\n"
        + " instances = " + instances + "\n"
        + " env.GRPC_MAX_CALLS = \"" + MAX_CALLS + "\"\n"
        + " readiness { type = tcp, timeout = 60s }\n"
        + " route { prefix = \"/\", protocol = h2c, request-timeout = 30s }\n"
        + "}\n";
  }

  @BeforeAll
  static void start() throws Exception {
    certs = java.nio.file.Files.createTempDirectory("drover-grpc-test");
    pair = TestCerts.make(certs, "front", "front.test");
    h = new FrontHarness(kit, grpcApp("grpc", 2), "http.http2.h2c = on\n" + FrontTlsTest.tls(pair, ""));
    h.awaitReady("grpc", 2);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", h.server.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      if (h != null) {
        h.close();
      }
      if (certs != null) {
        FrontHarness.deleteTree(certs);
      }
    } finally {
      kit.shutdownTestKit();
    }
  }

  static CallOptions deadline() {
    return CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  static String unary(String request) {
    return ClientCalls.blockingUnaryCall(channel, GrpcTestServer.UNARY, deadline(), request);
  }

  /** gRPC over the TLS listener: h2 by ALPN, as grpc-java's TLS client asks for it; the call is served and balanced like any. */
  @Test
  @Order(0)
  void callsOverTlsAreServed() throws Exception {
    io.grpc.ChannelCredentials tls = io.grpc.TlsChannelCredentials.newBuilder().trustManager(pair[0].toFile()).build();
    ManagedChannel secure = NettyChannelBuilder.forAddress("127.0.0.1", h.server.tlsPort(), tls).build();
    try {
      Map<String, Integer> perWorker = new HashMap<>();
      for (int i = 0; i < 4; i++) {
        String answer = ClientCalls.blockingUnaryCall(secure, GrpcTestServer.UNARY, deadline(), "over tls " + i);
        assertTrue(answer.endsWith(":over tls " + i), answer);
        perWorker.merge(answer.substring(0, answer.indexOf(':')), 1, Integer::sum);
      }
      assertEquals(Map.of("grpc-0", 2, "grpc-1", 2), perWorker);
    } finally {
      secure.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  void unaryCallsAreBalancedPerCallOverBothWorkers() {
    Map<String, Integer> perWorker = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      String answer = unary("hello " + i);
      assertTrue(answer.endsWith(":hello " + i), answer);
      perWorker.merge(answer.substring(0, answer.indexOf(':')), 1, Integer::sum);
    }
    assertEquals(Map.of("grpc-0", 10, "grpc-1", 10), perWorker);
  }

  @Test
  @Order(3)
  void aServerStreamOfManyMessagesArrivesWholeAndInOrder() {
    Iterator<String> it = ClientCalls.blockingServerStreamingCall(channel, GrpcTestServer.COUNT, deadline(), "5000");
    int n = 0;
    while (it.hasNext()) {
      assertEquals(Integer.toString(n), it.next());
      n++;
    }
    assertEquals(5000, n, "every message, then OK in the trailers");
  }

  /** Each message's answer arrives before the next message is sent: nothing waits for a whole body either way. */
  @Test
  @Order(4)
  void bidiStreamingAnswersEachMessageWhileTheCallIsOpen() throws Exception {
    BlockingQueue<String> answers = new ArrayBlockingQueue<>(16);
    CompletableFuture<Status> end = new CompletableFuture<>();
    StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(GrpcTestServer.CHAT, deadline()), new StreamObserver<String>() {
          @Override
          public void onNext(String value) {
            answers.add(value);
          }

          @Override
          public void onError(Throwable t) {
            end.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            end.complete(Status.OK);
          }
        });
    String worker = null;
    for (int i = 0; i < 50; i++) {
      requests.onNext("m" + i);
      String answer = answers.poll(10, TimeUnit.SECONDS);
      assertTrue(answer != null && answer.endsWith(":m" + i), "answer to m" + i + ": " + answer);
      String w = answer.substring(0, answer.indexOf(':'));
      assertTrue(worker == null || worker.equals(w), "one call, one worker");
      worker = w;
    }
    requests.onCompleted();
    assertEquals(Status.Code.OK, end.get(10, TimeUnit.SECONDS).getCode());
  }

  @Test
  @Order(5)
  void aClientStreamReachesTheWorkerWhole() throws Exception {
    CompletableFuture<String> answer = new CompletableFuture<>();
    StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(
        channel.newCall(GrpcTestServer.SUM, deadline()), new StreamObserver<String>() {
          @Override
          public void onNext(String value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    String kilobyte = "x".repeat(1024);
    for (int i = 0; i < 300; i++) {
      requests.onNext(kilobyte);
    }
    requests.onCompleted();
    String sum = answer.get(30, TimeUnit.SECONDS);
    assertTrue(sum.endsWith(":300:307200"), sum);
  }

  @Test
  @Order(6)
  void aWorkersErrorStatusReachesTheClientInItsTrailers() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, GrpcTestServer.FAIL, deadline(), "the answer"));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertEquals("no such thing: the answer", e.getStatus().getDescription());
    assertTrue(unary("after").endsWith(":after"), "the connection is still good");
  }

  /**
   * A worker shutting down gracefully (GOAWAY, then exit): its call in flight is answered, and
   * the calls after it are served, by the other worker or its next process.
   */
  @Test
  @Order(7)
  void aWorkerGoingAwayAnswersItsCallAndTheNextCallsAreServed() throws Exception {
    int readyBefore = h.eventsIn("grpc", WorkerState.READY).size();
    String drained = ClientCalls.blockingUnaryCall(channel, GrpcTestServer.DRAIN, deadline(), "bye");
    assertTrue(drained.endsWith(":drained"), drained);
    for (int i = 0; i < 10; i++) {
      assertTrue(unary("after " + i).endsWith(":after " + i));
    }
    // its process exited: it is restarted (the tests after this one need both workers)
    for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        h.eventsIn("grpc", WorkerState.READY).size() <= readyBefore && System.nanoTime() < end; ) {
      Thread.sleep(20);
    }
    assertTrue(h.eventsIn("grpc", WorkerState.READY).size() > readyBefore, "the drained worker came back");
  }

  /**
   * The worker dies while its answer streams: the call ends UNAVAILABLE (the front's trailers,
   * not a reset stream, which gRPC reads as CANCELLED), and the next call goes to the other worker.
   */
  @Test
  @Order(8)
  void aWorkerKilledMidCallEndsItUnavailableAndTheNextCallSucceedsOnTheOther() throws Exception {
    h.awaitReady("grpc", 2); // the worker that went away before is back
    Iterator<String> it = ClientCalls.blockingServerStreamingCall(channel, GrpcTestServer.TICK, deadline(), "go");
    long pid = Long.parseLong(it.next());
    String first = it.next();
    String victim = first.substring(0, first.indexOf(':'));
    assertTrue(it.next().startsWith(victim + ":tick"));
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> {
      for (int i = 0; i < 10_000 && it.hasNext(); i++) {
        it.next();
      }
    });
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    assertTrue(e.getStatus().getDescription().startsWith("worker failed while answering"), e.getStatus().getDescription());
    String next = unary("next");
    assertTrue(next.endsWith(":next") && !next.startsWith(victim + ":"), "went to the other worker: " + next);
  }

  /** The worker dies before answering a call (not retried: a POST was sent): a trailers-only UNAVAILABLE from the front. */
  @Test
  @Order(9)
  void aWorkerDeadBeforeItsAnswerGetsTheCallATrailersOnlyUnavailable() throws Exception {
    h.awaitReady("grpc", 2);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, GrpcTestServer.HALT, deadline(), "now"));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    assertTrue(e.getStatus().getDescription().startsWith("{\"status\":502,\"error\":\"worker failed: "), e.getStatus().getDescription());
  }

  /**
   * More calls at once than a worker lets one connection carry: the front opens more connections
   * to it instead of going past its limit, and every call is served.
   */
  @Test
  @Order(2)
  void callsBeyondAWorkersStreamLimitGoOverMoreConnections() throws Exception {
    int calls = 6 * MAX_CALLS; // 3 × the limit on each of the two workers
    List<CompletableFuture<String>> all = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      CompletableFuture<String> answer = new CompletableFuture<>();
      ClientCalls.asyncUnaryCall(channel.newCall(GrpcTestServer.HOLD, deadline()), "400", new StreamObserver<String>() {
        @Override
        public void onNext(String value) {
          answer.complete(value);
        }

        @Override
        public void onError(Throwable t) {
          answer.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {}
      });
      all.add(answer);
    }
    Map<String, Integer> connections = new HashMap<>();
    for (CompletableFuture<String> f : all) {
      String answer = f.get(30, TimeUnit.SECONDS);
      connections.merge(answer.substring(0, answer.indexOf(':')), Integer.parseInt(answer.substring(answer.indexOf(':') + 1)), Math::max);
    }
    assertEquals(2, connections.size(), connections.toString());
    connections.forEach((worker, n) -> assertTrue(n >= 3, worker + " was reached over " + n + " connections, its limit is " + MAX_CALLS));
  }
}
