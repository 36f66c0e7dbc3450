package io.drover.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A thin client of the management API (docs/api.md) for one CLI call: a request and its whole
 * answer on a connection of their own ({@link OneCall}), a stream ({@code -f}) on the JDK's HTTP
 * client (HTTP/1.1; no actor system: a CLI call starts in a fraction of a second), bounded
 * waits, and every failure turned into one line and an exit status.
 */
public final class ApiClient implements AutoCloseable {
  /** Connecting never takes longer than this, whatever --timeout says. */
  private static final Duration CONNECT = Duration.ofSeconds(5);

  /** A 2xx answer of the API. */
  public record Response(int status, String contentType, String body) {
    JsonNode json() throws Failure {
      try {
        return Json.read(body);
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
  private final SSLContext trust;
  /** For streams only, made on first use (one-shot calls need none: {@link OneCall}). */
  private ExecutorService executor;
  private HttpClient http;

  private ApiClient(URI base, String token, Duration timeout, SSLContext trust) {
    this.base = base;
    this.token = token;
    this.timeout = timeout;
    this.trust = trust;
  }

  /** The JDK's client, for a stream: made on first use. */
  private HttpClient http() {
    if (http == null) {
      // daemon threads of our own, so that close() ends them (the client itself has no close in 17)
      executor = Executors.newCachedThreadPool(new DaemonThreads());
      HttpClient.Builder builder =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(connectTimeout())
              .followRedirects(HttpClient.Redirect.NEVER)
              .executor(executor);
      if (!"https".equalsIgnoreCase(base.getScheme())) {
        builder.sslContext(NoTls.context()).sslParameters(new SSLParameters());
      } else if (trust != null) {
        builder.sslContext(trust);
      }
      http = builder.build();
    }
    return http;
  }

  private Duration connectTimeout() {
    return timeout.compareTo(CONNECT) < 0 ? timeout : CONNECT;
  }

  /** The client's threads (a class, not a lambda: one call site fewer to link at start). */
  private static final class DaemonThreads implements java.util.concurrent.ThreadFactory {
    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "drover-cli-http");
      t.setDaemon(true);
      return t;
    }
  }

  /** A client of the API at {@code base} (no trailing slash); {@code token} may be null. */
  public static ApiClient open(URI base, String token, Duration timeout) {
    return new ApiClient(base, token, timeout, null);
  }

  /** As {@link #open(URI, String, Duration)}, trusting {@code trust}'s certificates for https (null: the JDK's). */
  public static ApiClient open(URI base, String token, Duration timeout, SSLContext trust) {
    return new ApiClient(base, token, timeout, trust);
  }

  URI base() {
    return base;
  }

  /** GET {@code path} (with its query), the whole answer. */
  public Response get(String path) throws Failure, InterruptedException {
    return send("GET", path, null, null);
  }

  /** POST {@code body} of type {@code contentType} (a media type) to {@code path}, the whole answer. */
  public Response post(String path, String contentType, String body) throws Failure, InterruptedException {
    return send("POST", path, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  /** POST without a body. */
  public Response post(String path) throws Failure, InterruptedException {
    return send("POST", path, null, null);
  }

  /**
   * GET a {@code text/event-stream}, call {@code onConnected} once the node answered, and hand
   * each of its lines (without the line break) to {@code onLine} until the node ends the stream
   * or {@code onLine} answers false. Blocks: Ctrl-C ends the JVM; an interrupt of the calling
   * thread ends the call with InterruptedException.
   */
  public void stream(String path, Runnable onConnected, Predicate<String> onLine) throws Failure, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest request = request(path).header("Accept", "text/event-stream").GET().build();
    CompletableFuture<HttpResponse.ResponseInfo> head = new CompletableFuture<>();
    Lines lines = new Lines();
    CompletableFuture<HttpResponse<String>> whole = http().sendAsync(request, info -> {
      head.complete(info);
      return info.statusCode() >= 300
          ? HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8)
          : HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.fromLineSubscriber(lines), none -> "");
    });
    try {
      await(CompletableFuture.anyOf(head, whole), deadline);
      int status = head.getNow(null).statusCode();
      if (status >= 300) {
        throw ApiErrors.refusal(status, await(whole, deadline).body());
      }
      onConnected.run();
      // the stream may be quiet for long (a heartbeat every few seconds): no deadline on reading
      while (true) {
        Object next = lines.take();
        if (next == Lines.END || (next instanceof String line && !onLine.test(line))) {
          return;
        }
        if (next instanceof Throwable t) {
          String why = ApiErrors.reason(base, t);
          String lower = why.toLowerCase(Locale.ROOT);
          if (lower.contains("connection reset") || lower.contains("closed") || lower.contains("eof")) {
            why = "the connection was closed (did the node stop?)";
          }
          throw new Failure(Exit.UNREACHABLE, "lost the node at " + base + ": " + why, null);
        }
      }
    } finally {
      lines.cancel();
      whole.cancel(true);
    }
  }

