package io.drover.node;

import io.drover.http.front.Front;
import io.drover.supervisor.AppState;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.CrossNode;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.WorkerState;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.AutoscaleSpec;
import io.drover.supervisor.config.DroverSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Scales the {@code placement = cluster} apps that declare {@code autoscale}, once for the whole
 * cluster. Every node runs one: it answers any node's {@link LoadQuery} with its own front's
 * requests in flight and queued for each cluster-placed app. Only the oldest member that is up
 * decides (the node that also hosts the slots' shard coordinators; when it leaves, the next in
 * age takes over). Each app's {@code interval} every node sums the load of every node, turns it
 * into a recommendation ({@link AutoscaleSpec#recommend}) and adds it to the app's {@link
 * ScaleWindow} ({@link ClusterScaleState}), so the node that takes over has watched the windows
 * all along and decides when the leaver would have (a node that joined less than a window before
 * has watched less: at worst its decision comes one window later; the price is that every node
 * asks every node for its load and the app for its slots' state each round, nodes x (nodes +
 * slots) small messages an interval). Only the deciding node acts:
 * it scales the app the way {@code drover scale} does (the cluster's
 * desired slot count, which every node converges on; a slot that goes is drained). Each decision
 * is an event of the app on the deciding node ({@code scaled from 1 to 3 slots: autoscale: ...})
 * and counts in {@code drover_autoscale_decisions_total{app,direction}}. It ticks only while a
 * cluster-placed app autoscales, as the supervisor's {@link Supervisor.SettingsChanged} says.
 */
final class ClusterAutoscaler {
  static final ServiceKey<LoadQuery> KEY = ServiceKey.create(LoadQuery.class, "drover-autoscale-load");
  static final Duration TICK = Duration.ofMillis(250);
  private static final Duration ASK = Duration.ofSeconds(2);

  /** Asks a node for its front's load of the cluster-placed apps. */
  public record LoadQuery(ActorRef<NodeLoad> replyTo) implements CrossNode {}

  /** One node's load: app, then requests in flight plus queued at its front. */
  public record NodeLoad(String node, Map<String, Integer> demand) implements CrossNode {}

  private enum Tick {
    INSTANCE
  }

  /** What one round found for one app that is due. */
  private record Sample(AppSpec spec, ActorRef<AppSupervisor.Command> app, int ready, AppState state, int demand, int nodes) {}

  private record Round(List<Sample> samples, String failure) {}

  /** The settings, as the start's ask answered ({@code asked}; null: no answer in time) or as a change published them. */
  private record Settings(DroverSettings settings, boolean asked) {}

  private ClusterAutoscaler() {}

