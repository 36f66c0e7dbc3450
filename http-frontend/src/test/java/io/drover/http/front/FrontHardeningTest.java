package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Requests a front must refuse with a 4xx and never forward: smuggling attempts (both
 * Content-Length and Transfer-Encoding, conflicting lengths, whitespace before the colon, a bad
 * Transfer-Encoding), oversized request lines and headers, a missing, doubled or invalid Host.
 * (Obsolete line folding is unfolded into one header value by the decoder, which RFC 9112 5.2
 * allows, rather than refused.) The worker logs every request it gets; none of these
 * may show up there.
 */
class FrontHardeningTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static FrontHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = new FrontHarness(kit, "web { command = [\"node\", \"$WEB\"], route.prefix = \"/\", env.LOG_REQUESTS = \"1\" }");
    h.awaitReady("web", 1);
  }

  @AfterAll
  static void shutdown() throws Exception {
    h.close();
    kit.shutdownTestKit();
  }

  static String workerLog() throws Exception {
    Path out = h.settings.logsDir().resolve("web/web-0.out");
    return Files.exists(out) ? Files.readString(out) : "";
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> attempts() {
    return java.util.stream.Stream.of(
        org.junit.jupiter.params.provider.Arguments.of("CL and TE",
            "POST /smuggle-1 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled-1 HTTP/1.1\r\nHost: a\r\n\r\n"),
        org.junit.jupiter.params.provider.Arguments.of("two different Content-Length",
            "POST /smuggle-2 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd"),
        org.junit.jupiter.params.provider.Arguments.of("Content-Length list",
            "POST /smuggle-3 HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 40\r\n\r\nabcd"),
        org.junit.jupiter.params.provider.Arguments.of("space before colon",
            "GET /smuggle-5 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n"),
        org.junit.jupiter.params.provider.Arguments.of("bad Transfer-Encoding",
            "POST /smuggle-6 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"),
        org.junit.jupiter.params.provider.Arguments.of("two Host headers",
            "GET /smuggle-7 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        org.junit.jupiter.params.provider.Arguments.of("invalid Host",
            "GET /smuggle-8 HTTP/1.1\r\nHost: a b/c\r\n\r\n"),
        org.junit.jupiter.params.provider.Arguments.of("missing Host", "GET /smuggle-9 HTTP/1.1\r\n\r\n"));
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("attempts")
  void isRefusedAndNeverForwarded(String name, String request) throws Exception {
    FrontHarness.RawResponse r = h.raw(request);
    assertEquals(400, r.status(), name + ": " + r);
    assertTrue(r.body().contains("\"error\""), r.body());
    Thread.sleep(100);
    String path = request.substring(request.indexOf(' ') + 1, request.indexOf(' ', request.indexOf(' ') + 1));
    String log = workerLog();
    assertFalse(log.contains(path + "\n") || log.contains("/smuggled"), name + " reached the worker:\n" + log);
    assertEquals(200, h.get("/").statusCode(), "the front still serves");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {"request line|414", "header block|431"})
  void oversizedRequestsAreRefused(String what, int status) throws Exception {
    String req = what.equals("request line")
        ? "GET /" + "a".repeat(9_000) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        : "GET /big HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(17_000) + "\r\n\r\n";
    assertEquals(status, h.raw(req).status());
    assertFalse(workerLog().contains("/big"));
  }

}