  /**
   * The lines of a stream, handed from the client's threads to the caller one at a time: the
   * caller waits in {@link #take}, which an interrupt ends (a read of the body would not end).
   */
  private static final class Lines implements Flow.Subscriber<String> {
    static final Object END = new Object();
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(String line) {
      queue.add(line);
    }

    @Override
    public void onError(Throwable t) {
      queue.add(t);
    }

    @Override
    public void onComplete() {
      queue.add(END);
    }

    /** The next line, END, or why the stream failed. */
    Object take() throws InterruptedException {
      Object next = queue.take();
      if (next instanceof String) {
        subscription.request(1);
      }
      return next;
    }

    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("User-Agent", "drover-cli");
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  /** One call on a connection of its own, its whole answer before the deadline; a 3xx/4xx/5xx is a Failure. */
  private Response send(String method, String path, String contentType, byte[] body) throws Failure, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
    headers.put("User-Agent", "drover-cli");
    if (token != null) {
      headers.put("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
    OneCall.Answer answer;
    try {
      answer = OneCall.send(URI.create(base + path), method, headers, body, trust, (int) connectTimeout().toMillis(), deadline);
    } catch (OneCall.NoAnswer e) {
      throw noAnswer();
    } catch (OneCall.ConnectTimeout e) {
      if (timeout.compareTo(CONNECT) <= 0) {
        throw noAnswer();
      }
      throw new Failure(Exit.UNREACHABLE, "cannot reach the node at " + base + ": " + ApiErrors.reason(base, e), null);
    } catch (java.io.IOException e) {
      throw new Failure(Exit.UNREACHABLE, "cannot reach the node at " + base + ": " + ApiErrors.reason(base, e), null);
    }
    if (Thread.interrupted()) {
      throw new InterruptedException(); // as a wait on the JDK's client would have ended
    }
    if (answer.status() >= 300) {
      throw ApiErrors.refusal(answer.status(), answer.body());
    }
    return new Response(answer.status(), answer.contentType(), answer.body());
  }

  private Failure noAnswer() {
    return new Failure(
        Exit.UNREACHABLE, "no answer from the node at " + base + " within " + Cli.duration(timeout.toMillis()) + " (--timeout)", null);
  }

  /** The answer (headers, and the whole body unless it is a stream) before the deadline. */
  private <T> T await(CompletableFuture<T> answer, long deadline) throws Failure, InterruptedException {
    try {
      return answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      answer.cancel(true);
      throw noAnswer();
    } catch (InterruptedException e) {
      answer.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
      if (cause instanceof HttpConnectTimeoutException && timeout.compareTo(CONNECT) <= 0) {
        throw noAnswer();
      }
      throw new Failure(Exit.UNREACHABLE, "cannot reach the node at " + base + ": " + ApiErrors.reason(base, cause), null);
    }
  }

  /**
   * Ends the client's threads. JDK 17's HttpClient has no close (21's has): its selector thread
   * would stay in epoll_wait, and an exiting JVM waits up to 300 ms for threads in native code.
   * An interrupt ends that thread (HttpClient-ID-SelectorManager, ID as in the client's
   * toString); should the JDK name it otherwise, the call only ends later.
   */
  @Override
  public void close() {
    if (http == null) {
      return;
    }
    executor.shutdownNow();
    String id = http.toString().replaceAll(".*\\((\\d+)\\)$", "$1");
    Thread[] threads = new Thread[Thread.activeCount() + 16];
    int n = Thread.enumerate(threads);
    for (int i = 0; i < n; i++) {
      if (threads[i].getName().equals("HttpClient-" + id + "-SelectorManager")) {
        threads[i].interrupt();
        try {
          threads[i].join(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
