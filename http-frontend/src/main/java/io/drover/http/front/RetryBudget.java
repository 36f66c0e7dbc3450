package io.drover.http.front;

import io.drover.supervisor.config.RetryBudgetSpec;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An app's retry budget (after Linkerd's): over the last {@link #SECONDS} seconds, retries stay
 * below a share of the requests plus a floor per second, so that a failing release cannot
 * multiply the load by retrying every request. Counted in one-second buckets shared by every
 * event loop; a bucket is reset when its second comes round again. It is approximate at the
 * edge of a second by design: one request more or less does not matter to a budget.
 */
final class RetryBudget {
  static final int SECONDS = 10;

  private volatile RetryBudgetSpec spec;
  /** Per bucket: the second it counts (since the epoch of System.nanoTime), its requests and retries. */
  private final AtomicLongArray second = new AtomicLongArray(SECONDS);
  private final java.util.concurrent.atomic.LongAdder[] requests = new java.util.concurrent.atomic.LongAdder[SECONDS];
  private final AtomicLongArray retries = new AtomicLongArray(SECONDS);

  RetryBudget(RetryBudgetSpec spec) {
    this.spec = spec;
    for (int i = 0; i < SECONDS; i++) {
      second.set(i, Long.MIN_VALUE);
      requests[i] = new java.util.concurrent.atomic.LongAdder(); // every event loop counts: no shared cache line
    }
  }

  void configure(RetryBudgetSpec s) {
    this.spec = s;
  }

  /** A request arrived at {@code nanos} (System.nanoTime, the time the front already took for it). */
  void request(long nanos) {
    requests[bucket(nanos / 1_000_000_000L)].increment();
  }

  /** Whether one more retry fits the budget; when it does, it is counted. */
  boolean tryRetry() {
    long now = now();
    long req = 0;
    long ret = 0;
    for (int i = 0; i < SECONDS; i++) {
      long s = second.get(i);
      if (now - s < SECONDS) {
        req += requests[i].sum();
        ret += retries.get(i);
      }
    }
    RetryBudgetSpec b = spec;
    if (ret >= req * b.percent() / 100.0 + (double) b.minPerSecond() * SECONDS) {
      return false;
    }
    retries.incrementAndGet(bucket(now));
    return true;
  }

  private static long now() {
    return System.nanoTime() / 1_000_000_000L;
  }

  /** The bucket of second {@code now}, emptied first when it still holds an older second. */
  private int bucket(long now) {
    int i = (int) Math.floorMod(now, (long) SECONDS);
    long s = second.get(i);
    if (s != now && second.compareAndSet(i, s, now)) {
      requests[i].reset();
      retries.set(i, 0);
    }
    return i;
  }
}
