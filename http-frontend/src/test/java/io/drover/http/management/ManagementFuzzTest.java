package io.drover.http.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drover.http.front.FrontHarnessAccess;
import io.drover.http.front.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input for every endpoint of docs/api.md, generated from a fixed seed: malformed and deeply
 * nested JSON and HOCON, wrong types, unknown apps and workers, bad query parameters, wrong
 * methods, missing, wrong and oversized tokens, malformed HTTP, bodies beyond the size limit.
 * Every answer must be a 4xx with a JSON error body, in bounded time, while a bystander keeps
 * getting 200 from the API and from a worker through the front.
 */
class ManagementFuzzTest {
  static final long SEED = 20_261_126L;
  static final String TOKEN = "fuzz-token-0123456789abcdef";
  static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
  static final ObjectMapper json = new ObjectMapper();
  /** Pekko's idle-timeout, which also bounds request heads and bodies on the API (docs/api.md). */
  static final Duration IDLE = Duration.ofSeconds(3);
  static final ActorTestKit kit = ActorTestKit.create(com.typesafe.config.ConfigFactory
      .parseString("pekko.http.server.idle-timeout = " + IDLE.toMillis() + "ms")
      .withFallback(com.typesafe.config.ConfigFactory.load()));
  static FrontHarnessAccess node;
  static ManagementServer api;

