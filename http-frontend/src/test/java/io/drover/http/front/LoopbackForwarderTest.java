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
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests from other nodes, passed to a real worker process over loopback: answers come back
 * whole with their headers, kept-alive connections are reused, and a failed attempt comes back
 * as what happened (never sent, lost after sending, timed out) for the calling front's
 * failure policy to decide on.
 */
class LoopbackForwarderTest {
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
    ProcessBuilder pb = new ProcessBuilder("node", FrontHarness.WEB.toString());
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("DROVER_APP", "web");
    pb.environment().put("DROVER_INSTANCE", "7");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    worker = pb.start();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (java.io.IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("web.js did not listen on " + port);
  }

  @AfterAll
  static void stop() throws Exception {
    if (worker != null) {
      worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static Remote.Serve serve(String method, String uri, String body, long id) {
    return new Remote.Serve(method, uri, List.of("host", "example.com", "x-test", "a", "x-test", "b", "connection", "close"),
        body.getBytes(StandardCharsets.UTF_8), id, null);
  }

  static Remote.Answer forward(Remote.Serve m, int to, Duration timeout) throws Exception {
    return forwarder.forward(m, to, timeout, RouteProtocol.HTTP1).toCompletableFuture().get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
  }

  static String body(Remote.Answer a) {
    return new String(a.body(), StandardCharsets.UTF_8);
  }

  @Test
  void answersComeBackWholeWithTheirHeadersOverKeptAliveConnections() throws Exception {
    for (int i = 0; i < 50; i++) {
      Remote.Answer a = forward(serve("POST", "/echo?i=" + i, "x".repeat(i), i), port, Duration.ofSeconds(5));
      assertNull(a.failure(), a.detail());
      assertEquals(i, a.id());
      assertEquals(200, a.status());
      String echo = body(a);
      assertTrue(echo.contains("\"method\":\"POST\"") && echo.contains("/echo?i=" + i), echo);
      assertTrue(echo.contains("\"bodyLength\":" + i + ","), echo);
      assertTrue(echo.contains("\"host\":\"example.com\""), "the client's Host is kept: " + echo);
      assertTrue(echo.contains("\"x-test\":\"a, b\""), "repeated headers arrive: " + echo);
      assertTrue(!echo.contains("close"), "the sender's connection headers stay behind: " + echo);
      assertTrue(a.headers().contains("content-type"), a.headers().toString());
      assertTrue(!a.headers().contains("keep-alive") && !a.headers().contains("content-length"), a.headers().toString());
    }
    assertTrue(forwarder.pooled(port) <= 2, "50 requests in turn went over one kept-alive connection per event loop");
    // a 5 MiB answer arrives whole
    Remote.Answer big = forward(serve("GET", "/download?mb=5", "", 99), port, Duration.ofSeconds(10));
    assertEquals(5 * 1024 * 1024, big.body().length);
    assertEquals((byte) ((123_456 % 65_536) % 251), big.body()[123_456], "web.js repeats a 64 KiB chunk of i % 251");
  }

  @Test
  void aPortNobodyListensOnIsUnreachableSoAnotherWorkerMayTakeEvenAPost() throws Exception {
    Remote.Answer a = forward(serve("POST", "/echo", "x", 1), Ports.freeLoopbackPort(), Duration.ofSeconds(5));
    assertEquals(WorkerFailure.UNREACHABLE, a.failure(), a.detail());
    assertEquals(FailurePolicy.RETRY, FailurePolicy.decide(a.failure(), false, false, 1, a.detail()), "never sent");
  }

  @Test
  void noAnswerInTimeIsATimeOut() throws Exception {
    long t0 = System.nanoTime();
    Remote.Answer a = forward(serve("GET", "/slow?ms=3000", "", 2), port, Duration.ofMillis(500));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(WorkerFailure.TIMED_OUT, a.failure(), a.detail());
    assertTrue(ms >= 450 && ms < 2_500, "answered after " + ms + " ms");
    assertEquals("within 500ms", a.detail());
    // the worker's connection was closed, not pooled: the next request is answered normally
    assertEquals(200, forward(serve("GET", "/", "", 3), port, Duration.ofSeconds(5)).status());
  }

  @Test
  void aWorkerThatDropsTheRequestIsALostAttemptRetriedForAGetOnly() throws Exception {
    try (ServerSocket dropping = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        for (int i = 0; i < 2; i++) {
          try (Socket s = dropping.accept()) {
            InputStream in = s.getInputStream();
            in.read(new byte[4096]); // takes the request, then closes without answering
          } catch (java.io.IOException e) {
            return;
          }
        }
      });
      acceptor.start();
      Remote.Answer post = forward(serve("POST", "/pay", "1", 4), dropping.getLocalPort(), Duration.ofSeconds(5));
      assertEquals(WorkerFailure.LOST, post.failure(), post.detail());
      assertEquals(502, ((FailurePolicy.Respond) FailurePolicy.decide(post.failure(), false, false, 1, post.detail())).status(),
          "a POST the worker may have acted on is not sent again");
      Remote.Answer get = forward(serve("GET", "/", "", 5), dropping.getLocalPort(), Duration.ofSeconds(5));
      assertEquals(WorkerFailure.LOST, get.failure(), get.detail());
      assertEquals(FailurePolicy.RETRY, FailurePolicy.decide(get.failure(), false, true, 1, get.detail()),
          "an idempotent request whose body was kept may go to another worker");
      acceptor.join(5_000);
    }
  }
}
