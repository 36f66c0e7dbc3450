package io.drover.node;

import io.drover.supervisor.AppEvent;
import io.drover.supervisor.AppState;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.WorkerState;
import io.drover.supervisor.WorkerStatus;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.DroverSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Answers for a whole cluster-placed app on this node, in the {@link AppSupervisor.Command}
 * protocol the management API speaks: status gathers every slot from wherever it runs; restart
 * replaces slot after slot; stop and start reach every slot; scale changes the cluster's desired
 * state (through the replicated config), which every node then converges on.
 */
final class ClusterApp {
  private static final Duration QUERY = Duration.ofSeconds(3);
  static final String NO_DEPLOYMENTS =
      "a cluster-placed app is updated slot by slot where each runs (update.canary = 0): no app-wide deployment to promote or roll back";

  /** Changes an app's instance count in the cluster's desired state. */
  @FunctionalInterface
  interface Scaler {
    CompletionStage<Integer> scale(String app, int instances);
  }

  private ClusterApp() {}

  /** The running slot entities of the app, from the receptionist. */
  private record Placed(Receptionist.Listing listing) implements AppSupervisor.Command {}

  static Behavior<AppSupervisor.Command> create(
      String app, ClusterPlacement placement, ActorRef<Supervisor.Command> supervisor, Scaler scaler) {
    return Behaviors.setup(ctx -> {
      ActorSystem<?> system = ctx.getSystem();
      Supplier<CompletionStage<AppSpec>> spec = () ->
          AskPattern.<Supervisor.Command, DroverSettings>ask(supervisor, Supervisor.GetSettings::new, QUERY, system.scheduler())
              .thenApply(s -> s.apps().get(app));
      ServiceKey<Slot.Command> key = ClusterPlacement.placedKey(app);
      system.receptionist().tell(Receptionist.subscribe(key, ctx.messageAdapter(Receptionist.Listing.class, Placed::new)));
      AtomicReference<Set<ActorRef<Slot.Command>>> placed = new AtomicReference<>(Set.of());
      return Behaviors.receive(AppSupervisor.Command.class)
          .onMessage(Placed.class, m -> {
            placed.set(Set.copyOf(m.listing().getServiceInstances(key)));
            return Behaviors.same();
          })
          .onMessage(AppSupervisor.GetStatus.class, m -> {
            Set<ActorRef<Slot.Command>> entities = placed.get();
            spec.get().thenCompose(s -> status(system, s, entities)).whenComplete((status, e) -> {
              if (status != null) {
                m.replyTo().tell(status);
              }
            });
            return Behaviors.same();
          })
          .onMessage(AppSupervisor.RestartWorker.class, m -> {
            placement.slot(app, m.instance())
                .<Slot.Result>ask(Slot.Restart::new, Slot.OPERATION)
                .whenComplete((r, e) -> m.replyTo().tell(rolling(app, r, e)));
            return Behaviors.same();
          })
          .onMessage(AppSupervisor.RestartRolling.class, m -> {
            spec.get().thenCompose(s -> restartFrom(placement, app, 0, s.instances()))
                .whenComplete((r, e) -> m.replyTo().tell(r != null ? r : new AppSupervisor.RollingResult(app, false, String.valueOf(e))));
            return Behaviors.same();
          })
          // stop and start are the cluster's desired state first (a slot that moves later keeps
          // it), then every slot is told
          .onMessage(AppSupervisor.StopApp.class, m -> {
            placement.markStopped(app, true)
                .thenCompose(written -> spec.get()).thenCompose(s -> everySlot(placement, s, Slot.Stop::new))
                .whenComplete((r, e) -> m.replyTo().tell(Done.getInstance()));
            return Behaviors.same();
          })
          .onMessage(AppSupervisor.StartApp.class, m -> {
            placement.markStopped(app, false)
                .thenCompose(written -> spec.get()).thenCompose(s -> everySlot(placement, s, Slot.Start::new));
            return Behaviors.same();
          })
          .onMessage(AppSupervisor.Scale.class, m -> {
            spec.get().handle((before, e) -> before).<Integer>thenCompose(before -> scaler.scale(app, m.instances()).thenApply(n -> {
                  if (before != null && n != before.instances()) { // as an app on one node announces it, with the reason (autoscale's)
                    system.eventStream().tell(new EventStream.Publish<>(new AppEvent(Instant.now(), app, AppState.RUNNING,
                        "scaled from " + before.instances() + " to " + n + " slots" + (m.reason() == null ? "" : ": " + m.reason()))));
                  }
                  return n;
                }))
                .whenComplete((n, e) -> m.replyTo().tell(n != null
                    ? new AppSupervisor.Scaled(app, n)
                    : new AppSupervisor.Scaled(app, m.instances(), "the cluster's desired state was not changed: " + Causes.message(e))));
            return Behaviors.same();
          })
          // each slot is updated on the node that hosts it, one deployment per slot
          .onMessage(AppSupervisor.GetDeployments.class, m -> {
            m.replyTo().tell(new AppSupervisor.Deployments(app, null, List.of()));
            return Behaviors.same();
          })
          .onMessage(AppSupervisor.Promote.class, m -> {
            m.replyTo().tell(new AppSupervisor.DeploymentAnswer(app, false, NO_DEPLOYMENTS));
            return Behaviors.same();
          })
          .onMessage(AppSupervisor.Rollback.class, m -> {
            m.replyTo().tell(new AppSupervisor.DeploymentAnswer(app, false, NO_DEPLOYMENTS));
            return Behaviors.same();
          })
          .onMessage(AppSupervisor.UpdateSpec.class, m -> {
            // the supervisor updates the slots it hosts; nothing runs here
            m.replyTo().tell(new AppSupervisor.RollingResult(app, true, "slots updated where they run"));
            return Behaviors.same();
          })
          .build();
    });
  }

