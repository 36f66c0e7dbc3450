package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.drover.http.management.LocalConfigApplier;
import io.drover.http.management.ManagementServer;
import io.drover.http.management.NodeMetrics;
import io.drover.supervisor.config.ManagementSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow clients on the front and on the management API: many connections that trickle a request
 * head (slowloris), a body that trickles, a client that never reads its answer. Each is closed
 * within a bound set by the idle-timeout or, for a body a worker waits for, the route's
 * request-timeout (docs/config.md, docs/api.md) while a normal client is served quickly, and
 * every connection and file descriptor is released afterwards. A late body is the client's fault
 * (408), unless the front waits on the worker for it (504).
 */
class SlowClientTest {
  /** Both ports' idle-timeout here: http.idle-timeout (front) and pekko.http.server.idle-timeout (API). */
  static final Duration IDLE = Duration.ofSeconds(2);
  /** The route's request-timeout: a body the worker waits for must arrive within it. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
  /** Scheduling slack on top of a bound (2 cores, other builds running). */
  static final Duration SLACK = Duration.ofMillis(1_500);
  static final int SLOW_CONNECTIONS = 200;
  /** A worker that answers every request once its body is in, and never sends 100 Continue. */
  static final String NO_CONTINUE = "const s = require('http').createServer((q, r) => { q.resume(); q.on('end', () => r.end('x')); });"
      + " s.on('checkContinue', () => {}); s.listen(Number(process.env.PORT), '127.0.0.1');";

  static final ActorTestKit kit = ActorTestKit.create(ConfigFactory
      .parseString("pekko.http.server.idle-timeout = " + IDLE.toMillis() + "ms")
      .withFallback(ConfigFactory.load()));
  static FrontHarness h;
  static ManagementServer api;

