package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.supervisor.config.AccessLogSpec;
import io.drover.supervisor.config.LogSpec;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The front's access log and X-Request-Id, end to end over real workers: one line per request
 * with the app, the worker, status, bytes, times, retries and id; a WebSocket's line when its
 * tunnel closes; per-app on and off; JSON lines; rotation at max-size; lines dropped, never
 * waited for, when the writer is behind.
 */
class AccessLogTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Pattern GENERATED = Pattern.compile("[0-9a-f]{12}-[0-9a-f]+");
  static final ObjectMapper JSON = new ObjectMapper();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /** The line whose request id is {@code id}, waiting for the writer (bounded). */
  static String lineOf(FrontHarness h, String id) throws Exception {
    Path file = h.server.accessLogFile();
    for (long end = System.nanoTime() + Duration.ofSeconds(10).toNanos(); System.nanoTime() < end; Thread.sleep(20)) {
      Optional<String> line = lines(file).stream().filter(l -> l.contains(" id=" + id + " ") || l.endsWith(" id=" + id)
          || l.contains("\"request_id\":\"" + id + "\"")).findFirst();
      if (line.isPresent()) {
        return line.get();
      }
    }
    throw new AssertionError("no access log line with id " + id + " within 10s in " + lines(file));
  }

  static List<String> lines(Path file) throws Exception {
    return Files.exists(file) ? Files.readAllLines(file) : List.of();
  }

  static String id(HttpResponse<?> r) {
    return r.headers().firstValue("x-request-id").orElseThrow(() -> new AssertionError("no X-Request-Id in " + r.headers()));
  }

  static HttpResponse<String> get(FrontHarness h, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(h.uri(path)).timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return h.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void eachRequestIsOneTextLineWithItsWorkerTimesRetriesAndId() throws Exception {
    String apps = FrontTest.web("up", "instances = 2, route.prefix = \"/\"")
        + FrontTest.web("cold", "route.prefix = \"/cold\", env.READY_DELAY_MS = \"600000\"")
        + FrontTest.web("quiet", "route { prefix = \"/quiet\", strip-prefix = true, access-log = off }");
    try (FrontHarness h = new FrontHarness(kit, apps, "http.access-log.enabled = on")) {
      h.awaitReady("up", 2);
      h.awaitReady("quiet", 1);
      Path file = h.server.accessLogFile();
      assertEquals(h.settings.logsDir().resolve("access.log"), file);

      // a success: the combined format's fields, then Drover's
      HttpResponse<String> ok = get(h, "/echo?a=1", "User-Agent", "probe/1.0", "Referer", "http://x/\"q\"");
      assertEquals(200, ok.statusCode());
      String id = id(ok);
      assertTrue(GENERATED.matcher(id).matches(), id);
      assertTrue(ok.body().contains("\"x-request-id\":\"" + id + "\""), "the worker got the id: " + ok.body());
      String line = lineOf(h, id);
      String worker = ok.headers().firstValue("x-worker").orElseThrow();
      assertTrue(Pattern.matches("127\\.0\\.0\\.1 - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000] "
          + "\"GET /echo\\?a=1 HTTP/1\\.1\" 200 " + ok.body().length() + " \"http://x/\\\\x22q\\\\x22\" \"probe/1\\.0\" "
          + "app=up worker=" + worker + "@\\d+ rt=0\\.\\d{6} urt=0\\.\\d{6} retries=0 id=" + id, line), line);

      // a retried request: the worker that answered, one retry
      int retried = 0;
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = h.client.send(HttpRequest.newBuilder(h.uri("/upload?die=0"))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[40 * 1024])).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        String l = lineOf(h, id(r));
        assertTrue(l.contains("\"PUT /upload?die=0 HTTP/1.1\" 200 ") && l.contains(" worker=up-1@"), l);
        retried += l.contains(" retries=1 ") ? 1 : 0;
      }
      assertTrue(retried >= 1, "round-robin gave instance 0, which drops it, at least one of them");

      // a 502: the front's answer carries the id, the line names the worker that failed
      HttpResponse<String> failed = h.client.send(HttpRequest.newBuilder(h.uri("/upload?die=all"))
          .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[40 * 1024])).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(502, failed.statusCode());
      String l502 = lineOf(h, id(failed));
      assertTrue(l502.contains("\"POST /upload?die=all HTTP/1.1\" 502 " + failed.body().length() + " ")
          && Pattern.compile(" app=up worker=up-\\d@\\d+ rt=\\S+ urt=0\\.\\d{6} retries=0 ").matcher(l502).find(), l502);

      // a 503 (no ready worker) and a 404 (no route): no worker, no upstream time
      HttpResponse<String> cold = get(h, "/cold/x");
      assertEquals(503, cold.statusCode());
      assertTrue(lineOf(h, id(cold)).contains("\"GET /cold/x HTTP/1.1\" 503 " + cold.body().length() + " \"-\" ")
          && lineOf(h, id(cold)).contains(" app=cold worker=- rt="), lineOf(h, id(cold)));
      assertTrue(lineOf(h, id(cold)).contains(" urt=- retries=0 "), lineOf(h, id(cold)));

      // an app with route.access-log = off: its requests leave no line, later ones do
      HttpResponse<String> quiet = get(h, "/quiet/echo");
      assertEquals(200, quiet.statusCode());
      assertTrue(quiet.body().contains(id(quiet)), "its id still reaches the worker");
      HttpResponse<String> after = get(h, "/after");
      lineOf(h, id(after));
      assertTrue(lines(file).stream().noneMatch(x -> x.contains(id(quiet))), "no line for the quiet app");

      // a WebSocket: its line when the tunnel closes, with the bytes the worker sent
      try (Socket ws = DrainTunnelsTest.upgrade(h, "websocket")) {
        InputStream in = ws.getInputStream();
        String head = DrainTunnelsTest.head(in);
        assertTrue(head.startsWith("HTTP/1.1 101 "), head);
        String wsId = head.lines().filter(x -> x.toLowerCase().startsWith("x-request-id:")).findFirst()
            .orElseThrow(() -> new AssertionError(head)).substring("x-request-id:".length()).trim();
        ws.getOutputStream().write(new byte[] {(byte) 0x81, (byte) 0x82, 0, 0, 0, 0, 'h', 'i'}); // "hi", masked with 0s
        byte[] echo = in.readNBytes(2 + "up-0: hi".length());
        assertEquals(2 + "up-0: hi".length(), echo.length);
        ws.getOutputStream().write(new byte[] {(byte) 0x88, (byte) 0x80, 0, 0, 0, 0}); // close
        in.readAllBytes();
        String wsLine = lineOf(h, wsId);
        assertTrue(wsLine.contains("\"GET /ws HTTP/1.1\" 101 " + (echo.length + 2) + " ")
            && wsLine.endsWith(" id=" + wsId + " upgrade=websocket"), wsLine);
      }
    }
  }

  @Test
  void aSaneClientIdIsKeptAndAnyOtherReplaced() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, FrontTest.web("up", "route.prefix = \"/\""), "http.access-log.enabled = on")) {
      h.awaitReady("up", 1);
      HttpResponse<String> kept = get(h, "/echo", "X-Request-Id", "client-7f3a:9");
      assertEquals("client-7f3a:9", id(kept));
      assertTrue(kept.body().contains("\"x-request-id\":\"client-7f3a:9\""), kept.body());
      assertTrue(lineOf(h, "client-7f3a:9").contains("\"GET /echo HTTP/1.1\" 200 "));
      for (String bad : List.of("has space", "x".repeat(RequestIds.MAX_LENGTH + 1))) {
        HttpResponse<String> r = get(h, "/echo", "X-Request-Id", bad);
        assertTrue(GENERATED.matcher(id(r)).matches(), bad + " replaced by " + id(r));
        assertTrue(r.body().contains("\"x-request-id\":\"" + id(r) + "\""), r.body());
      }
      FrontHarness.RawResponse latin = h.raw("GET /echo HTTP/1.1\r\nHost: x\r\nX-Request-Id: caf\u00e9\r\nConnection: close\r\n\r\n");
      assertTrue(GENERATED.matcher(latin.headers().get("x-request-id")).matches(), latin.headers().toString());
      // two ids in one request: neither is trusted
      FrontHarness.RawResponse two = h.raw("GET /echo HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\r\nX-Request-Id: b\r\nConnection: close\r\n\r\n");
      assertTrue(GENERATED.matcher(two.headers().get("x-request-id")).matches(), two.headers().toString());
      // an error the front makes itself carries one too
      FrontHarness.RawResponse bad = h.raw("GET /echo HTTP/1.1\r\nHost: a b\r\nX-Request-Id: mine\r\nConnection: close\r\n\r\n");
      assertEquals(400, bad.status());
      assertEquals("mine", bad.headers().get("x-request-id"));
      assertTrue(lineOf(h, "mine").contains("\"GET /echo HTTP/1.1\" 400 ") && lineOf(h, "mine").contains(" app=- worker=- "),
          lineOf(h, "mine"));
    }
  }

  @Test
  void jsonLinesOfAnAppLoggedOnANodeThatLogsNoneRotateAtMaxSize() throws Exception {
    String apps = FrontTest.web("loud", "route { prefix = \"/loud\", access-log = on }")
        + FrontTest.web("plain", "route.prefix = \"/\"");
    try (FrontHarness h = new FrontHarness(kit, apps,
        "http.access-log { enabled = off, format = json, max-size = 2K, keep = 2 }")) {
      h.awaitReady("loud", 1);
      h.awaitReady("plain", 1);
      HttpResponse<String> plain = get(h, "/plain");
      HttpResponse<String> loud = get(h, "/loud/a?b=c");
      JsonNode line = JSON.readTree(lineOf(h, id(loud)));
      assertEquals("loud", line.get("app").asText());
      assertTrue(line.get("worker").asText().startsWith("loud-0@"), line.toString());
      assertEquals("GET", line.get("method").asText());
      assertEquals("/loud/a?b=c", line.get("path").asText());
      assertEquals("HTTP/1.1", line.get("protocol").asText());
      assertEquals(200, line.get("status").asInt());
      assertEquals(loud.body().length(), line.get("bytes").asInt());
      assertTrue(line.get("duration_ms").asDouble() > 0 && line.get("upstream_ms").asDouble() > 0, line.toString());
      assertTrue(line.get("duration_ms").asDouble() >= line.get("upstream_ms").asDouble(), line.toString());
      assertEquals(0, line.get("retries").asInt());
      assertEquals("127.0.0.1", line.get("client").asText());
      assertEquals(id(loud), line.get("request_id").asText());
      assertTrue(line.get("referer").isNull() && line.has("user_agent"), line.toString());
      Instant.parse(line.get("time").asText());
      assertTrue(lines(h.server.accessLogFile()).stream().noneMatch(x -> x.contains(id(plain))), "the node logs no other app");

      // about 300 bytes a line: a 2K file rotates every few lines, and keeps 2 rotated files
      for (int i = 0; i < 30; i++) {
        lineOf(h, id(get(h, "/loud/" + i)));
      }
      Path file = h.server.accessLogFile();
      Path first = file.resolveSibling("access.log.1");
      Path second = file.resolveSibling("access.log.2");
      assertTrue(Files.exists(first) && Files.exists(second), "rotated");
      assertFalse(Files.exists(file.resolveSibling("access.log.3")), "keep = 2");
      for (Path p : List.of(file, first, second)) {
        assertTrue(Files.size(p) <= 2048, p + ": " + Files.size(p));
        for (String l : Files.readAllLines(p)) {
          assertTrue(JSON.readTree(l).has("request_id"), l); // every line whole, and JSON
        }
      }
    }
  }

  @Test
  void linesAreDroppedAndCountedWhenTheWriterIsBehind() throws Exception {
    Path dir = Files.createTempDirectory("drover-access-log");
    try {
      io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      AccessLog log = AccessLog.of(new AccessLogSpec(true, AccessLogSpec.Format.TEXT, new LogSpec(1 << 20, 1)), dir, registry, 4,
          detail -> {});
      int sent = 2000;
      for (int i = 0; i < sent; i++) { // far faster than a writer that takes 4 lines per pause
        log.add(line("id-" + i));
      }
      log.close();
      long dropped = log.dropped();
      assertTrue(dropped > 0, "some were dropped");
      assertEquals((double) dropped, registry.get("drover.http.access-log.dropped").functionCounter().count());
      List<String> lines = Files.readAllLines(dir.resolve("access.log"));
      long written = lines.stream().filter(l -> l.contains("\"GET /")).count();
      long noted = lines.stream().filter(l -> l.startsWith("[drover] "))
          .mapToLong(l -> Long.parseLong(l.replaceAll(".*] (\\d+) access log lines dropped.*", "$1"))).sum();
      assertEquals(sent, written + dropped, "every line written or dropped");
      assertEquals(dropped, noted, "the file says how many were dropped: " + lines.stream().filter(l -> l.startsWith("[")).toList());
      assertNotEquals(0, written);
    } finally {
      FrontHarness.deleteTree(dir);
    }
  }

  static AccessLine line(String id) {
    return new AccessLine(System.currentTimeMillis(), "web", null, "GET", "/", "HTTP/1.1", 200, 1, 1000, -1, 0,
        "127.0.0.1", id, null, null, null);
  }

  @Test
  void aLogDirThatCannotBeWrittenIsReportedOnceAndLinesAreWrittenAgainOnceItCanBe() throws Exception {
    Path dir = Files.createTempDirectory("drover-access-log");
    Path logs = dir.resolve("logs");
    Files.writeString(logs, "a file where the directory should be");
    java.util.concurrent.ConcurrentLinkedQueue<String> reports = new java.util.concurrent.ConcurrentLinkedQueue<>();
    AccessLog log = AccessLog.of(new AccessLogSpec(true, AccessLogSpec.Format.TEXT, new LogSpec(1 << 20, 1)), logs,
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), 1024, reports::add);
    try {
      for (int i = 0; i < 50 && reports.isEmpty(); i++) {
        log.add(line("lost-" + i)); // never thrown back: the line is dropped
        Thread.sleep(30);
      }
      assertEquals(1, reports.size(), reports.toString());
      assertTrue(reports.peek().startsWith("logs: cannot write " + logs.resolve("access.log")), reports.toString());
      Files.delete(logs); // the directory can be made now: the file is tried again within 5 s
      String written = null;
      for (long end = System.nanoTime() + Duration.ofSeconds(15).toNanos(); System.nanoTime() < end && written == null; Thread.sleep(50)) {
        log.add(line("back"));
        Path file = logs.resolve("access.log");
        written = Files.exists(file) && Files.readString(file).contains(" id=back") ? Files.readString(file) : null;
      }
      assertTrue(written != null, "lines written again once the directory could be made");
      assertTrue(written.startsWith("[drover] dropped "), written.lines().findFirst().orElse(""));
      assertEquals(2, reports.size(), "the failure and the recovery, once each: " + reports);
      assertTrue(reports.stream().skip(1).findFirst().orElseThrow().startsWith("logs: writing "), reports.toString());
    } finally {
      log.close();
      FrontHarness.deleteTree(dir);
    }
  }
}