  /**
   * Every slot's status, asked of its entity wherever it runs (the receptionist lists the running
   * entities cluster-wide, so nothing goes through a shard that may be handing off). A slot with
   * no listed entity is not placed on any reachable node, and is shown so at once: its node was
   * lost and the slot is being placed again, or it is starting.
   */
  static CompletionStage<AppStatus> status(ActorSystem<?> system, AppSpec spec, Set<ActorRef<Slot.Command>> entities) {
    Map<Integer, List<ActorRef<Slot.Command>>> bySlot = new HashMap<>();
    for (ActorRef<Slot.Command> entity : entities) {
      bySlot.computeIfAbsent(ClusterPlacement.slotOf(entity), k -> new ArrayList<>()).add(entity);
    }
    List<CompletableFuture<Slot.Status>> asks = new ArrayList<>();
    for (int i = 0; i < spec.instances(); i++) {
      List<CompletableFuture<Slot.Status>> answers = new ArrayList<>();
      for (ActorRef<Slot.Command> entity : bySlot.getOrDefault(i, List.of())) {
        String node = entity.path().address().hasGlobalScope() ? entity.path().address().toString() : "?";
        answers.add(AskPattern.<Slot.Command, Slot.Status>ask(entity, Slot.GetStatus::new, QUERY, system.scheduler())
            .exceptionally(e -> new Slot.Status(node, null, "no answer from the slot's node within " + QUERY.toSeconds() + "s", null))
            .toCompletableFuture());
      }
      asks.add(answers.isEmpty()
          ? CompletableFuture.completedFuture(new Slot.Status("?", null, "not placed on any reachable node yet", null))
          : CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> best(answers)));
    }    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(v -> {
      Instant now = Instant.now();
      List<WorkerStatus> workers = new ArrayList<>();
      TreeSet<String> nodes = new TreeSet<>();
      int ready = 0;
      AppState state = AppState.STOPPED;
      String detail = null;
      for (int i = 0; i < asks.size(); i++) {
        Slot.Status s = asks.get(i).join();
        if (s.worker() != null) {
          workers.add(s.worker());
          nodes.add(s.node());
          ready += s.worker().state() == WorkerState.READY ? 1 : 0;
        } else {
          workers.add(new WorkerStatus(spec.name(), i, WorkerState.STARTING, 0, 0, 0, now, null, 0,
              "slot not running: " + s.detail(), null));
        }
        if (s.state() == AppState.FAILED) {
          state = AppState.FAILED;
          detail = "slot " + i + ": " + s.detail();
        } else if (s.state() != AppState.STOPPED && state != AppState.FAILED) {
          state = AppState.RUNNING;
        }
      }
      if (detail == null) {
        detail = ready + " of " + spec.instances() + " slots ready on " + nodes.size() + " node(s)";
      }
      return new AppStatus(spec.name(), state, detail, workers, spec);
    });
  }

  /** Of the answers for one slot (two entities while it moves): the one with a ready worker, else one with a worker. */
  private static Slot.Status best(List<CompletableFuture<Slot.Status>> answers) {
    Slot.Status best = null;
    for (CompletableFuture<Slot.Status> a : answers) {
      Slot.Status s = a.join();
      if (best == null || rank(s) > rank(best)) {
        best = s;
      }
    }
    return best;
  }

  private static int rank(Slot.Status s) {
    return s.worker() == null ? 0 : s.worker().state() == WorkerState.READY ? 2 : 1;
  }

  /** Restarts slot {@code from} and each after it in turn, each the rolling way. */
  private static CompletionStage<AppSupervisor.RollingResult> restartFrom(
      ClusterPlacement placement, String app, int from, int slots) {
    if (from >= slots) {
      return CompletableFuture.completedFuture(new AppSupervisor.RollingResult(app, true, "rolling restart of " + slots + " slots done"));
    }
    return placement.slot(app, from).<Slot.Result>ask(Slot.Restart::new, Slot.OPERATION)
        .thenCompose(r -> r.ok()
            ? restartFrom(placement, app, from + 1, slots)
            : CompletableFuture.completedFuture(new AppSupervisor.RollingResult(app, false, "slot " + from + ": " + r.detail())));
  }

  private static CompletionStage<Void> everySlot(
      ClusterPlacement placement, AppSpec spec, Function<ActorRef<Slot.Result>, Slot.Command> message) {
    List<CompletableFuture<Slot.Result>> asks = new ArrayList<>();
    for (int i = 0; i < spec.instances(); i++) {
      asks.add(placement.slot(spec.name(), i).ask(message::apply, Slot.OPERATION).toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new));
  }

  private static AppSupervisor.RollingResult rolling(String app, Slot.Result r, Throwable e) {
    return r == null ? new AppSupervisor.RollingResult(app, false, String.valueOf(e))
        : new AppSupervisor.RollingResult(app, r.ok(), r.detail());
  }
}
