package io.drover.http.front;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** A bounded load loop against the front: N threads, each sending requests until the deadline. */
final class Load {
  record Result(long ok, long failed, long posts, List<String> failures) {}

  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong posts = new AtomicLong();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

  /** @param withPosts every other request of each thread is a POST with a body */
  static Load start(FrontHarness h, int threads, Duration duration, boolean withPosts) {
    Load load = new Load();
    long deadline = System.nanoTime() + duration.toNanos();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread thread = new Thread(() -> load.run(h, index, deadline, withPosts), "load-" + t);
      thread.setDaemon(true);
      load.threads.add(thread);
      thread.start();
    }
    return load;
  }

  private void run(FrontHarness h, int index, long deadline, boolean withPosts) {
    long i = 0;
    while (System.nanoTime() < deadline) {
      boolean post = withPosts && (i++ % 2 == 1);
      String id = "load-" + index + "-" + i; // the front keeps a client's id: its access log line names it
      HttpRequest.Builder b = HttpRequest.newBuilder(h.uri(post ? "/echo" : "/")).timeout(Duration.ofSeconds(10)).header("X-Request-Id", id);
      if (post) {
        b.POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000)));
        posts.incrementAndGet();
      }
      try {
        HttpResponse<String> r = h.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        boolean good = r.statusCode() == 200 && (post ? r.body().contains("\"bodyLength\":1000") : r.body().startsWith("hello from"));
        if (good) {
          ok.incrementAndGet();
        } else {
          failed.incrementAndGet();
          failures.add((post ? "POST " : "GET ") + r.statusCode() + " " + r.body() + " (at " + java.time.LocalTime.now() + ")");
        }
      } catch (Exception e) {
        failed.incrementAndGet();
        failures.add((post ? "POST " : "GET ") + e + (e.getCause() != null ? " (cause: " + e.getCause() + ")" : "")
            + " (at " + java.time.LocalTime.now() + ", the front's log has the trail) id=" + id);
      }
    }
  }

  Result await() throws InterruptedException {
    for (Thread t : threads) {
      t.join(60_000);
    }
    return new Result(ok.get(), failed.get(), posts.get(), List.copyOf(failures).subList(0, Math.min(20, failures.size())));
  }
}