  static Behavior<Object> create(ActorRef<Supervisor.Command> supervisor, ActorRef<Front.Command> front, MeterRegistry registry) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf().narrow()));
      return new Decider(ctx, timers, supervisor, front, registry).behavior();
    }));
  }

  /** Whether this node is the oldest member that is up (ties cannot happen: ages are unique). */
  static boolean decides(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    Member self = cluster.selfMember();
    if (self.status() != MemberStatus.up() || CoordinatedShutdown.get(system).getShutdownReason().isPresent()) {
      return false;
    }
    for (Member m : cluster.state().getMembers()) {
      if (m.status() == MemberStatus.up() && !m.equals(self) && m.isOlderThan(self)
          && !cluster.state().getUnreachable().contains(m)) {
        return false;
      }
    }
    return true;
  }

  private static final class Decider {
    private final ActorContext<Object> context;
    private final ActorRef<Supervisor.Command> supervisor;
    private final ActorRef<Front.Command> front;
    private final MeterRegistry registry;
    private final ClusterScaleState apps = new ClusterScaleState();
    private final Map<String, Long> decidedAt = new HashMap<>();
    private final SettingsTicks<Object> ticks;
    private boolean busy;
    private boolean deciding;
    private long roundStarted;

    Decider(ActorContext<Object> context, TimerScheduler<Object> timers, ActorRef<Supervisor.Command> supervisor,
        ActorRef<Front.Command> front, MeterRegistry registry) {
      this.context = context;
      this.ticks = new SettingsTicks<>(context, timers, supervisor, ASK, Tick.INSTANCE, TICK,
          s -> s.appList().stream().anyMatch(a -> a.clusterPlaced() && a.autoscale().enabled()),
          s -> new Settings(s, false), s -> new Settings(s, true));
      this.supervisor = supervisor;
      this.front = front;
      this.registry = registry;
      context.setLoggerName(ClusterAutoscaler.class); // under io.drover, as logback.xml levels it
    }

    Behavior<Object> behavior() {
      return Behaviors.receive(Object.class)
          .onMessage(LoadQuery.class, this::onQuery)
          .onMessage(Settings.class, this::onSettings)
          .onMessageEquals(Tick.INSTANCE, this::onTick)
          .onMessage(Round.class, this::onRound)
          .build();
    }

    /** Ticks while a cluster-placed app autoscales, not otherwise. */
    private Behavior<Object> onSettings(Settings m) {
      if (m.settings() == null) {
        ticks.askFailed();
      } else {
        ticks.take(m.settings(), m.asked());
      }
      return Behaviors.same();
    }

    private Behavior<Object> onQuery(LoadQuery m) {
      String node = context.getSystem().address().toString();
      AskPattern.<Front.Command, Front.InFlight>ask(front, Front.GetInFlight::new, ASK, context.getSystem().scheduler())
          .whenComplete((load, e) -> m.replyTo().tell(new NodeLoad(node, load == null ? Map.of() : demand(load))));
      return Behaviors.same();
    }

    private Behavior<Object> onTick() {
      long now = System.nanoTime();
      boolean now_ = decides(context.getSystem());
      if (now_ != deciding) {
        deciding = now_;
        context.getLog().info(deciding ? "this node decides the autoscaling of cluster-placed apps (the oldest member up)"
            : "this node no longer decides the autoscaling of cluster-placed apps");
      }
      if (!deciding) {
        apps.stoppedDeciding(); // it samples on: its windows stay watched for when it takes over
      }
      if (busy && now - roundStarted < ASK.toNanos() * 4) {
        return Behaviors.same();
      }
      busy = true;
      roundStarted = now;
      context.pipeToSelf(round(now, Map.copyOf(decidedAt)), (r, e) -> r != null ? r : new Round(List.of(), String.valueOf(e)));
      return Behaviors.same();
    }

    /** The apps due now, each with its slots' readiness and the load of every node that answered. */
    private CompletionStage<Round> round(long now, Map<String, Long> decidedAt) {
      ActorSystem<?> system = context.getSystem();
      CompletionStage<DroverSettings> settings = AskPattern.ask(supervisor, Supervisor.GetSettings::new, ASK, system.scheduler());
      return settings.thenCompose(s -> {
        List<AppSpec> due = new ArrayList<>();
        for (AppSpec spec : s.appList()) {
          Long last = decidedAt.get(spec.name());
          if (spec.clusterPlaced() && spec.autoscale().enabled()
              && (last == null || now - last >= spec.autoscale().interval().toNanos() - TICK.toNanos() / 2)) {
            due.add(spec);
          }
        }
        if (due.isEmpty()) {
          return CompletableFuture.completedFuture(new Round(List.of(), null));
        }
        CompletionStage<Supervisor.Apps> apps = AskPattern.ask(supervisor, Supervisor.GetApps::new, ASK, system.scheduler());
        return apps.thenCombine(loads(system), (a, loads) -> due.stream().map(spec -> sample(system, spec, a, loads)).toList())
            .thenCompose(samples -> CompletableFuture.allOf(samples.toArray(CompletableFuture[]::new))
                .thenApply(v -> new Round(samples.stream().map(CompletableFuture::join).filter(x -> x != null).toList(), null)));
      });
    }

    private static CompletableFuture<Sample> sample(ActorSystem<?> system, AppSpec spec, Supervisor.Apps apps, List<NodeLoad> loads) {
      ActorRef<AppSupervisor.Command> app = apps.apps().get(spec.name());
      if (app == null) {
        return CompletableFuture.completedFuture(null);
      }
      int demand = loads.stream().mapToInt(l -> l.demand().getOrDefault(spec.name(), 0)).sum();
      return AskPattern.<AppSupervisor.Command, AppStatus>ask(app, AppSupervisor.GetStatus::new, ClusterView.STATUS, system.scheduler())
          .thenApply(status -> new Sample(spec, app, (int) status.workers().stream().filter(w -> w.state() == WorkerState.READY).count(),
              status.state(), demand, loads.size()))
          .toCompletableFuture()
          .exceptionally(e -> {
            system.log().info("cluster autoscaler: no status of app {}: {}", spec.name(), e.toString());
            return null;
          });
    }

    /** Every node's load, as listed with the receptionist; a node that does not answer in time is left out. */
    private static CompletionStage<List<NodeLoad>> loads(ActorSystem<?> system) {
      return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
              r -> Receptionist.find(KEY, r), ASK, system.scheduler())
          .thenCompose(listing -> {
            List<CompletableFuture<NodeLoad>> asks = new ArrayList<>();
            for (ActorRef<LoadQuery> node : listing.getServiceInstances(KEY)) {
              asks.add(AskPattern.<LoadQuery, NodeLoad>ask(node, LoadQuery::new, ASK, system.scheduler())
                  .toCompletableFuture().exceptionally(e -> null));
            }
            return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
                .thenApply(v -> asks.stream().map(CompletableFuture::join).filter(l -> l != null).toList());
          });
    }

    private Behavior<Object> onRound(Round m) {
      busy = false;
      boolean decides = decides(context.getSystem());
      if (m.failure() != null) {
        if (decides) {
          context.getLog().info("cluster autoscaler: no decision this round: {}", m.failure());
        }
        return Behaviors.same();
      }
      long now = System.nanoTime();
      for (Sample s : m.samples()) {
        decide(s, now, decides);
      }
      return Behaviors.same();
    }

    /** Adds the sample to the app's windows; when this node decides, scales the app as they allow. */
    private void decide(Sample s, long now, boolean decides) {
      String app = s.spec().name();
      AutoscaleSpec spec = s.spec().autoscale();
      decidedAt.put(app, now);
      int current = s.spec().instances();
      int target = apps.sample(app, spec, current, s.state(), s.ready(), s.demand(), now);
      if (!decides || target == current) {
        return;
      }
      String direction = target > current ? "up" : "down";
      String reason = String.format(Locale.ROOT, "autoscale: %d requests in flight or queued on %d node(s), target %s per slot",
          s.demand(), s.nodes(), number(spec.target()));
      context.getLog().info("[{}] scaling {} from {} to {} slots: {}", app, direction, current, target, reason);
      s.app().tell(new AppSupervisor.Scale(target, reason, context.getSystem().ignoreRef()));
      registry.counter("drover.autoscale.decisions", "app", app, "direction", direction).increment();
      apps.scaled(app, target, now);
    }

    private static Map<String, Integer> demand(Front.InFlight load) {
      Map<String, Integer> demand = new HashMap<>();
      load.byApp().forEach((app, counts) -> demand.put(app, counts.values().stream().mapToInt(Integer::intValue).sum()));
      load.traffic().forEach((app, traffic) -> demand.merge(app, traffic.queued(), Integer::sum));
      return demand;
    }

    private static String number(double d) {
      return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.1f", d);
    }
  }
}
