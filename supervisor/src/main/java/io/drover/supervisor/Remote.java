package io.drover.supervisor;

import io.drover.worker.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Requests for a worker on another node: the front there has no socket to it, so the whole
 * request travels as one message to the worker's actor ({@link Serve}), which answers with one
 * message ({@link Answer}). A process worker passes the request on to its process over loopback
 * HTTP; an actor worker handles it like a request from its own node's front.
 */
public final class Remote {
  /** Headers that describe one connection, not the message: never carried across. */
  private static final Set<String> HOP_BY_HOP =
      Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
          "content-length", "expect", "host");

  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private Remote() {}

  /** Whether a header (name in lower case) describes one connection rather than the message. */
  public static boolean hopByHop(String name) {
    return HOP_BY_HOP.contains(name);
  }

  /** Whether a request may be sent twice (to another worker) without harm. */
  public static boolean idempotent(String method) {
    return IDEMPOTENT.contains(method);
  }

  /**
   * One request for a worker, whole.
   *
   * @param uri path and query as the client sent them
   * @param headers name, value, name, value, … (names lower-case)
   * @param id the caller's number for the request, echoed in the answer
   */
  public record Serve(String method, String uri, List<String> headers, byte[] body, long id, ActorRef<Answer> replyTo)
      implements ProcessWorker.Command, CrossNode {}

  /**
   * The answer to a {@link Serve}: a response, or (with {@code refused} set) the worker could not
   * take the request — not ready, or stopping — and the caller should try another worker.
   */
  public record Answer(long id, int status, List<String> headers, byte[] body, String refused) implements CrossNode {
    /** The worker cannot take the request: try another. */
    public static Answer refusal(long id, String why) {
      return new Answer(id, 0, List.of(), new byte[0], why);
    }

    /** An answer Drover makes (502, 504): a JSON body with the error. */
    public static Answer error(long id, int status, String error) {
      String body = "{\"status\":" + status + ",\"error\":\"" + error.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
      return new Answer(id, status, List.of("content-type", "application/json"), body.getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
    }

    static Answer of(long id, Response r) {
      List<String> headers = new ArrayList<>();
      r.headers().forEach((k, v) -> {
        headers.add(k.toLowerCase(Locale.ROOT));
        headers.add(v);
      });
      return new Answer(id, r.status(), headers, r.body(), null);
    }
  }

  /**
   * Sends a request to a worker process listening on the loopback {@code port} with the JDK's
   * HTTP client: for nodes without a front, whose {@link Drainer} forwards faster.
   */
  public static CompletionStage<Answer> toProcess(Serve m, int port, Duration timeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + m.uri()))
            .timeout(timeout)
            .method(m.method(), m.body().length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(m.body()));
    for (int i = 0; i + 1 < m.headers().size(); i += 2) {
      String name = m.headers().get(i);
      if (!HOP_BY_HOP.contains(name)) {
        b.header(name, m.headers().get(i + 1));
      }
    }
    return CLIENT.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray()).handle((r, e) -> {
      if (e != null) {
        return failed(m, e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e, timeout);
      }
      List<String> headers = new ArrayList<>();
      r.headers().map().forEach((k, values) -> {
        if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
          values.forEach(v -> {
            headers.add(k.toLowerCase(Locale.ROOT));
            headers.add(v);
          });
        }
      });
      return new Answer(m.id(), r.statusCode(), headers, r.body(), null);
    });
  }

  /**
   * The process did not answer: never reached (refused) or an idempotent request is tried on
   * another worker, as the front does for local workers; otherwise 504 or 502.
   */
  private static Answer failed(Serve m, Throwable e, Duration timeout) {
    boolean neverSent = e instanceof java.net.ConnectException;
    if (e instanceof java.net.http.HttpTimeoutException && !neverSent) {
      return Answer.error(m.id(), 504, "worker did not answer within " + timeout.toMillis() + "ms");
    }
    if (neverSent || IDEMPOTENT.contains(m.method())) {
      return Answer.refusal(m.id(), "worker process: " + e);
    }
    return Answer.error(m.id(), 502, "worker failed before answering: " + e.getClass().getSimpleName());
  }

  /** The request as an actor worker's {@link ActorWorker.Handle}, answering {@code m.replyTo()}. */
  static ActorWorker.Handle asHandle(Serve m) {
    int q = m.uri().indexOf('?');
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 0; i + 1 < m.headers().size(); i += 2) {
      headers.computeIfAbsent(m.headers().get(i), k -> new ArrayList<>(1)).add(m.headers().get(i + 1));
    }
    io.drover.worker.Request request =
        new io.drover.worker.Request(m.method(), q < 0 ? m.uri() : m.uri().substring(0, q), q < 0 ? "" : m.uri().substring(q + 1), headers, m.body());
    return new ActorWorker.Handle(request, new ActorWorker.Reply() {
      @Override
      public void answer(Response response) {
        m.replyTo().tell(Answer.of(m.id(), response));
      }

      @Override
      public void refuse(String why) {
        m.replyTo().tell(Answer.refusal(m.id(), why));
      }
    });
  }
}
