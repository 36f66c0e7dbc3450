package io.drover.http.management;

import io.drover.supervisor.AppState;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.WorkerState;
import io.drover.supervisor.WorkerStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's Prometheus metrics: the front's request meters (recorded on the request path), the
 * JVM's, and the supervisor's worker and app gauges, refreshed from status snapshots at each
 * scrape. A worker's CPU time is a counter ({@code drover_worker_cpu_seconds_total}, like
 * {@code process_cpu_seconds_total}: take its {@code rate()}), present while it has a process.
 */
public final class NodeMetrics {
  private final PrometheusMeterRegistry registry;
  private final MultiGauge workerState;
  private final MultiGauge restarts;
  private final MultiGauge recycles;
  private final MultiGauge uptime;
  private final MultiGauge rss;
  private final MultiGauge inFlight;
  private final MultiGauge appState;
  /** The CPU counter of each worker with a process, by its tags; the value is set at each scrape. */
  private final Map<Tags, CpuCounter> cpu = new HashMap<>();

  private record CpuCounter(FunctionCounter meter, double[] seconds) {}

  public NodeMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    workerState = MultiGauge.builder("drover.worker.state").description("1 for the worker's current state").register(registry);
    restarts = MultiGauge.builder("drover.worker.restarts").description("Restarts of the worker so far").register(registry);
    recycles = MultiGauge.builder("drover.worker.recycles")
        .description("Times the worker was recycled (recycle.max-requests, recycle.max-age)").register(registry);
    uptime = MultiGauge.builder("drover.worker.uptime").baseUnit("seconds").description("Time since the worker's process was spawned").register(registry);
    rss = MultiGauge.builder("drover.worker.rss").baseUnit("bytes").description("RSS of the worker's process tree").register(registry);
    inFlight = MultiGauge.builder("drover.worker.in.flight").description("Requests the front has in flight to the worker").register(registry);
    appState = MultiGauge.builder("drover.app.state").description("1 for the app's current state").register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Refreshes the gauges from a snapshot and renders everything in the Prometheus text format. */
  String scrape(List<AppStatus> apps, Map<String, Map<Integer, Integer>> flights) {
    Instant now = Instant.now();
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    List<MultiGauge.Row<?>> restartRows = new ArrayList<>();
    List<MultiGauge.Row<?>> uptimeRows = new ArrayList<>();
    List<MultiGauge.Row<?>> recycleRows = new ArrayList<>();
    List<MultiGauge.Row<?>> rssRows = new ArrayList<>();
    List<MultiGauge.Row<?>> flightRows = new ArrayList<>();
    List<MultiGauge.Row<?>> appRows = new ArrayList<>();
    Map<Tags, Double> cpuSeconds = new HashMap<>();
    for (AppStatus a : apps) {
      for (AppState s : AppState.values()) {
        appRows.add(MultiGauge.Row.of(Tags.of("app", a.app(), "state", s.label()), a.state() == s ? 1 : 0));
      }
      for (WorkerStatus w : a.workers()) {
        Tags t = Tags.of("app", a.app(), "instance", Integer.toString(w.instance()));
        for (WorkerState s : WorkerState.values()) {
          states.add(MultiGauge.Row.of(t.and("state", s.label()), w.state() == s ? 1 : 0));
        }
        restartRows.add(MultiGauge.Row.of(t, w.restarts()));
        recycleRows.add(MultiGauge.Row.of(t, w.recycles()));
        uptimeRows.add(MultiGauge.Row.of(t, w.uptime(now).toMillis() / 1000.0));
        rssRows.add(MultiGauge.Row.of(t, w.rssBytes()));
        if (w.cpuSeconds() != null) {
          cpuSeconds.put(t, w.cpuSeconds());
        }
        flightRows.add(MultiGauge.Row.of(t, flights.getOrDefault(a.app(), Map.of()).getOrDefault(w.instance(), 0)));
      }
    }
    workerState.register(states, true);
    restarts.register(restartRows, true);
    recycles.register(recycleRows, true);
    uptime.register(uptimeRows, true);
    rss.register(rssRows, true);
    inFlight.register(flightRows, true);
    appState.register(appRows, true);
    updateCpu(cpuSeconds);
    return registry.scrape();
  }

  /** Sets each worker's CPU counter, adding those of new processes and removing those gone. */
  private synchronized void updateCpu(Map<Tags, Double> seconds) {
    cpu.entrySet().removeIf(e -> {
      if (!seconds.containsKey(e.getKey())) {
        registry.remove(e.getValue().meter());
        return true;
      }
      return false;
    });
    seconds.forEach((tags, s) -> cpu.computeIfAbsent(tags, t -> {
      double[] holder = new double[1];
      FunctionCounter meter = FunctionCounter.builder("drover.worker.cpu", holder, h -> h[0])
          .baseUnit("seconds")
          .description("CPU time (user and system) used by the worker's process tree since its process started")
          .tags(t)
          .register(registry);
      return new CpuCounter(meter, holder);
    }).seconds()[0] = s);
  }
}