  @BeforeAll
  static void start() throws Exception {
    node = FrontHarnessAccess.start(kit, "web { command = [\"node\", \"$WEB\"], instances = 2, route.prefix = \"/\" }");
    api = TestApi.start(kit, node, Optional.of(TOKEN));
    node.awaitReady("web", 2);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      api.stop(Duration.ofSeconds(1));
      node.close();
    } finally {
      kit.shutdownTestKit();
    }
  }

  /** One bad request and the statuses it may get (all 4xx). */
  record Case(String category, byte[] head, byte[] body, Set<Integer> expected) {}

  // ------------------------------------------------------------------ request building

  static byte[] request(String method, String target, String auth, byte[] body, String... headers) {
    StringBuilder h = new StringBuilder()
        .append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if (auth != null) {
      h.append("Authorization: ").append(auth).append("\r\n");
    }
    for (String x : headers) {
      h.append(x).append("\r\n");
    }
    if (body != null) {
      h.append("Content-Length: ").append(body.length).append("\r\n");
    }
    h.append("\r\n");
    byte[] head = h.toString().getBytes(StandardCharsets.UTF_8);
    if (body == null) {
      return head;
    }
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  static Case c(String category, String method, String target, String auth, byte[] body, Integer... expected) {
    return new Case(category, request(method, target, auth, body), null, Set.of(expected));
  }

  static Case c(String category, String method, String target, String auth, String body, Integer... expected) {
    return c(category, method, target, auth, body == null ? null : body.getBytes(StandardCharsets.UTF_8), expected);
  }

  static Case raw(String category, String request, Integer... expected) {
    return new Case(category, request.getBytes(StandardCharsets.ISO_8859_1), null, Set.of(expected));
  }

  static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      } else if (p instanceof byte[] b) {
        out.writeBytes(b);
      } else if (p instanceof Integer i) {
        out.write(i);
      }
    }
    return out.toByteArray();
  }

  static String bearer() {
    return "Bearer " + TOKEN;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // ------------------------------------------------------------------ the corpus

  static final String[] INSTANCE_VALUES = {
    "\"3\"", "3.5", "-1", "0", "10001", "1e12", "2147483648", "-2147483649", "99999999999999999999999",
    "null", "true", "false", "[]", "[3]", "{}", "\"\"", "1e400", "NaN", "Infinity", "-Infinity", "0x10",
    "03", "+3", "3.0", "1E1", "-0", "\"three\"", "{\"n\":3}", "\"\\u0000\""
  };

  static List<Case> corpus() {
    Random r = new Random(SEED);
    List<Case> cases = new ArrayList<>();
    String valid = "{\"instances\": 10001}"; // parses, but out of range: no prefix or fixed variant scales
    // truncated JSON, at every length
    for (int i = 0; i < valid.length(); i++) {
      cases.add(c("json-truncated", "POST", "/apps/web/scale", bearer(), valid.substring(0, i), 400));
    }
    // wrong nesting and syntax
    for (String s : List.of("{\"instances\": [3}", "[{\"instances\":3]", "{\"instances\":3,}", "{'instances':3}",
        "{instances:3}", "{\"instances\" 3}", "{\"instances\":3 \"x\":1}", "\"instances\"", "3", "[]", "null",
        "{\"instances\":{\"instances\":3}}", "[[{\"instances\":3}]]", "{\"instances\":[[[3]]]}", "{{}}", "}{",
        "{\"instances\":3", "{\"instances\":3}}", "{\"instances\":3} {\"instances\":4}", "{\"instances\":3}xyz",
        "{\"instances\":/*c*/3}", "{\"instances\":3}//", "\uFEFF{\"instances\":10001}", "{\"\":3}", "{\"instances\":\"3\"}")) {
      cases.add(c("json-nesting", "POST", "/apps/web/scale", bearer(), s, 400));
    }
    // wrong types for a number
    for (String v : INSTANCE_VALUES) {
      cases.add(c("json-types", "POST", "/apps/web/scale", bearer(), "{\"instances\": " + v + "}", 400));
    }
    // NUL bytes and invalid UTF-8
    byte[][] poison = {{0}, {(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
    for (byte[] p : poison) {
      cases.add(c("json-bytes", "POST", "/apps/web/scale", bearer(), bytes("{\"inst", p, "ances\": 3}"), 400));
      cases.add(c("json-bytes", "POST", "/apps/web/scale", bearer(), bytes("{\"instances\": ", p, "3}"), 400));
      cases.add(c("json-bytes", "POST", "/apps/web/scale", bearer(), bytes(p, "{\"instances\": 3}"), 400));
      cases.add(c("json-bytes", "POST", "/apps/web/scale", bearer(), bytes("{\"instances\": 3}", p), 400));
      cases.add(c("json-bytes", "POST", "/apps/web/scale", bearer(), bytes("{\"instances\": \"", p, "\"}"), 400));
    }
    // deeply nested (10k levels)
    int deep = 10_000;
    cases.add(c("json-deep", "POST", "/apps/web/scale", bearer(), "[".repeat(deep) + "]".repeat(deep), 400));
    cases.add(c("json-deep", "POST", "/apps/web/scale", bearer(), "{\"instances\":" + "[".repeat(deep) + "]".repeat(deep) + "}", 400));
    cases.add(c("json-deep", "POST", "/apps/web/scale", bearer(), "{\"a\":".repeat(deep) + "1" + "}".repeat(deep), 400));
    cases.add(c("json-deep", "POST", "/apps/web/scale", bearer(), "[".repeat(deep), 400));
    // random mutations of a valid body, sent to apps that do not exist: 400 (body) or 404 (app)
    String ok = "{\"instances\": 2}";
    for (int i = 0; i < 60; i++) {
      byte[] b = ok.getBytes(StandardCharsets.UTF_8);
      byte[] m = mutate(r, b);
      cases.add(c("json-mutated", "POST", "/apps/nope-" + i + "/scale", bearer(), m, 400, 404));
    }
    // random bytes
    for (int i = 0; i < 40; i++) {
      byte[] b = new byte[r.nextInt(200)];
      r.nextBytes(b);
      cases.add(c("json-random", "POST", "/apps/web/scale", bearer(), b, 400));
    }

    // unknown apps on every app endpoint
    List<String> names = new ArrayList<>(List.of("nope", "WEB", "web2", "we", "...", "a%2Fb", "%00", enc("ünïcødé"),
        enc("日本"), "a".repeat(1000), "web%20", "-", "_", "web.", enc("<script>")));
    for (int i = 0; i < 6; i++) {
      names.add(randomName(r));
    }
    for (String n : names) {
      cases.add(c("unknown-app", "GET", "/apps/" + n, bearer(), (byte[]) null, 404));
      cases.add(c("unknown-app", "POST", "/apps/" + n + "/scale", bearer(), "{\"instances\": 2}", 404));
      cases.add(c("unknown-app", "POST", "/apps/" + n + "/restart", bearer(), (byte[]) null, 404));
      cases.add(c("unknown-app", "POST", "/apps/" + n + "/stop", bearer(), "", 404));
      cases.add(c("unknown-app", "POST", "/apps/" + n + "/start", bearer(), "{}", 404));
      cases.add(c("unknown-app", "POST", "/apps/" + n + "/workers/0/restart", bearer(), (byte[]) null, 404));
      cases.add(c("unknown-app", "GET", "/apps/" + n + "/logs?worker=0&tail=5", bearer(), (byte[]) null, 404));
    }
    // unknown workers
    for (String w : List.of("2", "7", "99", "10000", "-1", "2147483647", "2147483648", "abc", "1.0", "%31%30", "0x1", "")) {
      cases.add(c("unknown-worker", "POST", "/apps/web/workers/" + w + "/restart", bearer(), (byte[]) null, 404));
    }
    for (String w : List.of("2", "9999", "10000")) {
      cases.add(c("unknown-worker", "GET", "/apps/web/logs?worker=" + w, bearer(), (byte[]) null, 404));
    }

    // bad query parameters
    for (String q : List.of("worker=abc", "worker=-1", "worker=1.5", "worker=1e3", "worker=%00", "worker=", "worker=10001",
        "tail=-1", "tail=100001", "tail=abc", "tail=1e9", "tail=", "tail=99999999999", "stream=foo", "stream=OUT",
        "stream=", "stream=out%00", "follow=yes", "follow=1", "worker=0&tail=5&follow=maybe")) {
      cases.add(c("bad-query", "GET", "/apps/web/logs?" + q, bearer(), (byte[]) null, 400));
    }
    for (String q : List.of("dry-run=maybe", "dry-run=1", "dry-run=TRUE", "dry-run=yes")) {
      cases.add(c("bad-query", "POST", "/config?" + q, bearer(), "drover.apps.bad.instances = 0", 400));
    }

    // wrong methods (with the token, so the method is what is wrong)
    Map<String, List<String>> allowed = new TreeMap<>(Map.ofEntries(
        Map.entry("/health", List.of("GET")), Map.entry("/ready", List.of("GET")), Map.entry("/apps", List.of("GET")),
        Map.entry("/apps/web", List.of("GET")), Map.entry("/apps/web/scale", List.of("POST")),
        Map.entry("/apps/web/restart", List.of("POST")), Map.entry("/apps/web/workers/0/restart", List.of("POST")),
        Map.entry("/apps/web/stop", List.of("POST")), Map.entry("/apps/web/start", List.of("POST")),
        Map.entry("/apps/web/logs", List.of("GET")), Map.entry("/events", List.of("GET")),
        Map.entry("/config", List.of("POST", "PUT")), Map.entry("/metrics", List.of("GET")),
        Map.entry("/cluster", List.of("GET")), Map.entry("/", List.of("GET"))));
    for (Map.Entry<String, List<String>> e : allowed.entrySet()) {
      for (String m : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO")) {
        if (!e.getValue().contains(m)) {
          cases.add(c("wrong-method", m, e.getKey(), bearer(), m.equals("GET") ? null : "{}", 405));
        }
      }
    }

    // missing, wrong and oversized tokens
    List<String> auths = new ArrayList<>(List.of("", "Bearer", "Bearer ", "Bearer wrong", TOKEN, "Basic "
        + Base64.getEncoder().encodeToString(("x:" + TOKEN).getBytes(StandardCharsets.UTF_8)), "Bearer " + TOKEN + "x",
        "Bearer " + TOKEN.substring(1), "Bearer " + TOKEN.substring(0, TOKEN.length() - 1), "Bearer  x" + TOKEN,
        "Bearer " + "x".repeat(7_000), "Token " + TOKEN, "Bearer " + TOKEN.toUpperCase()));
    String[][] protectedCalls = {{"GET", "/apps"}, {"GET", "/apps/web"}, {"POST", "/apps/web/scale"}, {"POST", "/apps/web/restart"},
        {"POST", "/apps/web/workers/0/restart"}, {"POST", "/apps/web/stop"}, {"POST", "/apps/web/start"},
        {"GET", "/apps/web/logs"}, {"GET", "/events"}, {"POST", "/config"}, {"PUT", "/config"}, {"GET", "/metrics"},
        {"GET", "/cluster"}, {"GET", "/apps/nope"}};
    for (String[] call : protectedCalls) {
      String body = call[0].equals("GET") ? null : call[1].equals("/config") ? "drover.apps = {}" : "{\"instances\": 1}";
      for (String a : auths) {
        cases.add(c("token", call[0], call[1], a.isEmpty() ? null : a, body, 401));
      }
      // two Authorization headers: the wrong one first
      cases.add(new Case("token", request(call[0], call[1], "Bearer wrong", body == null ? null : body.getBytes(StandardCharsets.UTF_8),
          "Authorization: " + bearer()), null, Set.of(401)));
    }
    // oversized token (beyond the header value limit) and non-ASCII in it
    cases.add(c("token-oversized", "GET", "/apps", "Bearer " + "x".repeat(20_000), (byte[]) null, 400, 431));
    cases.add(c("token-oversized", "POST", "/apps/web/stop", "Bearer " + "x".repeat(100_000), (byte[]) null, 400, 431));
    cases.add(new Case("token-bytes", bytes("GET /apps HTTP/1.1\r\nHost: a\r\nConnection: close\r\nAuthorization: Bearer ",
        new byte[] {(byte) 0xFF, (byte) 0xFE, 0}, "\r\n\r\n"), null, Set.of(400, 401)));

    // malformed HTTP
    cases.add(raw("http", "GARBAGE / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 405));
    cases.add(raw("http", "GET / HTTP/1.1 extra\r\nHost: a\r\nConnection: close\r\n\r\n", 400));
    cases.add(raw("http", "GET /apps HTTP/1.1\r\nConnection: close\r\n\r\n", 400));
    cases.add(raw("http", "GET /apps HTTP/1.1\r\nHost: a\r\nNoColonHere\r\nConnection: close\r\n\r\n", 400));
    cases.add(raw("http", "GET /apps HTTP/1.1\r\nHost: a\r\nBad Name: x\r\nConnection: close\r\n\r\n", 400));
    cases.add(raw("http", "GET /apps%zz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 400));
    cases.add(raw("http", "GET /ap\0ps HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 400));
    cases.add(raw("http", "GET /" + "a".repeat(3_000) + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 414));
    cases.add(raw("http", "GET /apps HTTP/1.1\r\nHost: a\r\n" + "X-h: 1\r\n".repeat(100) + "Connection: close\r\n\r\n", 431, 400));
    cases.add(raw("http", "GET /apps HTTP/1.1\r\nHost: a\r\nX-" + "n".repeat(200) + ": 1\r\nConnection: close\r\n\r\n", 431, 400));
    cases.add(raw("http", "POST /apps/web/scale HTTP/1.1\r\nHost: a\r\nAuthorization: " + bearer()
        + "\r\nContent-Length: -1\r\nConnection: close\r\n\r\n", 400));
    cases.add(raw("http", "POST /apps/web/scale HTTP/1.1\r\nHost: a\r\nAuthorization: " + bearer()
        + "\r\nContent-Length: abc\r\nConnection: close\r\n\r\n", 400));
    cases.add(raw("http", "POST /apps/web/scale HTTP/1.1\r\nHost: a\r\nAuthorization: " + bearer()
        + "\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", 400));
    cases.add(raw("http", "POST /apps/web/scale HTTP/1.1\r\nHost: a\r\nAuthorization: " + bearer()
        + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400));
    cases.add(raw("http", "POST /apps/web/scale HTTP/1.1\r\nHost: a\r\nAuthorization: " + bearer()
        + "\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", 400));
    cases.add(raw("http", "POST /apps/web/scale HTTP/1.1\r\nHost: a\r\nAuthorization: " + bearer()
        + "\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\nConnection: close\r\n\r\nxxxx", 400));

    // configs (dry run): each is invalid whether or not the fuzzed part parses, thanks to the last line
    String cfg = "drover.apps.web { command = [\"node\", \"server.js\"], instances = 2, route { prefix = \"/\" } }\n";
    String invalid = "\ndrover.apps.zz-invalid.instances = 0\n";
    for (int i = 0; i < 30; i++) {
      String t = cfg.substring(0, r.nextInt(cfg.length()));
      cases.add(c("hocon-truncated", "POST", "/config?dry-run=true", bearer(), t + invalid, 400));
    }
    for (int i = 0; i < 30; i++) {
      cases.add(c("hocon-mutated", "POST", "/config?dry-run=true", bearer(), bytes(mutate(r, cfg.getBytes(StandardCharsets.UTF_8)), invalid), 400));
    }
    for (String v : List.of("\"x\"", "1.5", "-1", "99999999999", "null", "[]", "{}", "true")) {
      cases.add(c("hocon-types", "POST", "/config?dry-run=true", bearer(), "drover.apps.web.instances = " + v + invalid, 400));
    }
    for (String s : List.of("drover.http = 5", "drover.apps = []", "drover = \"x\"", "drover.apps.web.route.request-timeout = fast",
        "drover.apps.web.command = 7", "drover.management.port = -5", "drover.apps.web.restart.backoff = {}")) {
      cases.add(c("hocon-types", "POST", "/config?dry-run=true", bearer(), s + invalid, 400));
    }
    for (byte[] p : poison) {
      cases.add(c("hocon-bytes", "POST", "/config?dry-run=true", bearer(), bytes("drover.apps.w", p, "eb.instances = 2", invalid), 400));
    }
    cases.add(c("hocon-deep", "POST", "/config?dry-run=true", bearer(), "a = " + "[".repeat(deep) + "]".repeat(deep) + invalid, 400));
    cases.add(c("hocon-deep", "POST", "/config?dry-run=true", bearer(), "a {".repeat(deep) + "}".repeat(deep) + invalid, 400));
    cases.add(c("hocon-deep", "POST", "/config?dry-run=true", bearer(), "a = " + "{a = ".repeat(deep) + "1" + "}".repeat(deep) + invalid, 400));
    cases.add(c("hocon-deep", "POST", "/config?dry-run=true", bearer(), "a" + ".a".repeat(deep) + " = 1" + invalid, 400));
    cases.add(c("hocon-deep", "POST", "/config?dry-run=true", bearer(), "a = " + "[".repeat(deep), 400));
    cases.add(c("hocon-deep", "PUT", "/config", bearer(), "x = ${y}" + invalid, 400));
    cases.add(c("hocon-deep", "PUT", "/config", bearer(), "a = ${b}\nb = ${a}" + invalid, 400));
    return cases;
  }

  static final byte[] SYNTAX = {'{', '}', '[', ']', '"', ':', ',', '\\', '0', ' ', '\n', 0, '#', '$'};

  static byte[] mutate(Random r, byte[] in) {
    byte[] b = in.clone();
    int edits = 1 + r.nextInt(3);
    for (int i = 0; i < edits; i++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(4)) {
        case 0 -> b[at] = (byte) r.nextInt(256);
        case 1 -> b[at] = SYNTAX[r.nextInt(SYNTAX.length)];
        case 2 -> {
          byte[] shorter = new byte[b.length - 1];
          System.arraycopy(b, 0, shorter, 0, at);
          System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
          b = shorter.length == 0 ? new byte[] {'{'} : shorter;
        }
        default -> {
          byte[] longer = new byte[b.length + 1];
          System.arraycopy(b, 0, longer, 0, at);
          longer[at] = (byte) r.nextInt(256);
          System.arraycopy(b, at, longer, at + 1, b.length - at);
          b = longer;
        }
      }
    }
    return b;
  }

  static String randomName(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + r.nextInt(30);
    for (int i = 0; i < n; i++) {
      sb.appendCodePoint(r.nextBoolean() ? 'a' + r.nextInt(26) : 0x20 + r.nextInt(0x2FF));
    }
    return enc(sb.toString());
  }

  // ------------------------------------------------------------------ checks

  /** The answer is one of the expected 4xx statuses, with a JSON object body naming the error. */
  static void assertJsonError(Case k, RawHttp.Answer a) throws IOException {
    String what = k.category() + " " + new String(k.head(), 0, Math.min(k.head().length, 200), StandardCharsets.ISO_8859_1)
        .replace("\r\n", " | ") + " -> " + a;
    assertTrue(a.status() >= 400 && a.status() < 500, "not a 4xx: " + what);
    assertTrue(k.expected().contains(a.status()), "expected one of " + k.expected() + ": " + what);
    assertTrue(a.header("content-type").startsWith("application/json"), "not JSON: " + what);
    JsonNode body = json.readTree(a.body());
    assertTrue(body != null && body.isObject() && body.path("error").isTextual() && !body.get("error").asText().isBlank(),
        "no error in the body: " + what);
    String text = a.text();
    assertTrue(!text.contains("\tat ") && !text.contains("at org.apache.") && !text.contains("at io.drover."),
        "a stack trace: " + what);
    assertTrue(a.millis() < ANSWER_WITHIN.toMillis(), "slow: " + what);
  }

  /** Calls GET /apps on the API and GET / through the front until stopped; counts non-200s and the slowest call. */
  static final class Bystander implements AutoCloseable {
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong apiOk = new AtomicLong();
    final AtomicLong frontOk = new AtomicLong();
    final AtomicLong slowestMillis = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final Thread thread = new Thread(this::run, "bystander");

    Bystander start() {
      thread.start();
      return this;
    }

    void run() {
      HttpRequest apps = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/apps"))
          .header("Authorization", bearer()).timeout(Duration.ofSeconds(5)).build();
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!stop.get() && System.nanoTime() < deadline) {
        try {
          long t0 = System.nanoTime();
          HttpResponse<String> a = client.send(apps, HttpResponse.BodyHandlers.ofString());
          long t1 = System.nanoTime();
          HttpResponse<String> f = node.get("/");
          long t2 = System.nanoTime();
          slowestMillis.accumulateAndGet(Math.max(t1 - t0, t2 - t1) / 1_000_000, Math::max);
          if (a.statusCode() == 200 && json.readTree(a.body()).get("apps").size() == 1) {
            apiOk.incrementAndGet();
          } else {
            failures.add("api " + a.statusCode() + " " + a.body());
          }
          if (f.statusCode() == 200 && f.body().startsWith("hello from web-")) {
            frontOk.incrementAndGet();
          } else {
            failures.add("front " + f.statusCode() + " " + f.body());
          }
          Thread.sleep(20);
        } catch (Exception e) {
          failures.add(e.toString());
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(10_000);
    }
  }

  // ------------------------------------------------------------------ tests

  @Test
  void everyBadRequestGetsAJsonFourHundredWhileOthersAreServed() throws Exception {
    List<Case> cases = corpus();
    assertTrue(cases.size() >= 500, "corpus of " + cases.size());
    Map<Integer, Integer> byStatus = new TreeMap<>();
    Map<String, Integer> byCategory = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    long slowest = 0;
    long start = System.nanoTime();
    try (Bystander bystander = new Bystander().start()) {
      for (Case k : cases) {
        RawHttp.Answer a;
        try {
          a = RawHttp.exchange(api.port(), k.head(), k.body(), ANSWER_WITHIN);
        } catch (IOException e) {
          failures.add(k.category() + " " + new String(k.head(), 0, Math.min(120, k.head().length), StandardCharsets.ISO_8859_1) + ": " + e);
          continue;
        }
        byStatus.merge(a.status(), 1, Integer::sum);
        byCategory.merge(k.category(), 1, Integer::sum);
        slowest = Math.max(slowest, a.millis());
        try {
          assertJsonError(k, a);
        } catch (AssertionError e) {
          failures.add(e.getMessage());
        }
      }
      bystander.close();
      long millis = (System.nanoTime() - start) / 1_000_000;
      System.out.printf("management fuzz: %d requests in %d ms, by status %s, slowest answer %d ms%n", cases.size(), millis, byStatus, slowest);
      System.out.printf("management fuzz: by category %s%n", byCategory);
      System.out.printf("management fuzz: bystander %d API and %d front answers 200, slowest %d ms, failures %s%n",
          bystander.apiOk.get(), bystander.frontOk.get(), bystander.slowestMillis.get(), bystander.failures);
      assertEquals(List.of(), failures, failures.size() + " of " + cases.size() + " bad answers");
      assertEquals(List.of(), List.copyOf(bystander.failures), "the bystander was not served");
      assertTrue(bystander.apiOk.get() >= 10 && bystander.frontOk.get() >= 10, "the bystander got too few answers");
      assertTrue(bystander.slowestMillis.get() < 2_000, "the bystander waited " + bystander.slowestMillis.get() + " ms");
    }
    HttpResponse<String> apps = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/apps/web"))
        .header("Authorization", bearer()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(2, json.readTree(apps.body()).get("instances").asInt(), "no fuzzed request changed the app");
  }

  /**
   * Bodies past the limit are refused with 413 before they are read: the answer comes while the
   * client has sent only a small part of a 200 MiB body, so the node does not buffer it.
   */
  @Test
  void hugeBodiesAreRefusedBeforeTheyAreRead() throws Exception {
    int mib = 1024 * 1024;
    List<String> targets = List.of("/apps/web/scale", "/config?dry-run=true", "/apps/nope/restart");
    Map<String, String> seen = new TreeMap<>();
    for (String target : targets) {
      // 10 MB declared and sent
      byte[] body = new byte[10 * mib + 1];
      java.util.Arrays.fill(body, (byte) '[');
      RawHttp.Answer a = RawHttp.exchange(api.port(), request("POST", target, bearer(), null,
          "Content-Length: " + body.length), body, Duration.ofSeconds(10));
      seen.put(target + " 10MB", a.status() + "");
      assertJsonError(new Case("huge", target.getBytes(StandardCharsets.UTF_8), null, Set.of(413)), a);
      // a length far beyond what anyone sends, and no body at all
      RawHttp.Answer lie = RawHttp.exchange(api.port(), request("POST", target, bearer(), null, "Content-Length: 99999999999"),
          null, Duration.ofSeconds(10));
      assertJsonError(new Case("huge", target.getBytes(StandardCharsets.UTF_8), null, Set.of(413)), lie);
      // chunked, streamed until the node refuses: it must refuse long before 200 MiB
      long sent = chunkedUntilRefused(target, 200L * mib);
      seen.put(target + " chunked", "refused after " + sent / mib + " MiB");
      assertTrue(sent < 64L * mib, target + ": the node read " + sent + " bytes of an endless body");
    }
    System.out.println("management fuzz: huge bodies " + seen);
    assertEquals(200, node.get("/").statusCode());
  }

  /**
   * A request line Pekko's parser keeps waiting on (CR and LF taken as part of a method name
   * shorter than its max-method-length) gets no answer; the connection is closed once
   * the idle-timeout passes without a complete request head.
   */
  @Test
  void anUnfinishedRequestLineIsClosedWithinTheIdleTimeout() throws Exception {
    try (Socket s = new Socket("127.0.0.1", api.port())) {
      s.setSoTimeout((int) IDLE.plusSeconds(5).toMillis());
      long t0 = System.nanoTime();
      s.getOutputStream().write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      int b = s.getInputStream().read();
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(-1, b, "closed without an answer");
      assertTrue(millis >= IDLE.toMillis() - 200 && millis < IDLE.toMillis() + 2_000, "closed after " + millis + " ms");
    }
  }

  /**
   * Thousands of tiny pipelined requests in one read made Pekko's request parser recurse once per
   * request until the stack overflowed, and the JVM exited (pekko.jvm-exit-on-fatal-error).
   */
  @Test
  void aFloodOfPipelinedRequestsIsAnsweredAndTheNodeSurvives() throws Exception {
    int n = 8_000;
    String one = "GET /health HTTP/1.1\r\nHost:a\r\n\r\n";
    try (Socket s = new Socket("127.0.0.1", api.port())) {
      s.setSoTimeout(10_000);
      Thread writer = new Thread(() -> {
        try {
          s.getOutputStream().write(one.repeat(n).getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
          // the read side reports what happened
        }
      }, "flood");
      writer.start();
      InputStream in = new java.io.BufferedInputStream(s.getInputStream());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int ok = 0;
      while (ok < n) {
        RawHttp.Answer a = RawHttp.read(in, System.nanoTime(), deadline);
        assertEquals(200, a.status(), a.toString());
        ok++;
      }
      writer.join(5_000);
      System.out.println("management fuzz: " + ok + " pipelined requests answered on one connection");
    }
    HttpResponse<String> apps = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/apps"))
        .header("Authorization", bearer()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, apps.statusCode());
  }

  /** Regressions found by the fuzz, each named by what was wrong. */
  @Test
  void trailingDataAfterTheJsonBodyIsRefused() throws Exception {
    RawHttp.Answer a = RawHttp.exchange(api.port(), c("", "POST", "/apps/web/scale", bearer(), "{\"instances\": 3} {\"instances\": 4}").head(), null, ANSWER_WITHIN);
    assertJsonError(new Case("trailing", new byte[0], null, Set.of(400)), a);
    assertTrue(a.text().contains("body is not JSON"), a.text());
  }

  @Test
  void flagsOtherThanTrueOrFalseAreRefusedNotTakenAsFalse() throws Exception {
    String extra = "drover.app-defaults { env.DROVER_TEST = \"" + node.marker() + "\", readiness { type = http, path = \"/health\" } }\n"
        + "drover.apps.web { command = [\"node\", \"" + FrontHarnessAccess.WEB + "\"], instances = 2, route.prefix = \"/\", cwd = \"" + node.dir() + "\" }\n"
        + "drover.apps.extra { command = [\"node\", \"" + FrontHarnessAccess.WEB + "\"], route.prefix = \"/extra\", cwd = \"" + node.dir() + "\" }\n";
    RawHttp.Answer a = RawHttp.exchange(api.port(), c("", "POST", "/config?dry-run=yes", bearer(), extra).head(), null, ANSWER_WITHIN);
    assertJsonError(new Case("dry-run", new byte[0], null, Set.of(400)), a);
    assertTrue(a.text().contains("dry-run must be true or false"), a.text());
    RawHttp.Answer dry = RawHttp.exchange(api.port(), c("", "POST", "/config?dry-run", bearer(), extra).head(), null, ANSWER_WITHIN);
    assertEquals(200, dry.status(), dry.toString());
    assertEquals("[\"extra\"]", json.readTree(dry.body()).get("added").toString());
    RawHttp.Answer logs = RawHttp.exchange(api.port(), c("", "GET", "/apps/web/logs?follow=yes", bearer(), (byte[]) null).head(), null, ANSWER_WITHIN);
    assertJsonError(new Case("follow", new byte[0], null, Set.of(400)), logs);
    RawHttp.Answer apps = RawHttp.exchange(api.port(), c("", "GET", "/apps", bearer(), (byte[]) null).head(), null, ANSWER_WITHIN);
    assertEquals(1, json.readTree(apps.body()).get("apps").size(), "nothing was applied: " + apps);
  }

  @Test
  void requestsPekkoCannotParseGetJsonErrors() throws Exception {
    RawHttp.Answer method = RawHttp.exchange(api.port(), "FOO /apps HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", ANSWER_WITHIN);
    assertJsonError(new Case("method", new byte[0], null, Set.of(405)), method);
    RawHttp.Answer token = RawHttp.exchange(api.port(), c("", "GET", "/apps", "Bearer " + "x".repeat(20_000), (byte[]) null).head(), null, ANSWER_WITHIN);
    assertJsonError(new Case("token", new byte[0], null, Set.of(431)), token);
    RawHttp.Answer host = RawHttp.exchange(api.port(), "GET /apps HTTP/1.1\r\nConnection: close\r\n\r\n", ANSWER_WITHIN);
    assertJsonError(new Case("host", new byte[0], null, Set.of(400)), host);
  }

  /** Streams a chunked body of up to {@code max} bytes; returns how much was written when the answer came. */
  long chunkedUntilRefused(String target, long max) throws Exception {
    try (Socket s = new Socket("127.0.0.1", api.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request("POST", target, bearer(), null, "Transfer-Encoding: chunked"));
      AtomicLong written = new AtomicLong();
      AtomicBoolean answered = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        byte[] chunk = ("10000\r\n" + "[".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        try {
          while (written.get() < max && !answered.get()) {
            out.write(chunk);
            written.addAndGet(0x10000);
          }
        } catch (IOException e) {
          // refused and closed
        }
      });
      writer.start();
      InputStream in = new java.io.BufferedInputStream(s.getInputStream());
      RawHttp.Answer a = RawHttp.read(in, System.nanoTime(), System.nanoTime() + Duration.ofSeconds(10).toNanos());
      long at = written.get();
      answered.set(true);
      s.close();
      writer.join(5_000);
      assertJsonError(new Case("huge-chunked", target.getBytes(StandardCharsets.UTF_8), null, Set.of(413)), a);
      return at;
    }
  }
}
