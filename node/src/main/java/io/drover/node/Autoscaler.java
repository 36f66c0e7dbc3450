package io.drover.node;

import io.drover.http.front.Front;
import io.drover.supervisor.AppState;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.AutoscaleSpec;
import io.drover.supervisor.config.DroverSettings;
import java.util.stream.Collectors;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Scales the apps that declare {@code autoscale} after their load: every tick it takes this
 * node's front's count of each app's requests in flight and queued, turns it into a
 * recommendation ({@link AutoscaleSpec#recommend}), lets the app's {@link ScaleWindow} decide,
 * and tells the app supervisor to scale (a scale-down drains). Every decision is an app event
 * with its reason ({@code scaled from 2 to 4 workers: autoscale: 9 requests in flight or queued,
 * target 2 per worker}) and counts in {@code drover_autoscale_decisions_total{app,direction}}.
 *
 * <p>It learns which apps autoscale from the supervisor's {@link Supervisor.SettingsChanged}
 * (after one ask at start), and ticks only while one does: a node whose apps do not autoscale
 * spends nothing on it.
 */
final class Autoscaler {
  interface Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  private record Load(Front.InFlight inFlight) implements Command {}

  private record AppsListed(Map<String, ActorRef<AppSupervisor.Command>> apps) implements Command {}

  private record Sized(AppSupervisor.Size size, ActorRef<AppSupervisor.Command> app) implements Command {}

  /** The settings, as the start's ask answered ({@code asked}; null: no answer in time) or as a change published them. */
  private record Settings(DroverSettings settings, boolean asked) implements Command {}

  private record Failed(String what) implements Command {}

  /** How often the load is looked at; each app is decided on at its own {@code interval}. */
  static final Duration TICK = Duration.ofMillis(250);
  private static final Duration ASK = Duration.ofSeconds(3);

  static Behavior<Command> create(
      ActorRef<Supervisor.Command> supervisor, ActorRef<Front.Command> front, MeterRegistry registry) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Autoscaler(ctx, timers, supervisor, front, registry).idle()));
  }

  private final ActorContext<Command> context;
  private final SettingsTicks<Command> ticks;
  private final ActorRef<Supervisor.Command> supervisor;
  private final ActorRef<Front.Command> front;
  private final MeterRegistry registry;
  private final Map<String, ScaleWindow> windows = new HashMap<>();
  private final Map<String, Long> decidedAt = new HashMap<>();
  private final Map<String, Integer> lastSize = new HashMap<>();
  private Front.InFlight load;
  /** Asks of the current round not answered yet; a tick starts no round while one is under way. */
  private int pending;
  private long roundStarted;
  /** The apps that autoscale, as last applied, with their sampling interval. */
  private Map<String, Duration> scaled = Map.of();

  private Autoscaler(ActorContext<Command> context, TimerScheduler<Command> timers, ActorRef<Supervisor.Command> supervisor,
      ActorRef<Front.Command> front, MeterRegistry registry) {
    this.context = context;
    context.setLoggerName(Autoscaler.class); // under io.drover, as logback.xml levels it
    this.supervisor = supervisor;
    this.front = front;
    this.registry = registry;
    this.ticks = new SettingsTicks<>(context, timers, supervisor, ASK, Tick.INSTANCE, TICK,
        s -> s.appList().stream().anyMatch(Autoscaler::autoscales), s -> new Settings(s, false), s -> new Settings(s, true));
  }

  private static boolean autoscales(AppSpec app) {
    return app.autoscale().enabled() && !app.clusterPlaced();
  }

  private Behavior<Command> idle() {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(Settings.class, this::onSettings)
        .onMessage(Load.class, this::onLoad)
        .onMessage(AppsListed.class, this::onApps)
        .onMessage(Sized.class, this::onSized)
        .onMessage(Failed.class, m -> {
          context.getLog().debug("autoscaler: {}", m.what());
          pending = Math.max(0, pending - 1);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onTick() {
    long now = System.nanoTime();
    if (pending > 0 && now - roundStarted < ASK.toNanos() * 2) {
      return Behaviors.same();
    }
    pending = 1;
    roundStarted = now;
    context.ask(Front.InFlight.class, front, ASK, Front.GetInFlight::new,
        (inFlight, e) -> inFlight != null ? new Load(inFlight) : new Failed("no load from the front: " + e));
    return Behaviors.same();
  }

  private Behavior<Command> onSettings(Settings m) {
    if (m.settings() == null) {
      ticks.askFailed();
      return Behaviors.same();
    }
    if (!ticks.take(m.settings(), m.asked())) {
      return Behaviors.same(); // the start's answer, older than a change published since
    }
    scaled = m.settings().appList().stream()
        .filter(Autoscaler::autoscales)
        .collect(Collectors.toMap(AppSpec::name, a -> a.autoscale().interval()));
    windows.keySet().retainAll(scaled.keySet());
    decidedAt.keySet().retainAll(scaled.keySet());
    lastSize.keySet().retainAll(scaled.keySet());
    return Behaviors.same();
  }

  private Behavior<Command> onLoad(Load m) {
    load = m.inFlight();
    context.ask(Supervisor.Apps.class, supervisor, ASK, Supervisor.GetApps::new,
        (apps, e) -> apps != null ? new AppsListed(apps.apps()) : new Failed("no apps: " + e));
    return Behaviors.same();
  }

  private Behavior<Command> onApps(AppsListed m) {
    long now = System.nanoTime();
    pending = 0;
    m.apps().forEach((name, app) -> {
      Long last = decidedAt.get(name);
      Duration interval = scaled.get(name);
      if (interval != null && (last == null || now - last >= interval.toNanos() - TICK.toNanos() / 2)) {
        pending++;
        context.ask(AppSupervisor.Size.class, app, ASK, AppSupervisor.GetSize::new,
            (size, e) -> size != null ? new Sized(size, app) : new Failed("no size of " + name + ": " + e));
      }
    });
    return Behaviors.same();
  }

  private Behavior<Command> onSized(Sized m) {
    pending = Math.max(0, pending - 1);
    AppSupervisor.Size size = m.size();
    String app = size.app();
    AutoscaleSpec spec = size.spec().autoscale();
    if (!spec.enabled() || size.spec().clusterPlaced() || size.state() != AppState.RUNNING || load == null) {
      windows.remove(app);
      return Behaviors.same();
    }
    long now = System.nanoTime();
    Long last = decidedAt.get(app);
    if (last != null && now - last < spec.interval().toNanos() - TICK.toNanos() / 2) {
      return Behaviors.same();
    }
    decidedAt.put(app, now);
    int current = size.instances();
    ScaleWindow window = windows.computeIfAbsent(app, a -> new ScaleWindow());
    Integer seen = lastSize.put(app, current);
    if (seen != null && seen != current) {
      window.changed(now); // scaled meanwhile (by this, an operator or an apply)
    }
    double inFlight = load.byApp().getOrDefault(app, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
    Front.Traffic traffic = load.traffic().get(app);
    double demand = inFlight + (traffic == null ? 0 : traffic.queued());
    int target = window.decide(spec, current, spec.recommend(demand), now);
    if (target > current && size.ready() == 0) {
      target = current; // none of its workers is ready (a bad release, a crash loop): more would not help
    }
    if (target != current) {
      String direction = target > current ? "up" : "down";
      String reason = String.format(Locale.ROOT, "autoscale: %s requests in flight or queued, target %s per worker",
          number(demand), number(spec.target()));
      context.getLog().info("[{}] scaling {} from {} to {} workers: {}", app, direction, current, target, reason);
      m.app().tell(new AppSupervisor.Scale(target, reason, context.getSystem().ignoreRef()));
      registry.counter("drover.autoscale.decisions", "app", app, "direction", direction).increment();
      lastSize.put(app, target);
      window.changed(now);
    }
    return Behaviors.same();
  }

  private static String number(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.1f", d);
  }
}
