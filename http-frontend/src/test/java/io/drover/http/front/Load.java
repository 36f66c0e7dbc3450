package io.drover.http.front;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A bounded load loop against the front: N threads, each sending requests until the deadline.
 *
 * <p>Java's HttpClient (17.0.15 and 25.0.3 alike) now and then fails a request on a reused
 * connection by closing that connection itself: the answer arrives before the client has moved
 * the connection's reader from its pool's idle watch to the new exchange, the idle watch takes
 * the answer for stray data and closes the connection, and the request fails with "HTTP/1.1
 * header parser received no bytes", caused by "connection closed locally" in
 * {@code ConnectionPool$CleanupTrigger} (JDK-8338569, JDK-8357639). It shows against any server
 * that answers fast: 36 of 930 000 POSTs in 60 s against a plain blocking HTTP/1.1 server, no
 * Drover involved. Such a failure is the client's, so it is counted apart ({@link
 * Result#clientRaces}), only when that stack proves it; every other failure counts.
 */
final class Load {
  record Result(long ok, long failed, long posts, List<String> failures, long clientRaces) {}

  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong posts = new AtomicLong();
  private final AtomicLong clientRaces = new AtomicLong();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

  /** @param withPosts every other request of each thread is a POST with a body */
  static Load start(FrontHarness h, int threads, Duration duration, boolean withPosts) {
    return start(h.client, h::uri, threads, duration, withPosts);
  }

  /** The same with {@code client} (HTTP/2 over TLS, say) to the URIs {@code uri} makes of a path. */
  static Load start(HttpClient client, Function<String, URI> uri, int threads, Duration duration, boolean withPosts) {
    Load load = new Load();
    long deadline = System.nanoTime() + duration.toNanos();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread thread = new Thread(() -> load.run(client, uri, index, deadline, withPosts), "load-" + t);
      thread.setDaemon(true);
      load.threads.add(thread);
      thread.start();
    }
    return load;
  }

  private void run(HttpClient client, Function<String, URI> uri, int index, long deadline, boolean withPosts) {
    long i = 0;
    while (System.nanoTime() < deadline) {
      boolean post = withPosts && (i++ % 2 == 1);
      String id = "load-" + index + "-" + i; // the front keeps a client's id: its access log line names it
      HttpRequest.Builder b = HttpRequest.newBuilder(uri.apply(post ? "/echo" : "/")).timeout(Duration.ofSeconds(10)).header("X-Request-Id", id);
      if (post) {
        b.POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000)));
        posts.incrementAndGet();
      }
      try {
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        boolean good = r.statusCode() == 200 && (post ? r.body().contains("\"bodyLength\":1000") : r.body().startsWith("hello from"));
        if (good) {
          ok.incrementAndGet();
        } else {
          failed.incrementAndGet();
          failures.add((post ? "POST " : "GET ") + r.statusCode() + " " + r.body() + " (at " + java.time.LocalTime.now() + ")");
        }
      } catch (Exception e) {
        if (closedByItsOwnPool(e)) {
          clientRaces.incrementAndGet();
          System.out.println("set aside, the client closed its own connection: " + (post ? "POST " : "GET ") + id);
          continue;
        }
        failed.incrementAndGet();
        failures.add((post ? "POST " : "GET ") + e + (e.getCause() != null ? " (cause: " + e.getCause() + ")" : "")
            + " (at " + java.time.LocalTime.now() + ", the front's log has the trail) id=" + id);
      }
    }
  }

  /** Whether the JDK client's pool closed the connection under this request (see the class's doc). */
  static boolean closedByItsOwnPool(Throwable e) {
    for (int depth = 0; e != null && depth < 10; e = e.getCause(), depth++) {
      for (StackTraceElement frame : e.getStackTrace()) {
        if (frame.getClassName().equals("jdk.internal.net.http.ConnectionPool$CleanupTrigger")) {
          return true;
        }
      }
    }
    return false;
  }

  Result await() throws InterruptedException {
    for (Thread t : threads) {
      t.join(60_000);
    }
    return new Result(ok.get(), failed.get(), posts.get(), List.copyOf(failures).subList(0, Math.min(20, failures.size())),
        clientRaces.get());
  }
}
