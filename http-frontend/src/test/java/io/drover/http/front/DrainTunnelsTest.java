package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.AppSupervisor;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A draining worker's tunnels (WebSockets, other upgrades) stay only for stop.tunnel-grace: then a
 * WebSocket client gets a close frame with 1001 "going away" and its connection ends, another
 * upgrade's connection just ends, and the drain does not wait out drain-timeout for them. An
 * ordinary request in flight keeps the whole drain-timeout.
 */
class DrainTunnelsTest {
  static final ActorTestKit kit = ActorTestKit.create();
  /** Close frame, unmasked, status 1001. */
  static final byte[] GOING_AWAY = {(byte) 0x88, 0x02, 0x03, (byte) 0xE9};

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @Test
  void tunnelsOfADrainingWorkerCloseAfterTheGraceWhileARequestKeepsTheDrainTimeout() throws Exception {
    String app = "ws {\n command = [\"node\", \"$WEB\"]\n route.prefix = \"/\"\n"
        + " stop { drain-timeout = 30s, tunnel-grace = 1s }\n}\n";
    try (FrontHarness h = new FrontHarness(kit, app)) {
      h.awaitReady("ws", 1);
      Endpoint worker = h.routeOf("ws").endpoints()[0];
      try (Socket ws = upgrade(h, "websocket"); Socket other = upgrade(h, "foo")) {
        InputStream wsIn = new BufferedInputStream(ws.getInputStream());
        InputStream otherIn = new BufferedInputStream(other.getInputStream());
        assertTrue(head(wsIn).startsWith("HTTP/1.1 101 "), "WebSocket switched");
        assertTrue(head(otherIn).startsWith("HTTP/1.1 101 "), "other upgrade switched");
        CompletableFuture<HttpResponse<String>> slow = h.client.sendAsync(
            HttpRequest.newBuilder(h.uri("/slow?ms=4000")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (worker.inFlight() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(10); // until both tunnels and the request are in flight at the worker
        }
        assertEquals(3, worker.inFlight());

        long t0 = System.nanoTime();
        TestProbe<Done> stopped = kit.createTestProbe(Done.class);
        h.app("ws").tell(new AppSupervisor.StopApp(stopped.getRef()));
        assertArrayEquals(GOING_AWAY, wsIn.readAllBytes(), "the close frame, then EOF");
        long tunnelClosed = System.nanoTime();
        assertEquals(0, otherIn.readAllBytes().length, "a non-WebSocket tunnel ends without a byte");
        HttpResponse<String> r = slow.get(30, TimeUnit.SECONDS);
        long answered = System.nanoTime();
        assertEquals(200, r.statusCode());
        assertEquals("slow from ws-0", r.body());
        assertTrue(tunnelClosed < answered, "the tunnels did not wait for the request");
        stopped.receiveMessage(Duration.ofSeconds(30));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(took < 10_000, "stopped after " + took + "ms (drain-timeout is 30s)");
      }
    }
  }

  /** A raw connection through the front that asks to switch to {@code protocol}. */
  static Socket upgrade(FrontHarness h, String protocol) throws IOException {
    Socket s = new Socket("127.0.0.1", h.server.port());
    s.setSoTimeout(20_000);
    String req = "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: " + protocol + "\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  /** Reads an answer's head, up to and with the blank line. */
  static String head(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed in the head: " + out);
      }
      out.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
