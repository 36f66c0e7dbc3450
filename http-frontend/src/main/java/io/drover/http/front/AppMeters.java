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
    WORKER_FAILED;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Counter[] byStatusClass = new Counter[6]; // index 1..5 = 1xx..5xx
  private final Timer duration;
  private final Counter retries;
  private final Counter[] errors = new Counter[ErrorKind.values().length];

  AppMeters(MeterRegistry registry, String app) {
    for (int c = 1; c <= 5; c++) {
      byStatusClass[c] =
          Counter.builder("drover.http.requests")
              .description("Requests answered, by status class")
              .tags("app", app, "status", c + "xx")
              .register(registry);
    }
    duration =
        Timer.builder("drover.http.request.duration")
            .description("Time from a request's arrival to the end of its answer")
            .tags("app", app)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);
    retries =
        Counter.builder("drover.http.retries")
            .description("Requests retried on another worker")
            .tags("app", app)
            .register(registry);
    for (ErrorKind k : ErrorKind.values()) {
      errors[k.ordinal()] =
          Counter.builder("drover.http.errors")
              .description("Errors the front answered itself: no_worker 503, timeout 504, worker_failed 502")
              .tags("app", app, "kind", k.tag())
              .register(registry);
    }
  }

  void answered(int status, long startNanos) {
    int c = status / 100;
    if (c >= 1 && c <= 5) {
      byStatusClass[c].increment();
    }
    duration.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }

  void retried() {
    retries.increment();
  }

  void error(ErrorKind kind) {
    errors[kind.ordinal()].increment();
  }
}
