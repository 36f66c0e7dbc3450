package io.drover.http.front;

import io.drover.supervisor.WorkerCommand;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.WorkerKind;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Tells process workers how many requests this front handed to them, for {@code
 * recycle.max-requests}: a worker's actor never sees the requests that go straight to its process.
 * The data plane counts ({@link Endpoint#handedOver}, a LongAdder per endpoint, only where counted),
 * and every {@link #EVERY} the front actor sends each worker what its count grew by since its last
 * report ({@link WorkerCommand.Served}). Only endpoints of this node's processes of apps with
 * {@code max-requests > 0} are counted: actor workers and workers on other nodes count the
 * requests they are given themselves. The front actor's only.
 */
final class ServedReports {
  /** Time to report. */
  enum Tick implements Front.Command {
    INSTANCE
  }

  static final Duration EVERY = Duration.ofMillis(500);

  private final TimerScheduler<Front.Command> timers;

  ServedReports(TimerScheduler<Front.Command> timers) {
    this.timers = timers;
  }

  /** Whether the requests to this app's process workers are counted. */
  static boolean counts(AppSpec app) {
    return app != null && app.kind() == WorkerKind.PROCESS && app.recycle().maxRequests() > 0;
  }

  /**
   * Counts the endpoint's requests from now, or stops counting them (a last report goes first),
   * as its app asks.
   */
  static void follow(Endpoint e, AppSpec app) {
    boolean on = counts(app) && !e.actor && !e.remote;
    if (on && e.served == null) {
      e.reported = 0;
      e.served = new LongAdder();
    } else if (!on && e.served != null) {
      report(e);
      e.served = null;
    }
  }

  /** The apps changed: each endpoint follows its app, and ticks run while any app is counted. */
  <K> void apps(Map<String, AppSpec> apps, Map<String, Map<K, Endpoint>> endpoints) {
    endpoints.forEach((app, eps) -> eps.values().forEach(e -> follow(e, apps.get(app))));
    boolean any = apps.values().stream().anyMatch(ServedReports::counts);
    if (any && !timers.isTimerActive(Tick.INSTANCE)) {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, EVERY);
    } else if (!any) {
      timers.cancel(Tick.INSTANCE);
    }
  }

  /** Reports every counted endpoint's requests since its last report: those in rotation, and those that left it. */
  <K> void tick(Map<String, Map<K, Endpoint>> endpoints, Collection<Endpoint> retired) {
    endpoints.values().forEach(eps -> eps.values().forEach(ServedReports::report));
    retired.forEach(ServedReports::report);
  }

  /** Reports the endpoint's requests since its last report to its worker, if there are any. */
  static void report(Endpoint e) {
    LongAdder served = e.served;
    if (served == null) {
      return;
    }
    long total = served.sum(); // only grows: each report sends what it grew by
    if (total > e.reported) {
      e.worker.tell(new WorkerCommand.Served(e.port, total - e.reported));
      e.reported = total;
    }
  }
}
