package io.drover.http.management;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The last minutes of one app, a fixed number of points in rings: the app's own series and two
 * per worker instance. A worker's series lives while its instance does (its restarts continue
 * it); a point where a figure was not known is NaN, null in JSON. Not thread-safe: its actor
 * ({@link MetricsHistory}) owns it.
 */
final class AppHistory {
  /** The app's series, in the order of {@link AppPoint}'s fields. */
  static final List<String> APP_SERIES =
      List.of("requestsPerSecond", "errorsPerSecond", "p50Seconds", "p99Seconds", "queued", "inFlight");
  static final List<String> WORKER_SERIES = List.of("cpuPercent", "rssBytes");
  /** What each app series is rounded to in JSON: 1/100 of a request, 10 µs, whole requests. */
  private static final int[] SCALES = {100, 100, 100_000, 100_000, 1, 1};

  /**
   * One sample of the app; NaN where unknown.
   *
   * @param requestsPerSecond requests answered per second since the previous sample
   * @param errorsPerSecond of those, 5xx answers per second
   * @param p50Seconds median time to answer over the same span
   * @param p99Seconds 99th percentile of it
   * @param queued requests waiting in the app's queue at the front (NaN: the app has no queue)
   * @param inFlight requests the front had in flight to its workers
   */
  record AppPoint(double requestsPerSecond, double errorsPerSecond, double p50Seconds, double p99Seconds,
      double queued, double inFlight) {
    double[] values() {
      return new double[] {requestsPerSecond, errorsPerSecond, p50Seconds, p99Seconds, queued, inFlight};
    }
  }

  /** One sample of a worker: CPU % (NaN without a process) and RSS bytes (NaN without a process). */
  record WorkerPoint(double cpuPercent, double rssBytes) {}

  private final int capacity;
  private final long[] times;
  private final double[][] app;
  private final Map<Integer, double[][]> workers = new HashMap<>();
  /** Where the next point goes. */
  private int head;
  private int size;

  AppHistory(int capacity) {
    this.capacity = capacity;
    this.times = new long[capacity];
    this.app = new double[APP_SERIES.size()][capacity];
  }

  /** Adds a point taken at {@code at} (epoch millis); instances not in {@code byInstance} are dropped. */
  void add(long at, AppPoint point, Map<Integer, WorkerPoint> byInstance) {
    times[head] = at;
    double[] v = point.values();
    for (int s = 0; s < v.length; s++) {
      app[s][head] = v[s];
    }
    workers.keySet().retainAll(byInstance.keySet());
    byInstance.forEach((instance, w) -> {
      double[][] series = workers.computeIfAbsent(instance, i -> empty());
      series[0][head] = w.cpuPercent();
      series[1][head] = w.rssBytes();
    });
    head = (head + 1) % capacity;
    size = Math.min(size + 1, capacity);
  }

  private double[][] empty() {
    double[][] series = new double[WORKER_SERIES.size()][capacity];
    for (double[] s : series) {
      java.util.Arrays.fill(s, Double.NaN);
    }
    return series;
  }

  int size() {
    return size;
  }

  Set<Integer> instances() {
    return workers.keySet();
  }

  /** The points taken after {@code since} (epoch millis), oldest first, as docs/api.md shows. */
  Map<String, Object> json(String name, long intervalMillis, long since) {
    List<Integer> idx = new ArrayList<>();
    for (int k = 0; k < size; k++) {
      int i = (head - size + k + capacity) % capacity;
      if (times[i] > since) {
        idx.add(i);
      }
    }
    Map<String, Object> body = Json.obj("app", name, "intervalMs", intervalMillis, "points", capacity);
    body.put("t", idx.stream().map(i -> times[i]).toList());
    for (int s = 0; s < APP_SERIES.size(); s++) {
      body.put(APP_SERIES.get(s), values(app[s], idx, SCALES[s]));
    }
    Map<String, Object> ws = new TreeMap<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
    workers.forEach((instance, series) -> ws.put(Integer.toString(instance),
        Json.obj("cpuPercent", values(series[0], idx, 10), "rssBytes", values(series[1], idx, 1))));
    body.put("workers", ws);
    return body;
  }

  /** The values at {@code idx}, rounded to 1/scale, NaN as null. */
  private static List<Double> values(double[] series, List<Integer> idx, int scale) {
    List<Double> out = new ArrayList<>(idx.size());
    for (int i : idx) {
      double v = series[i];
      out.add(Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * scale) / (double) scale);
    }
    return out;
  }
}
