package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The failure policy end to end, with real workers that drop a request's connection once its
 * body starts to arrive: an idempotent request whose body was kept goes to another worker, whole;
 * a POST, or a body too big to keep, is not sent twice.
 */
class FrontRetryTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static HttpResponse<String> send(FrontHarness h, String method, String path, int bytes) throws Exception {
    byte[] body = new byte[bytes];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i % 251);
    }
    return h.client.send(HttpRequest.newBuilder(h.uri(path)).method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double retries(FrontHarness h, String app) {
    Matcher m = Pattern.compile("drover_http_retries_total\\{app=\"" + app + "\"} ([0-9.]+)").matcher(h.registry.scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void aPutWhoseWorkerDiesMidBodyReachesAnotherWorkerWhole() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("up", "instances = 2, route.prefix = \"/\""))) {
      h.awaitReady("up", 2);
      for (int i = 0; i < 4; i++) { // round-robin: some start on instance 0, which drops them
        HttpResponse<String> r = send(h, "PUT", "/upload?die=0", 40 * 1024);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"bytes\":40960,") && r.body().contains("\"worker\":\"up-1\""), r.body());
      }
      assertTrue(retries(h, "up") >= 1, "instance 0 dropped at least one of them: " + retries(h, "up"));
    }
  }

  @Test
  void aClientStillSendingItsBodyAfterAnEarlyAnswerGetsTheAnswerNotAReset() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("up", "instances = 2, route.prefix = \"/\""))) {
      h.awaitReady("up", 2);
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", h.uri("/").getPort())) {
        anEarlyAnswerOutlivesTheRestOfTheBody(s);
      }
      // as Java's HttpClient sends a large POST: it must read the answer (502, then 503 once both workers
      // are out of rotation for breaking fresh connections), never "header parser received no bytes"
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> r = send(h, "POST", "/upload?die=all", 4 * 1024 * 1024);
        assertTrue(r.statusCode() == 502 || r.statusCode() == 503, r.statusCode() + " " + r.body());
      }
    }
  }

  /**
   * Sends a POST its worker drops at the body's first bytes, reads the 502 the front answers
   * (with Connection: close) before the body ended, then sends the rest of the body: the front
   * reads and drops it (a socket closed with bytes unread would reset the connection, and the
   * client's writes fail), then ends the connection.
   */
  static void anEarlyAnswerOutlivesTheRestOfTheBody(java.net.Socket s) throws java.io.IOException {
    int total = 4 * 1024 * 1024;
    byte[] chunk = new byte[64 * 1024];
    s.setSoTimeout(20_000);
    java.io.OutputStream out = s.getOutputStream();
    out.write(("POST /upload?die=all HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + total + "\r\n\r\n")
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.write(chunk);
    out.flush();
    java.io.InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (head.length() < 16 * 1024 && !head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertTrue(b >= 0, "the connection ended before the answer's head: " + head);
      head.append((char) b);
    }
    String h = head.toString().toLowerCase(java.util.Locale.ROOT);
    assertTrue(h.startsWith("http/1.1 502 ") && h.contains("connection: close"), h);
    Matcher length = Pattern.compile("content-length: (\\d+)").matcher(h);
    assertTrue(length.find(), h);
    String body = new String(in.readNBytes(Integer.parseInt(length.group(1))), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(body.contains("worker failed"), body);
    for (int sent = chunk.length; sent < total; sent += chunk.length) {
      out.write(chunk); // after a reset this throws ("Connection reset", "Broken pipe")
    }
    out.flush();
    assertEquals(-1, in.read(), "after its answer the front ends the connection");
  }

  @Test
  void aPostOrABodyTooBigToKeepIsNotSentTwice() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("up", "instances = 2, route.prefix = \"/\""))) {
      h.awaitReady("up", 2);
      HttpResponse<String> post = send(h, "POST", "/upload?die=all", 40 * 1024);
      assertEquals(502, post.statusCode(), post.body());
      assertTrue(post.body().startsWith("{\"status\":502,\"error\":\"worker failed: "), post.body());
      assertEquals(0, retries(h, "up"), "the POST was not retried");
      // every worker drops it: retried at most while its copy was kept, and answered 502, never hung
      HttpResponse<String> big = send(h, "PUT", "/upload?die=all", RequestBody.REPLAY_LIMIT + 64 * 1024);
      assertEquals(502, big.statusCode(), big.body());
    }
  }
}
