package io.drover.http.front;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The front's meters of one app, resolved once so that recording a request is a few adds: no
 * lookup by name or tag on the request path.
 */
final class AppMeters {
  /** Front-made errors, by kind. */
  enum ErrorKind {
    NO_WORKER,
    TIMEOUT,
    WORKER_FAILED,
    /** 503: every worker was at its limit and the queue was full. */
    QUEUE_FULL,
    /** 503: the request waited in the queue longer than its timeout. */
    QUEUE_TIMEOUT;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The kind of an error the front answered with {@code status}, or null when it counts as none. */
    static ErrorKind of(int status) {
      return switch (status) {
        case 503 -> NO_WORKER;
        case 504 -> TIMEOUT;
        case 502 -> WORKER_FAILED;
        default -> null;
      };
    }
  }

  private final Counter[] byStatusClass = new Counter[6]; // index 1..5 = 1xx..5xx
  private final Timer duration;
  private final Counter retries;
  private final Counter[] errors = new Counter[ErrorKind.values().length];
  private final Timer queueWait;
  private final Counter retriesDenied;
  private final Counter ejections;

  AppMeters(MeterRegistry registry, String app, AppQueue queue) {
    for (int c = 1; c <= 5; c++) {
      byStatusClass[c] =
          Counter.builder("drover.http.requests")
              .description("Requests answered, by status class")
              .tags("app", app, "status", c + "xx")
              .register(registry);
    }
    duration = histogram(registry, app, "drover.http.request.duration", "Time from a request's arrival to the end of its answer");
    retries = counter(registry, app, "drover.http.retries", "Requests retried on another worker");
    for (ErrorKind k : ErrorKind.values()) {
      errors[k.ordinal()] =
          Counter.builder("drover.http.errors")
              .description("Errors the front answered itself: no_worker 503, timeout 504, worker_failed 502,"
                  + " queue_full 503, queue_timeout 503")
              .tags("app", app, "kind", k.tag())
              .register(registry);
    }
    io.micrometer.core.instrument.Gauge.builder("drover.http.queue.depth", queue, AppQueue::depth)
        .description("Requests waiting in the app's queue for a free worker (route.max-concurrency)")
        .tags("app", app)
        .register(registry);
    io.micrometer.core.instrument.Gauge.builder("drover.http.queue.limit", queue, q -> q.capacity().maxConcurrency())
        .description("Requests one worker gets at once (route.max-concurrency; 0: unlimited)")
        .tags("app", app)
        .register(registry);
    queueWait = histogram(registry, app, "drover.http.queue.wait", "Time requests waited in the queue before a worker took them");
    retriesDenied = counter(registry, app, "drover.http.retries.denied", "Retries the retry budget did not allow (the request was answered instead)");
    ejections = counter(registry, app, "drover.http.ejections", "Times a worker was taken out of rotation for failing in a row (outlier ejection)");
  }

  /** A counter of the app. */
  private static Counter counter(MeterRegistry registry, String app, String name, String description) {
    return Counter.builder(name).description(description).tags("app", app).register(registry);
  }

  /** A timer of the app with a histogram from 1 ms to 60 s (p50/p99 in any Prometheus). */
  private static Timer histogram(MeterRegistry registry, String app, String name, String description) {
    return Timer.builder(name)
        .description(description)
        .tags("app", app)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
  }

  void waited(long nanos) {
    queueWait.record(nanos, TimeUnit.NANOSECONDS);
  }

  void retryDenied() {
    retriesDenied.increment();
  }

  void ejected() {
    ejections.increment();
  }

  long rejected(ErrorKind kind) {
    return (long) errors[kind.ordinal()].count();
  }

  void answered(int status, long startNanos) {
    answered(status, startNanos, System.nanoTime());
  }

  /** As {@link #answered(int, long)}, the answer complete at {@code nowNanos} (System.nanoTime). */
  void answered(int status, long startNanos, long nowNanos) {
    int c = status / 100;
    if (c >= 1 && c <= 5) {
      byStatusClass[c].increment();
    }
    duration.record(nowNanos - startNanos, TimeUnit.NANOSECONDS);
  }

  void retried() {
    retries.increment();
  }

  void error(ErrorKind kind) {
    if (kind != null) {
      errors[kind.ordinal()].increment();
    }
  }
}