  @BeforeAll
  static void start() throws Exception {
    h = new FrontHarness(kit, "web { command = [\"node\", \"$WEB\"], instances = 2, route { prefix = \"/\", request-timeout = "
        + REQUEST_TIMEOUT.toMillis() + "ms } }\n"
        // a worker that never says 100 Continue: a client that asks for it waits on the worker
        + "nocontinue { command = [\"node\", \"-e\", \"" + NO_CONTINUE + "\"], readiness.type = tcp,"
        + " route { prefix = \"/no-continue\", request-timeout = " + REQUEST_TIMEOUT.toMillis() + "ms } }",
        "http.idle-timeout = " + IDLE.toMillis() + "ms");
    api = ManagementServer.start(kit.system(), new ManagementSpec(true, "127.0.0.1", 0, Optional.empty()),
        h.supervisor, h.front, new NodeMetrics(h.registry), () -> true, ManagementServer.alone(kit.system()),
        new LocalConfigApplier(kit.system(), h.supervisor, h.front));
    h.awaitReady("web", 2);
    h.awaitReady("nocontinue", 1);
    // the API's first request loads its routes' classes: under load that can take long enough
    // for an unread trickled body to look idle (pekko idle-timeout) before the route reads it
    assertEquals(200, RawHttp.exchange(api.port(), get("/apps"), Duration.ofSeconds(10)).status());
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      api.stop(Duration.ofSeconds(1));
      h.close();
    } finally {
      kit.shutdownTestKit();
    }
  }

  static int front() {
    return h.server.port();
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  }

  /** One slowloris connection: what it got back and when the server closed it. */
  static final class Slow {
    final SocketChannel ch;
    final int port;
    final long opened = System.nanoTime();
    final ByteArrayOutputStream got = new ByteArrayOutputStream();
    long closed;

    Slow(int port) throws IOException {
      this.port = port;
      ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      ch.configureBlocking(false);
      ch.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1)));
    }

    long millis() {
      return (closed - opened) / 1_000_000;
    }

    /** Reads what arrived; notes when the server closed. */
    void poll(ByteBuffer buf) {
      try {
        buf.clear();
        int n = ch.read(buf);
        if (n > 0) {
          got.write(buf.array(), 0, n);
        } else if (n < 0) {
          closed = System.nanoTime();
        }
      } catch (IOException e) {
        closed = System.nanoTime();
      }
    }

    void trickle() {
      try {
        ch.write(ByteBuffer.wrap(new byte[] {'a'}));
      } catch (IOException e) {
        closed = System.nanoTime();
      }
    }
  }

  /** Keeps each open slow connection sending one header byte a second until the server closes it. */
  static void slowloris(List<Slow> slow, Duration within) throws InterruptedException {
    ByteBuffer buf = ByteBuffer.allocate(4096);
    long deadline = System.nanoTime() + within.toNanos();
    long nextByte = System.nanoTime() + 500_000_000L; // half a second off the timeouts, which are whole seconds here
    while (System.nanoTime() < deadline && slow.stream().anyMatch(s -> s.closed == 0)) {
      boolean tick = System.nanoTime() >= nextByte;
      for (Slow s : slow) {
        if (s.closed == 0) {
          s.poll(buf);
          if (tick && s.closed == 0) {
            s.trickle();
          }
        }
      }
      if (tick) {
        nextByte += 1_000_000_000L;
      }
      Thread.sleep(20);
    }
  }

  static void awaitReleased(int fdsBefore) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline
        && (RawHttp.openFds() > fdsBefore + 10 || RawHttp.established(front()) > 0 || RawHttp.established(api.port()) > 0)) {
      Thread.sleep(100);
    }
    assertEquals(0, RawHttp.established(front()), "connections to the front left open");
    assertEquals(0, RawHttp.established(api.port()), "connections to the API left open");
    assertTrue(RawHttp.openFds() <= fdsBefore + 10, "file descriptors: " + fdsBefore + " before, " + RawHttp.openFds() + " after");
  }

  @Test
  void slowlorisOnBothPortsIsClosedWhileANormalClientIsServed() throws Exception {
    int fdsBefore = RawHttp.openFds();
    List<Slow> slow = new ArrayList<>();
    for (int i = 0; i < SLOW_CONNECTIONS; i++) {
      slow.add(new Slow(front()));
      slow.add(new Slow(api.port()));
    }
    Thread loris = new Thread(() -> {
      try {
        slowloris(slow, IDLE.plus(SLACK).plusSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "slowloris");
    loris.start();
    long[] frontMillis = new long[50];
    long[] apiMillis = new long[50];
    try {
      for (int i = 0; i < 50; i++) {
        RawHttp.Answer f = RawHttp.exchange(front(), get("/"), Duration.ofSeconds(1));
        assertEquals(200, f.status(), f.toString());
        assertTrue(f.text().startsWith("hello from web-"), f.toString());
        frontMillis[i] = f.millis();
        RawHttp.Answer a = RawHttp.exchange(api.port(), get("/apps"), Duration.ofSeconds(1));
        assertEquals(200, a.status(), a.toString());
        apiMillis[i] = a.millis();
      }
    } finally {
      loris.join(30_000);
    }
    long[] frontClose = slow.stream().filter(s -> s.port == front()).mapToLong(Slow::millis).sorted().toArray();
    long[] apiClose = slow.stream().filter(s -> s.port == api.port()).mapToLong(Slow::millis).sorted().toArray();
    System.out.printf("slowloris: %d+%d connections; normal client max %d ms (front), %d ms (API); closed after %d..%d ms (front), %d..%d ms (API)%n",
        frontClose.length, apiClose.length, Arrays.stream(frontMillis).max().getAsLong(), Arrays.stream(apiMillis).max().getAsLong(),
        frontClose[0], frontClose[frontClose.length - 1], apiClose[0], apiClose[apiClose.length - 1]);
    int got408 = 0;
    for (Slow s : slow) {
      assertTrue(s.closed != 0, "a slow connection to port " + s.port + " was never closed");
      assertTrue(s.millis() >= IDLE.toMillis() - 100 && s.millis() <= IDLE.plus(SLACK).toMillis(),
          "closed after " + s.millis() + " ms, bound " + IDLE.plus(SLACK).toMillis());
      String answer = s.got.toString(StandardCharsets.ISO_8859_1);
      if (s.port == front()) {
        // a 408, or nothing when a byte sent just after the close drew a reset that dropped it
        assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 408 ") && answer.contains("request head not received"), answer);
        got408 += answer.isEmpty() ? 0 : 1;
      } else {
        assertEquals("", answer, "the API closes without an answer");
      }
      s.ch.close();
    }
    System.out.printf("slowloris: %d of %d front connections got the 408%n", got408, SLOW_CONNECTIONS);
    assertTrue(got408 >= SLOW_CONNECTIONS * 9 / 10, got408 + " of " + SLOW_CONNECTIONS + " got a 408");
    awaitReleased(fdsBefore);
  }

  @Test
  void aBodyThatTricklesIsCutOff() throws Exception {
    int fdsBefore = RawHttp.openFds();
    double timeoutsBefore = errors("web", "timeout");
    int eventsBefore = h.events.size();
    // front, the worker waits for the body: the route's request-timeout ends it
    Trickle toWorker = trickle(front(), "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n");
    // the same after the worker's 100 Continue
    Trickle afterContinue =
        trickle(front(), "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
    // front, the worker answered before the body ended: the rest is discarded for at most the idle-timeout
    Trickle discarded = trickle(front(), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n");
    // API: the body must arrive in full within the idle-timeout
    Trickle toApi = trickle(api.port(), "POST /apps/web/scale HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n");
    for (Trickle t : List.of(toWorker, afterContinue, discarded, toApi)) {
      t.thread.join(20_000);
    }
    System.out.printf("trickled bodies: to a worker %d %d ms, after 100 Continue %d %d ms, discarded %d %d ms, to the API %d %d ms%n",
        toWorker.status, toWorker.closedMillis, afterContinue.status, afterContinue.closedMillis,
        discarded.status, discarded.closedMillis, toApi.status, toApi.closedMillis);
    // 408 from the front's request-timeout: the client, not the worker, is late
    assertEquals(408, toWorker.status, toWorker.answer);
    assertTrue(toWorker.answer.contains("application/json")
        && toWorker.answer.contains("{\"status\":408,\"error\":\"request body not received within request-timeout (3000ms)\"}"),
        toWorker.answer);
    assertTrue(toWorker.answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), toWorker.answer);
    assertTrue(toWorker.closedMillis >= REQUEST_TIMEOUT.toMillis() - 100 && toWorker.closedMillis <= REQUEST_TIMEOUT.plus(SLACK).toMillis(),
        "closed after " + toWorker.closedMillis);
    assertTrue(afterContinue.answer.startsWith("HTTP/1.1 100 Continue\r\n") && afterContinue.answer.contains("HTTP/1.1 408 Request Timeout\r\n")
        && afterContinue.answer.contains("request body not received"), afterContinue.answer);
    assertTrue(afterContinue.closedMillis <= REQUEST_TIMEOUT.plus(SLACK).toMillis(), "closed after " + afterContinue.closedMillis);
    assertEquals(200, discarded.status, discarded.answer);
    assertTrue(discarded.closedMillis >= IDLE.toMillis() - 100 && discarded.closedMillis <= IDLE.plus(SLACK).toMillis(),
        "closed after " + discarded.closedMillis);
    assertEquals(408, toApi.status, toApi.answer);
    assertTrue(toApi.answer.contains("application/json") && toApi.answer.contains("request body not received"), toApi.answer);
    assertTrue(toApi.closedMillis <= IDLE.plus(SLACK).toMillis(), "closed after " + toApi.closedMillis);
    // not held against the workers: no worker timeout counted, none out of rotation, none restarted
    assertEquals(timeoutsBefore, errors("web", "timeout"), "a late client body counted as a worker timeout");
    RouteSnapshot.Route web = h.routeOf("web");
    assertEquals(2, web.endpoints().length);
    for (Endpoint e : web.endpoints()) {
      assertTrue(e.available() && !e.down, e + " was taken out of rotation");
    }
    assertEquals(List.of(), h.events.stream().skip(eventsBefore).toList(), "worker events");
    // the worker connections that got part of a body were closed, not pooled: whole uploads
    // reach a worker whole. Two keep-alive connections, one per event loop (accepted in turn),
    // each send 4 uploads in a row, which the round-robin spreads over both workers; each
    // (event loop, worker) pair's pooled connections are used, the most recently pooled first
    byte[] body = new byte[70_000];
    Arrays.fill(body, (byte) 'u');
    byte[] head = ("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    try (Socket one = new Socket("127.0.0.1", front()); Socket two = new Socket("127.0.0.1", front())) {
      for (Socket s : List.of(one, two)) {
        s.setSoTimeout(2_000);
        InputStream in = new java.io.BufferedInputStream(s.getInputStream());
        for (int i = 0; i < 4; i++) {
          s.getOutputStream().write(head);
          s.getOutputStream().write(body);
          long start = System.nanoTime();
          RawHttp.Answer a = RawHttp.read(in, start, start + Duration.ofSeconds(2).toNanos());
          assertEquals(200, a.status(), a.toString());
          assertTrue(a.text().startsWith("{\"bytes\":" + body.length + ","), a.toString());
        }
      }
    }
    awaitReleased(fdsBefore);
  }

  @Test
  void aBodyTheFrontWaitsOnAWorkerForIsAWorkerTimeout() throws Exception {
    int fdsBefore = RawHttp.openFds();
    double timeoutsBefore = errors("web", "timeout");
    double noContinueBefore = errors("nocontinue", "timeout");
    // the client asked for 100 Continue and the worker never sends it: the client waits on the worker
    Trickle noContinue =
        trickle(front(), "POST /no-continue HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
    // a worker that reads none of a large body (it answers later): the front stops reading the
    // client once the worker connection takes no more, so the body is late by the worker's doing
    byte[] big = new byte[64 << 20];
    RawHttp.Answer stalled = RawHttp.exchange(front(),
        ("POST /slow?ms=" + REQUEST_TIMEOUT.multipliedBy(3).toMillis() + " HTTP/1.1\r\nHost: a\r\nContent-Length: " + big.length + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1),
        big, REQUEST_TIMEOUT.plus(SLACK).plusSeconds(2));
    noContinue.thread.join(20_000);
    System.out.printf("bodies held up by the worker: no 100 Continue %d %d ms, not read %d %d ms%n",
        noContinue.status, noContinue.closedMillis, stalled.status(), stalled.millis());
    assertEquals(504, noContinue.status, noContinue.answer);
    assertTrue(noContinue.answer.contains("worker did not answer within 3000ms"), noContinue.answer);
    assertEquals(504, stalled.status(), stalled.toString());
    assertTrue(stalled.text().contains("worker did not answer within 3000ms"), stalled.toString());
    assertTrue(stalled.millis() >= REQUEST_TIMEOUT.toMillis() - 100 && stalled.millis() <= REQUEST_TIMEOUT.plus(SLACK).toMillis(),
        "answered after " + stalled.millis());
    assertEquals(timeoutsBefore + 1, errors("web", "timeout"));
    assertEquals(noContinueBefore + 1, errors("nocontinue", "timeout"));
    awaitReleased(fdsBefore);
  }

  /** The front's count of errors of a kind it answered for the app (drover.http.errors). */
  static double errors(String app, String kind) {
    io.micrometer.core.instrument.Counter c = h.registry.find("drover.http.errors").tags("app", app, "kind", kind).counter();
    return c == null ? 0 : c.count();
  }

  /** Sends a request head, then one body byte a second; records the answer and when the server closed. */
  static final class Trickle {
    int status;
    String answer = "";
    long closedMillis = -1;
    Thread thread;
  }

  static Trickle trickle(int port, String head) {
    Trickle t = new Trickle();
    t.thread = new Thread(() -> {
      long start = System.nanoTime();
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(200);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = start + Duration.ofSeconds(15).toNanos();
        long nextByte = start;
        byte[] buf = new byte[4096];
        while (System.nanoTime() < deadline) {
          if (System.nanoTime() >= nextByte) {
            try {
              out.write('x');
            } catch (IOException e) {
              // closed: the read below sees the end
            }
            nextByte += 1_000_000_000L;
          }
          int n;
          try {
            n = in.read(buf);
          } catch (java.net.SocketTimeoutException e) {
            continue;
          } catch (IOException e) {
            n = -1;
          }
          if (n < 0) {
            t.closedMillis = (System.nanoTime() - start) / 1_000_000;
            break;
          }
          got.write(buf, 0, n);
        }
        t.answer = got.toString(StandardCharsets.ISO_8859_1);
        t.status = t.answer.startsWith("HTTP/1.1 ") ? Integer.parseInt(t.answer.substring(9, 12)) : 0;
      } catch (IOException e) {
        t.answer = e.toString();
      }
    }, "trickle-" + port);
    t.thread.start();
    return t;
  }

  @Test
  void aClientThatNeverReadsIsClosed() throws Exception {
    int fdsBefore = RawHttp.openFds();
    // front: a 256 MiB download nobody reads
    Socket download = new Socket();
    download.setReceiveBufferSize(64 * 1024);
    download.connect(new InetSocketAddress("127.0.0.1", front()));
    download.getOutputStream().write(get("/download?mb=256").getBytes(StandardCharsets.ISO_8859_1));
    // API: thousands of pipelined requests for the dashboard (23 KB each) whose answers nobody reads
    Socket pipelined = new Socket();
    pipelined.setReceiveBufferSize(64 * 1024);
    pipelined.connect(new InetSocketAddress("127.0.0.1", api.port()));
    int requests = 5_000;
    Thread writer = new Thread(() -> {
      try {
        pipelined.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(requests).getBytes(StandardCharsets.ISO_8859_1));
      } catch (IOException e) {
        // closed by the server
      }
    }, "pipeline-writer");
    writer.start();
    long start = System.nanoTime();
    long deadline = start + IDLE.plus(SLACK).plusSeconds(3).toNanos();
    while (inFlight() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, inFlight(), "the download holds a worker");
    while (inFlight() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    long releasedMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(0, inFlight(), "the stalled download still holds its worker");
    assertTrue(releasedMillis <= IDLE.plus(SLACK).plusSeconds(1).toMillis(), "released after " + releasedMillis + " ms");
    Thread.sleep(IDLE.plus(SLACK).toMillis());
    long downloaded = drain(download);
    long answered = countAnswers(pipelined);
    writer.join(5_000);
    System.out.printf("never-reading clients: download released after %d ms having taken %d of %d bytes; %d of %d pipelined answers before close%n",
        releasedMillis, downloaded, 256L << 20, answered, requests);
    assertTrue(downloaded < (256L << 20), "the whole download was sent");
    assertTrue(answered < requests, "every pipelined request was answered");
    // both ports still serve (the latency of a normal client is measured under slowloris)
    assertEquals(200, RawHttp.exchange(front(), get("/"), Duration.ofSeconds(5)).status());
    assertEquals(200, RawHttp.exchange(api.port(), get("/apps"), Duration.ofSeconds(5)).status());
    awaitReleased(fdsBefore);
  }

  static int inFlight() {
    RouteSnapshot.Route r = h.routeOf("web");
    return r == null ? -1 : Arrays.stream(r.endpoints()).mapToInt(e -> e.inFlight.get()).sum();
  }

  /** Reads a socket to its end (the server closed it); returns the bytes read. */
  static long drain(Socket s) throws IOException {
    s.setSoTimeout(5_000);
    long n = 0;
    byte[] buf = new byte[64 * 1024];
    try (s; InputStream in = s.getInputStream()) {
      for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
        n += r;
      }
    } catch (java.net.SocketException e) {
      // reset: the server closed with unread data
    }
    return n;
  }

  /** Reads a socket to its end and counts the status lines in it. */
  static long countAnswers(Socket s) throws IOException {
    s.setSoTimeout(5_000);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    try (s; InputStream in = s.getInputStream()) {
      for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
        all.write(buf, 0, r);
      }
    } catch (java.net.SocketException e) {
      // reset
    }
    String text = all.toString(StandardCharsets.ISO_8859_1);
    long count = 0;
    for (int i = text.indexOf("HTTP/1.1 200"); i >= 0; i = text.indexOf("HTTP/1.1 200", i + 1)) {
      count++;
    }
    return count;
  }
}
