package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP/2 towards clients: over TLS by ALPN, and h2c with prior knowledge on the plain port. */
class FrontHttp2Test {
  static final ActorTestKit kit = ActorTestKit.create();
  Path certs;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void dir() throws Exception {
    certs = Files.createTempDirectory("drover-h2-test");
  }

  @AfterEach
  void clean() throws Exception {
    FrontHarness.deleteTree(certs);
  }

  /** Many streams at once on one connection: each request is balanced on its own, bodies travel both ways. */
  @Test
  void concurrentStreamsOfOneConnectionSpreadOverTheWorkers() throws Exception {
    Path[] pair = TestCerts.make(certs, "front", "front.test");
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "instances = 2, route.prefix = \"/\""), FrontTlsTest.tls(pair, ""))) {
      h.awaitReady("web", 2);
      HttpClient c = FrontTlsTest.client(pair[0], HttpClient.Version.HTTP_2);
      String base = "https://127.0.0.1:" + h.server.tlsPort();
      assertEquals(HttpClient.Version.HTTP_2, FrontTlsTest.get(c, base + "/").version()); // the connection, before the burst
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        all.add(c.sendAsync(HttpRequest.newBuilder(URI.create(base + "/busy?ms=200&seq=" + i)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      Map<String, Integer> perWorker = new HashMap<>();
      for (CompletableFuture<HttpResponse<String>> f : all) {
        HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(HttpClient.Version.HTTP_2, r.version());
        perWorker.merge(r.headers().firstValue("x-worker").orElse("?"), 1, Integer::sum);
      }
      assertEquals(Map.of("web-0", 20, "web-1", 20), perWorker);

      byte[] body = new byte[300_000];
      for (int i = 0; i < body.length; i++) {
        body[i] = (byte) (i % 251);
      }
      HttpResponse<String> up = c.send(HttpRequest.newBuilder(URI.create(base + "/upload"))
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(up.body().contains("\"bytes\":300000"), up.body());
      HttpResponse<byte[]> down = c.send(HttpRequest.newBuilder(URI.create(base + "/download?mb=3")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(3 * 1024 * 1024, down.body().length);
      HttpResponse<String> echo = FrontTlsTest.get(c, base + "/echo");
      assertTrue(echo.body().contains("\"x-forwarded-proto\":\"https\""), echo.body());
      assertTrue(echo.body().contains("\"host\":\"127.0.0.1:" + h.server.tlsPort() + "\""), echo.body());
      assertTrue(!echo.body().contains("x-http2"), echo.body());
    }
  }

  @Test
  void curlSpeaksHttp2OverTlsAndWithPriorKnowledge() throws Exception {
    Path[] pair = TestCerts.make(certs, "front", "front.test");
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""),
        FrontTlsTest.tls(pair, "") + "http.http2.h2c = on\n")) {
      h.awaitReady("web", 1);
      assertEquals("hello from web-0\n2", curl("--http2", "--cacert", pair[0].toString(), "https://127.0.0.1:" + h.server.tlsPort() + "/"));
      assertEquals("hello from web-0\n1.1", curl("--http1.1", "--cacert", pair[0].toString(), "https://127.0.0.1:" + h.server.tlsPort() + "/"));
      assertEquals("hello from web-0\n2", curl("--http2-prior-knowledge", "http://127.0.0.1:" + h.server.port() + "/"));
      assertEquals("hello from web-0\n1.1", curl("--http1.1", "http://127.0.0.1:" + h.server.port() + "/"));
    }
  }

  static String curl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-w", "\n%{http_version}"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "curl ended");
    return out.replace("\n\n", "\n").trim();
  }

  /** Opening and resetting streams faster than max-resets per reset-window closes the connection (CVE-2023-44487). */
  @Test
  void aRapidResetFloodClosesTheConnection() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""),
        "http.http2 { h2c = on, max-resets = 20, reset-window = 30s }\n")) {
      h.awaitReady("web", 1);
      ByteArrayOutputStream out = H2Wire.preface();
      byte[] get = getHeaderBlock();
      for (int stream = 1; stream < 2 * 200; stream += 2) {
        H2Wire.frame(out, 1, 0x5, stream, get); // HEADERS, END_STREAM | END_HEADERS
        H2Wire.frame(out, 3, 0, stream, new byte[] {0, 0, 0, 8}); // RST_STREAM CANCEL
      }
      try (Socket s = new Socket("127.0.0.1", h.server.port())) {
        s.setSoTimeout(15_000);
        s.getOutputStream().write(out.toByteArray());
        s.getOutputStream().flush();
        assertGoAwayThenClose(s);
      }
      assertEquals("hello from web-0", h.get("/").body().trim(), "other connections are served");
    }
  }

  /**
   * A header block that never ends (HEADERS without END_HEADERS, then CONTINUATION frames without
   * end, CVE-2024-27316): once it is past what http.max-header-size allows, the front sends GOAWAY
   * and closes the connection, having read only a bounded part of the flood; other connections
   * are served.
   */
  @Test
  void aContinuationFloodClosesTheConnection() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("web", "route.prefix = \"/\""),
        "http { max-header-size = 16K, http2.h2c = on }\n")) {
      h.awaitReady("web", 1);
      ByteArrayOutputStream head = H2Wire.preface();
      byte[] get = getHeaderBlock();
      H2Wire.frame(head, 1, 0x1, 1, get); // HEADERS, END_STREAM, no END_HEADERS
      ByteArrayOutputStream fields = new ByteArrayOutputStream();
      while (fields.size() < 16_000) { // whole literal fields (x-f: 100 bytes), none indexed: a valid, growing block
        fields.write(new byte[] {0x00, 3, 'x', '-', 'f', 100});
        fields.write("a".repeat(100).getBytes(StandardCharsets.US_ASCII));
      }
      ByteArrayOutputStream one = new ByteArrayOutputStream();
      H2Wire.frame(one, 9, 0, 1, fields.toByteArray()); // CONTINUATION, no END_HEADERS
      byte[] continuation = one.toByteArray();
      int frames = 2_000; // 32 MB of header block, far beyond any socket buffer: a front that keeps reading it would hoard it
      try (Socket s = new Socket("127.0.0.1", h.server.port())) {
        s.setSoTimeout(15_000);
        CompletableFuture<Integer> sent = CompletableFuture.supplyAsync(() -> {
          int n = 0;
          try {
            s.getOutputStream().write(head.toByteArray());
            for (; n < frames; n++) {
              s.getOutputStream().write(continuation);
            }
            s.getOutputStream().flush();
          } catch (java.io.IOException e) {
            // the front closed the connection: the flood ends here
          }
          return n;
        });
        assertGoAwayThenClose(s);
        int through = sent.get(15, TimeUnit.SECONDS);
        assertTrue(through < frames, "the front stopped reading the flood (" + through + " of " + frames + " CONTINUATION frames sent)");
      }
      assertEquals("hello from web-0", h.get("/").body().trim(), "other connections are served");
    }
  }

  /** Reads the front's frames on {@code s} until it closes: it must have sent GOAWAY, then closed. */
  private static void assertGoAwayThenClose(Socket s) throws java.io.IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    boolean goAway = false;
    boolean closed = false;
    try {
      for (int frames = 0; frames < 10_000; frames++) {
        int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        in.readUnsignedByte();
        in.readInt();
        in.readNBytes(length);
        goAway |= type == 7;
      }
    } catch (EOFException | java.net.SocketException e) {
      closed = true;
    } catch (SocketTimeoutException e) {
      closed = false;
    }
    assertTrue(goAway, "the front sent GOAWAY");
    assertTrue(closed, "the front closed the connection");
  }

  /** The HPACK block of GET http://127.0.0.1/ (indexed :method, :scheme, :path; literal :authority). */
  private static byte[] getHeaderBlock() throws java.io.IOException {
    byte[] authority = "127.0.0.1".getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84, 0x01, (byte) authority.length});
    block.write(authority);
    return block.toByteArray();
  }
}
