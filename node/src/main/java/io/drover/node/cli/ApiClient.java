package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Authorization;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.FramingTruncation;
import org.apache.pekko.util.ByteString;

/**
 * A thin client of the management API (docs/api.md) for one CLI call: a small actor system, the
 * Pekko HTTP client, bounded waits, and every failure turned into one line and an exit status.
 */
public final class ApiClient implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Quiet: the CLI prints its own one-line errors; nothing of Pekko reaches the terminal. */
  private static final String SYSTEM_CONFIG =
      String.join(
          "\n",
          "pekko {",
          "  loglevel = OFF",
          "  stdout-loglevel = OFF",
          "  loggers = [\"org.apache.pekko.event.Logging$DefaultLogger\"]",
          "  log-dead-letters = off",
          "  log-dead-letters-during-shutdown = off",
          "  daemonic = on",
          "  jvm-shutdown-hooks = off",
          "  coordinated-shutdown.run-by-jvm-shutdown-hook = off",
          "  coordinated-shutdown.exit-jvm = off",
          "  http.client {",
          "    user-agent-header = drover-cli",
          "    connecting-timeout = 5s",
          // waits are bounded by the client itself; streams (logs -f, events) may be quiet for long
          "    idle-timeout = infinite",
          "  }",
          "  http.host-connection-pool {",
          "    max-retries = 0",
          "    max-open-requests = 8",
          "    response-entity-subscription-timeout = 30s",
          "    client.idle-timeout = infinite",
          "    client.connecting-timeout = 5s",
          "  }",
          "}");

  private static final int MAX_LINE = 16 * 1024 * 1024;

  /** A 2xx answer of the API. */
  public record Response(int status, String contentType, String body) {
    JsonNode json() throws Failure {
      try {
        return JSON.readTree(body);
      } catch (Exception e) {
        throw new Failure(Exit.REFUSED, "the node answered something that is not JSON: " + Cli.oneLine(body, 120), null);
      }
    }
  }

  /** A call that did not succeed: the one line to print and the exit status. */
  public static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exit;
    private final transient String body;

    Failure(int exit, String message, String body) {
      super(message, null, false, false);
      this.exit = exit;
      this.body = body;
    }

    /** The process's exit status for this failure. */
    public int exit() {
      return exit;
    }

    /** The API's answer when it said no, else null. */
    public String body() {
      return body;
    }
  }

  private final URI base;
  private final String token;
  private final Duration timeout;
  private final ActorSystem system;
  private final Materializer materializer;

  private ApiClient(URI base, String token, Duration timeout) {
    this.base = base;
    this.token = token;
    this.timeout = timeout;
    Config config =
        ConfigFactory.parseString(SYSTEM_CONFIG)
            .withFallback(ConfigFactory.defaultReference(ApiClient.class.getClassLoader()))
            .resolve();
    this.system = ActorSystem.create("drover-cli", config, ApiClient.class.getClassLoader());
    this.materializer = Materializer.matFromSystem(system);
  }

  /** A client of the API at {@code base} (no trailing slash); {@code token} may be null. */
  public static ApiClient open(URI base, String token, Duration timeout) {
    return new ApiClient(base, token, timeout);
  }

  URI base() {
    return base;
  }

  /** GET {@code path} (with its query), the whole answer. */
  public Response get(String path) throws Failure, InterruptedException {
    return send(HttpRequest.GET(url(path)));
  }

  /** POST {@code body} of type {@code contentType} to {@code path}, the whole answer. */
  public Response post(String path, ContentType contentType, String body) throws Failure, InterruptedException {
    return send(HttpRequest.POST(url(path)).withEntity(HttpEntities.create(contentType, body.getBytes(StandardCharsets.UTF_8))));
  }

  /** POST without a body. */
  public Response post(String path) throws Failure, InterruptedException {
    return send(HttpRequest.POST(url(path)));
  }

  /**
   * GET a {@code text/event-stream}, call {@code onConnected} once the node answered, and hand
   * each of its lines (without the line break) to {@code onLine} until the node ends the stream
   * or {@code onLine} answers false. Blocks: Ctrl-C ends the JVM; an interrupt of the calling
   * thread ends the call with InterruptedException.
   */
  public void stream(String path, Runnable onConnected, Predicate<String> onLine) throws Failure, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest request = authorized(HttpRequest.GET(url(path))).addHeader(RawHeader.create("Accept", "text/event-stream"));
    HttpResponse response = await(Http.get(system).singleRequest(request), deadline);
    if (response.status().intValue() >= 300) {
      throw refusal(response.status().intValue(), response.status().reason(), strictBody(response, deadline));
    }
    onConnected.run();
    CompletionStage<Done> done =
        response
            .entity()
            .withoutSizeLimit()
            .getDataBytes()
            .via(Framing.delimiter(ByteString.fromString("\n"), MAX_LINE, FramingTruncation.ALLOW))
            .map(b -> {
              String line = b.utf8String();
              return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            })
            .takeWhile(onLine::test)
            .runForeach(line -> {}, materializer);
    try {
      done.toCompletableFuture().get();
    } catch (ExecutionException e) {
      String why = reason(e.getCause());
      String lower = why.toLowerCase(Locale.ROOT);
      if (lower.contains("connection reset") || lower.contains("connection closed")) {
        why = "the connection was closed (did the node stop?)";
      }
      throw new Failure(Exit.UNREACHABLE, "lost the node at " + base + ": " + why, null);
    }
  }

  private Response send(HttpRequest request) throws Failure, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpResponse response = await(Http.get(system).singleRequest(authorized(request)), deadline);
    int status = response.status().intValue();
    String body = strictBody(response, deadline);
    if (status >= 300) {
      throw refusal(status, response.status().reason(), body);
    }
    return new Response(status, response.entity().getContentType().toString(), body);
  }

  private HttpRequest authorized(HttpRequest request) {
    return token == null ? request : request.addHeader(Authorization.oauth2(token));
  }

  private String url(String path) {
    return base + path;
  }

  private String strictBody(HttpResponse response, long deadline) throws Failure, InterruptedException {
    long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    HttpEntity.Strict strict = await(response.entity().toStrict(left, materializer), deadline);
    return strict.getData().decodeString(StandardCharsets.UTF_8);
  }

  private <T> T await(CompletionStage<T> stage, long deadline) throws Failure, InterruptedException {
    try {
      return stage.toCompletableFuture().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new Failure(
          Exit.UNREACHABLE, "no answer from the node at " + base + " within " + Cli.duration(timeout.toMillis()) + " (--timeout)", null);
    } catch (ExecutionException e) {
      throw new Failure(Exit.UNREACHABLE, "cannot reach the node at " + base + ": " + reason(e.getCause()), null);
    }
  }

  /** Why a connection failed, in a few words. */
  static String reason(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("connection refused") || (c instanceof ConnectException && m.contains("refused"))) {
        return "connection refused (is it running? --url)";
      }
      if (c instanceof UnknownHostException) {
        return "unknown host " + c.getMessage() + " (--url)";
      }
      if (m.contains("connect timeout") || m.contains("connection timed out")) {
        return "connection timed out (--url)";
      }
    }
    String m = t == null ? null : t.getMessage();
    return m == null ? (t == null ? "unknown error" : t.getClass().getSimpleName()) : Cli.oneLine(m, 200);
  }

  /** The API said no: 401 is exit 4, any other 3xx/4xx/5xx exit 1, with the API's error. */
  static Failure refusal(int status, String reason, String body) {
    String error = errorLine(body);
    if (status == 401) {
      return new Failure(
          Exit.UNAUTHORIZED,
          (error == null ? "unauthorized" : error) + " (give --token or set DROVER_TOKEN)",
          body);
    }
    if (error == null) {
      String text = Cli.oneLine(body, 200);
      error = "HTTP " + status + " " + reason + (text.isEmpty() ? "" : ": " + text);
    }
    return new Failure(Exit.REFUSED, error, body);
  }

  /** {"error":"no such app","app":"x"} → "no such app (app: x)"; null when not such a body. */
  static String errorLine(String body) {
    JsonNode n;
    try {
      n = JSON.readTree(body);
    } catch (Exception e) {
      return null;
    }
    if (n == null || !n.isObject() || !n.path("error").isValueNode()) {
      return null;
    }
    StringBuilder extra = new StringBuilder();
    for (Map.Entry<String, JsonNode> f : n.properties()) {
      if (!f.getKey().equals("error") && !f.getKey().equals("status") && f.getValue().isValueNode()) {
        extra.append(extra.length() == 0 ? "" : ", ").append(f.getKey()).append(": ").append(f.getValue().asText());
      }
    }
    return Cli.oneLine(n.get("error").asText() + (extra.length() == 0 ? "" : " (" + extra + ")"), 300);
  }

  @Override
  public void close() {
    try {
      Http.get(system).shutdownAllConnectionPools().toCompletableFuture().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // ending anyway
    }
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // daemonic threads: the JVM exits regardless
    }
  }
}
