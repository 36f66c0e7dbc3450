package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The front between clients and real servers that speak HTTP in their own ways. */
class FrontProtocolTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /** A WebSocket server that sends a frame in the same write as its 101: the frame reaches the client. */
  @Test
  void aWebSocketServerThatSpeaksFirstIsHeard() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("ws", "route.prefix = \"/\""))) {
      h.awaitReady("ws", 1);
      for (int i = 0; i < 20; i++) {
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws =
            h.client.newWebSocketBuilder()
                .buildAsync(java.net.URI.create("ws://127.0.0.1:" + h.server.port() + "/ws?welcome"), new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    got.add(data.toString());
                    w.request(1);
                    return null;
                  }

                  @Override
                  public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                    closed.complete(status);
                    return null;
                  }
                })
                .get(10, TimeUnit.SECONDS);
        assertEquals("welcome from ws-0", got.poll(10, TimeUnit.SECONDS), "connection " + i + " closed: " + closed.getNow(null));
        ws.sendText("and then " + i, true).get(10, TimeUnit.SECONDS);
        assertEquals("ws-0: and then " + i, got.poll(10, TimeUnit.SECONDS), "connection " + i);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        // the worker answers the close with an empty close frame (1005); 1006 would be a cut connection
        assertEquals(1005, closed.get(10, TimeUnit.SECONDS));
      }
    }
  }

  /**
   * Python's http.server answers HTTP/1.0 and closes after each answer; the front answers its
   * HTTP/1.1 clients as HTTP/1.1 (RFC 9110 6.2) and keeps their connection.
   */
  @Test
  void anHttp10ServersAnswersReachHttp11ClientsAsHttp11OnAKeptConnection() throws Exception {
    Path docs = Files.createTempDirectory("drover-http10");
    try {
      Files.writeString(docs.resolve("hello.txt"), "hello over 1.0\n");
      String app = "static {\n command = [\"sh\", \"-c\", \"exec python3 -m http.server $PORT --bind 127.0.0.1 --directory "
          + docs + "\"]\n readiness { type = http, path = \"/hello.txt\" }\n route.prefix = \"/\"\n}\n";
      try (FrontHarness h = new FrontHarness(kit, app)) {
        h.awaitReady("static", 1);
        try (Socket s = new Socket("127.0.0.1", h.server.port())) {
          s.setSoTimeout(10_000);
          OutputStream out = s.getOutputStream();
          InputStream in = new java.io.BufferedInputStream(s.getInputStream());
          for (int i = 0; i < 3; i++) { // one connection: each answer keeps it open for the next request
            out.write("GET /hello.txt HTTP/1.1\r\nHost: docs\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long start = System.nanoTime();
            RawHttp.Answer a = RawHttp.read(in, start, start + Duration.ofSeconds(10).toNanos());
            assertEquals("HTTP/1.1", a.version(), "request " + i);
            assertEquals(200, a.status(), a.toString());
            assertEquals("hello over 1.0\n", a.text());
            assertNotEquals("close", a.header("connection"), "request " + i);
          }
        }
      }
    } finally {
      FrontHarness.deleteTree(docs);
    }
  }
}
