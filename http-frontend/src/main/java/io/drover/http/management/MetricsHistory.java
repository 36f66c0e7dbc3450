package io.drover.http.management;

import io.drover.http.front.Front;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.DroverEvent;
import io.drover.supervisor.WorkerStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The node's recent past for the dashboard ({@code GET /apps/{app}/history}): every
 * {@link #INTERVAL} it takes each app's status and the front's traffic, reads the app's request
 * meters from the registry, and keeps the last {@link #POINTS} samples per app
 * ({@link AppHistory}): requests and 5xx answers per second, p50 and p99 latency (from the
 * request-duration histogram's buckets between two samples), queue depth and requests in flight,
 * and each worker's CPU % and RSS. It also keeps the last {@link #EVENTS} lifecycle events
 * ({@code GET /events/recent}). A page opened now shows the last minutes at once. The cost is
 * one status round per interval (what {@code GET /apps} costs: reading /proc for 200 workers took
 * 20 to 55 ms on a loaded 2-core machine, about 1 to 3 % of a core every 2 s) and, per app, about
 * 2.4 KB per series kept (300 doubles); one round runs at a time, so a slow node samples less
 * often instead of piling up.
 */
final class MetricsHistory extends AbstractBehavior<MetricsHistory.Command> {
  /** Time between samples. */
  static final Duration INTERVAL = Duration.ofSeconds(2);
  /** Samples kept per app: 10 minutes. */
  static final int POINTS = 300;
  /** Lifecycle events kept. */
  static final int EVENTS = 200;

  interface Command {}

  /** The history of {@code app} after {@code since} (epoch millis), as docs/api.md shows. */
  record Get(String app, long since, ActorRef<Map<String, Object>> replyTo) implements Command {}

  /** The last events, oldest first, as {@code {"events": [Event...]}}. */
  record GetEvents(ActorRef<Map<String, Object>> replyTo) implements Command {}

  enum Stop implements Command {
    INSTANCE
  }

  private enum Tick implements Command {
    INSTANCE
  }

  private record Happened(DroverEvent event) implements Command {}

  private record Sampled(List<AppStatus> apps, Front.InFlight front, Throwable failure) implements Command {}

  /** An app's request meters at one moment. */
  private record Counts(long nanos, double requests, double errors, double timed, CountAtBucket[] buckets) {}

  private final NodeView node;
  private final MeterRegistry registry;
  private final TimerScheduler<Command> timers;
  private final Map<String, AppHistory> histories = new HashMap<>();
  private final Map<String, Counts> previous = new HashMap<>();
  /** The last events, oldest first (at most {@link #EVENTS}). */
  private final List<Kept> events = new ArrayList<>();

  static Behavior<Command> create(NodeView node, MeterRegistry registry) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new MetricsHistory(ctx, node, registry, timers)));
  }

  private MetricsHistory(ActorContext<Command> ctx, NodeView node, MeterRegistry registry, TimerScheduler<Command> timers) {
    super(ctx);
    ctx.setLoggerName(MetricsHistory.class); // under io.drover, as logback.xml levels it
    this.node = node;
    this.registry = registry;
    this.timers = timers;
    ctx.getSelf().tell(Tick.INSTANCE);
    ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(DroverEvent.class,
        ctx.messageAdapter(DroverEvent.class, Happened::new)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Tick.class, this::onTick)
        .onMessage(Sampled.class, this::onSampled)
        .onMessage(Get.class, this::onGet)
        .onMessage(Happened.class, this::onHappened)
        .onMessage(GetEvents.class, this::onGetEvents)
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .build();
  }

  private Behavior<Command> onTick(Tick m) {
    getContext().pipeToSelf(
        node.statuses().thenCombine(node.traffic(), (apps, front) -> new Sampled(apps, front, null)),
        (sampled, e) -> sampled != null ? sampled : new Sampled(List.of(), null, e));
    return this;
  }

  private Behavior<Command> onSampled(Sampled m) {
    timers.startSingleTimer(Tick.INSTANCE, INTERVAL);
    if (m.failure() != null) {
      getContext().getLog().debug("history: no sample this round: {}", m.failure().toString());
      return this;
    }
    long at = System.currentTimeMillis();
    Set<String> names = new HashSet<>();
    for (AppStatus a : m.apps()) {
      names.add(a.app());
      Counts now = counts(a.app());
      Counts before = previous.put(a.app(), now);
      Map<Integer, AppHistory.WorkerPoint> workers = new HashMap<>();
      for (WorkerStatus w : a.workers()) {
        workers.put(w.instance(), new AppHistory.WorkerPoint(
            w.cpuPercent() == null ? Double.NaN : w.cpuPercent(), w.pid() == 0 ? Double.NaN : w.rssBytes()));
      }
      histories.computeIfAbsent(a.app(), n -> new AppHistory(POINTS))
          .add(at, point(now, before, m.front(), a.app()), workers);
    }
    histories.keySet().retainAll(names);
    previous.keySet().retainAll(names);
    return this;
  }

  private Behavior<Command> onGet(Get m) {
    AppHistory h = histories.getOrDefault(m.app(), new AppHistory(POINTS));
    m.replyTo().tell(h.json(m.app(), INTERVAL.toMillis(), m.since()));
    return this;
  }

  /**
   * Keeps the event in time order: events of different workers are stamped by their own actors
   * and may arrive here a little out of order (a scale's two new workers, a millisecond apart).
   */
  private Behavior<Command> onHappened(Happened m) {
    java.time.Instant at = m.event().at();
    int i = events.size();
    while (i > 0 && events.get(i - 1).at().isAfter(at)) {
      i--;
    }
    if (i == 0 && events.size() == EVENTS) {
      return this; // older than every event kept
    }
    events.add(i, new Kept(at, Json.event(m.event())));
    if (events.size() > EVENTS) {
      events.remove(0);
    }
    return this;
  }

  private Behavior<Command> onGetEvents(GetEvents m) {
    List<Map<String, Object>> json = new ArrayList<>(events.size());
    events.forEach(e -> json.add(e.json()));
    m.replyTo().tell(Json.obj("events", json));
    return this;
  }

  /** An event kept for {@code /events/recent}: its time and its JSON. */
  private record Kept(java.time.Instant at, Map<String, Object> json) {}

  // ---------------------------------------------------------------- figures

  private Counts counts(String app) {
    double requests = 0;
    double errors = 0;
    for (Counter c : registry.find("drover.http.requests").tag("app", app).counters()) {
      requests += c.count();
      if ("5xx".equals(c.getId().getTag("status"))) {
        errors += c.count();
      }
    }
    Timer timer = registry.find("drover.http.request.duration").tag("app", app).timer();
    return timer == null
        ? new Counts(System.nanoTime(), requests, errors, 0, new CountAtBucket[0])
        : new Counts(System.nanoTime(), requests, errors, timer.count(), timer.takeSnapshot().histogramCounts());
  }

  private static AppHistory.AppPoint point(Counts now, Counts before, Front.InFlight front, String app) {
    double inFlight = front.byApp().getOrDefault(app, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
    Front.Traffic t = front.traffic().get(app);
    double queued = t != null && t.maxConcurrency() > 0 ? t.queued() : Double.NaN;
    double secs = before == null ? 0 : (now.nanos() - before.nanos()) / 1e9;
    if (before == null || secs <= 0 || now.requests() < before.requests() || now.timed() < before.timed()) {
      // the first sample of the app, or its meters started over: no rates this time
      return new AppHistory.AppPoint(Double.NaN, Double.NaN, Double.NaN, Double.NaN, queued, inFlight);
    }
    double timed = now.timed() - before.timed();
    return new AppHistory.AppPoint(
        (now.requests() - before.requests()) / secs,
        (now.errors() - before.errors()) / secs,
        quantile(0.5, timed, now.buckets(), before.buckets()),
        quantile(0.99, timed, now.buckets(), before.buckets()),
        queued,
        inFlight);
  }

  /**
   * The {@code q} quantile of the values recorded between two snapshots of a histogram with
   * cumulative buckets, interpolated linearly within its bucket (as Prometheus's
   * {@code histogram_quantile}); values past the last bucket count at its bound. NaN when none
   * were recorded.
   *
   * @param count values recorded between the snapshots
   */
  static double quantile(double q, double count, CountAtBucket[] now, CountAtBucket[] before) {
    if (!(count > 0) || now.length == 0 || before.length != now.length) {
      return Double.NaN;
    }
    double rank = q * count;
    double lower = 0;
    double below = 0;
    for (int i = 0; i < now.length; i++) {
      double bound = now[i].bucket(TimeUnit.SECONDS);
      double cumulative = now[i].count() - before[i].count();
      if (cumulative >= rank) {
        return cumulative > below ? lower + (bound - lower) * (rank - below) / (cumulative - below) : bound;
      }
      lower = bound;
      below = cumulative;
    }
    return lower;
  }
}
