package io.drover.http.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AppHistoryTest {
  static AppHistory.AppPoint point(double rps) {
    return new AppHistory.AppPoint(rps, 0, Double.NaN, Double.NaN, Double.NaN, 0);
  }

  @Test
  void keepsTheLastPointsOldestFirstAndAnswersThoseAfterSince() {
    AppHistory h = new AppHistory(3);
    for (int i = 1; i <= 5; i++) {
      h.add(1000L * i, point(i), Map.of(0, new AppHistory.WorkerPoint(i * 10, i * 100)));
    }
    Map<String, Object> all = h.json("web", 2000, Long.MIN_VALUE);
    assertEquals(List.of(3000L, 4000L, 5000L), all.get("t"));
    assertEquals(List.of(3.0, 4.0, 5.0), all.get("requestsPerSecond"));
    assertEquals(Arrays.asList(null, null, null), all.get("p50Seconds"), "NaN is null");
    assertEquals(List.of(30.0, 40.0, 50.0), ((Map<?, ?>) ((Map<?, ?>) all.get("workers")).get("0")).get("cpuPercent"));
    assertEquals(List.of(5000L), h.json("web", 2000, 4000).get("t"));
    assertEquals(List.of(), h.json("web", 2000, 5000).get("t"));
  }

  @Test
  void aWorkerSeriesStartsEmptyAndEndsWithItsInstance() {
    AppHistory h = new AppHistory(4);
    h.add(1000, point(1), Map.of(0, new AppHistory.WorkerPoint(1, 1)));
    h.add(2000, point(1), Map.of(0, new AppHistory.WorkerPoint(2, 2), 1, new AppHistory.WorkerPoint(Double.NaN, Double.NaN)));
    h.add(3000, point(1), Map.of(0, new AppHistory.WorkerPoint(3, 3), 1, new AppHistory.WorkerPoint(7, 7)));
    Map<?, ?> workers = (Map<?, ?>) h.json("web", 2000, 0).get("workers");
    assertEquals(Arrays.asList(null, null, 7.0), ((Map<?, ?>) workers.get("1")).get("cpuPercent"),
        "before it existed and without a process: null");
    h.add(4000, point(1), Map.of(0, new AppHistory.WorkerPoint(4, 4)));
    assertEquals(List.of(0), List.copyOf(h.instances()), "scaled down: instance 1's series is gone");
  }

  @Test
  void quantilesComeFromTheBucketsRecordedBetweenTwoSnapshots() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Timer timer = Timer.builder("t").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    for (int i = 0; i < 1000; i++) {
      timer.record(2, TimeUnit.SECONDS); // before: slow, must not count
    }
    CountAtBucket[] before = timer.takeSnapshot().histogramCounts();
    long count = timer.count();
    for (int i = 0; i < 99; i++) {
      timer.record(10, TimeUnit.MILLISECONDS);
    }
    timer.record(500, TimeUnit.MILLISECONDS);
    CountAtBucket[] now = timer.takeSnapshot().histogramCounts();
    double p50 = MetricsHistory.quantile(0.5, timer.count() - count, now, before);
    double p99 = MetricsHistory.quantile(0.99, timer.count() - count, now, before);
    double p999 = MetricsHistory.quantile(0.999, timer.count() - count, now, before);
    assertTrue(p50 > 0.005 && p50 <= 0.0115, "p50 of 10 ms: " + p50);
    assertTrue(p99 > 0.005 && p99 <= 0.0115, "p99 of 99 x 10 ms and 1 x 500 ms: " + p99);
    assertTrue(p999 > 0.3 && p999 <= 0.6, "p99.9 is the 500 ms one: " + p999);
    assertTrue(Double.isNaN(MetricsHistory.quantile(0.5, 0, now, now)), "nothing recorded: NaN");
  }
}
