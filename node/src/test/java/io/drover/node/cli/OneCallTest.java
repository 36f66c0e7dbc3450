package io.drover.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One request and its answer over a real loopback socket, from a server that answers with canned bytes. */
class OneCallTest {
  private ServerSocket server;

  @AfterEach
  void closeServer() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  /**
   * Serves one connection: reads the request head (and a body of contentLength bytes), writes
   * {@code answer} unless it is null, then closes unless {@code hold}. Completes with the request.
   */
  CompletableFuture<String> serveOnce(byte[] answer, int contentLength, boolean hold) throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    CompletableFuture<String> request = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (Socket s = server.accept()) {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          got.write(b);
        }
        got.write(in.readNBytes(contentLength));
        request.complete(got.toString(StandardCharsets.UTF_8));
        if (answer != null) {
          s.getOutputStream().write(answer);
          s.getOutputStream().flush();
        }
        if (hold) {
          in.read(); // until the client closes
        }
      } catch (IOException e) {
        request.completeExceptionally(e);
      }
    }, "one-call-test-server");
    t.setDaemon(true);
    t.start();
    return request;
  }

  OneCall.Answer call(String method, byte[] body, long timeoutMillis) throws IOException {
    URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/apps/a%20b?x=1");
    return OneCall.send(uri, method, Map.of("User-Agent", "drover-cli"), body, null, 2000,
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aPostSendsItsBodyAndReadsALengthDelimitedAnswer() throws Exception {
    String json = "{\"app\":\"×\"}";
    byte[] answer = bytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes(json).length
        + "\r\n\r\n" + json + "not part of the answer");
    CompletableFuture<String> request = serveOnce(answer, 15, true);
    OneCall.Answer a = call("POST", bytes("{\"instances\":2}"), 5000);
    assertEquals(200, a.status());
    assertEquals("application/json", a.contentType());
    assertEquals(json, a.body());
    String sent = request.get(5, TimeUnit.SECONDS);
    assertTrue(sent.startsWith("POST /apps/a%20b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n"), sent);
    assertTrue(sent.contains("\r\nUser-Agent: drover-cli\r\n") && sent.contains("\r\nContent-Length: 15\r\n"), sent);
    assertTrue(sent.endsWith("\r\nConnection: close\r\n\r\n{\"instances\":2}"), sent);
  }

  @Test
  void aChunkedAnswerAfterAnInterimOneIsJoined() throws Exception {
    serveOnce(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "4\r\n{\"er\r\na;ext=1\r\nror\":\"no\"}\r\n0\r\nX-Trailer: t\r\n\r\n"), 0, true);
    OneCall.Answer a = call("GET", null, 5000);
    assertEquals(404, a.status());
    assertEquals("{\"error\":\"no\"}", a.body());
  }

  @Test
  void anAnswerWithoutALengthEndsWhenTheNodeCloses() throws Exception {
    serveOnce(bytes("HTTP/1.1 200 OK\r\n\r\nall of it"), 0, false);
    assertEquals("all of it", call("GET", null, 5000).body());
  }

  @Test
  void noAnswerInTimeIsNoAnswer() throws Exception {
    serveOnce(null, 0, true);
    long t0 = System.nanoTime();
    assertThrows(OneCall.NoAnswer.class, () -> call("GET", null, 300));
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "bounded by the deadline");
  }

  @Test
  void aCloseBeforeAnyByteAndATlsRecordAreToldApart() throws Exception {
    serveOnce(null, 0, false);
    IOException closed = assertThrows(IOException.class, () -> call("GET", null, 5000));
    assertTrue(closed.getMessage().contains("received no bytes"), closed.getMessage());
    closeServer();
    serveOnce(new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46}, 0, false);
    IOException tls = assertThrows(IOException.class, () -> call("GET", null, 5000));
    assertEquals("the node answered in TLS", tls.getMessage());
  }

  @Test
  void aTruncatedAnswerIsAnError() throws Exception {
    serveOnce(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), 0, false);
    IOException e = assertThrows(IOException.class, () -> call("GET", null, 5000));
    assertTrue(e.getMessage().contains("in the middle of its answer"), e.getMessage());
  }
}
