package io.drover.node;

import io.drover.supervisor.AppState;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.CrossNode;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.WorkerStatus;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * One slot of a cluster-placed app, as a Cluster Sharding entity: where the entity lives, the
 * slot runs. On start it asks this node's {@link Supervisor} to host the slot (a worker under an
 * app supervisor of its own); when sharding moves the slot away (a rebalance, or this node
 * leaving) the worker is drained and stopped before the entity stops, and the slot starts on
 * its new node at the next {@link Keep}. While it runs, the entity is listed with the
 * receptionist, so that keepers know the slot is placed.
 */
final class Slot extends AbstractBehavior<Slot.Command> {
  /** How long an operation on a slot's worker may take (a rolling restart waits for readiness). */
  static final Duration OPERATION = Duration.ofMinutes(5);
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final Duration QUERY = Duration.ofSeconds(3);

  interface Command {}

  /** Starts the slot: sent every second to each slot that no node lists as running. */
  record Keep() implements Command, CrossNode {}

  /** Replies with where the slot runs and its worker's state. */
  record GetStatus(ActorRef<Status> replyTo) implements Command, CrossNode {}

  /**
   * The reply to {@link GetStatus}.
   *
   * @param node the member the slot runs on
   * @param state the slot's app state, or null while it is not running yet
   * @param detail why, when the slot is not running
   * @param worker the worker, or null
   */
  record Status(String node, AppState state, String detail, WorkerStatus worker) implements CrossNode {}

  /** Restarts the slot's worker the rolling way (replacement first); replies when done. */
  record Restart(ActorRef<Result> replyTo) implements Command, CrossNode {}

  /** Stops the slot's worker (it stays stopped until {@link Start}); replies when it exited. */
  record Stop(ActorRef<Result> replyTo) implements Command, CrossNode {}

  /** Starts a stopped or failed slot's worker. */
  record Start(ActorRef<Result> replyTo) implements Command, CrossNode {}

  /** How an operation on a slot ended. */
  record Result(int slot, boolean ok, String detail) implements CrossNode {}

  /** From sharding: the slot moves to another node (or this node leaves). */
  enum Handoff implements Command {
    INSTANCE
  }

  private record Hosted(Supervisor.SlotHosted hosted) implements Command {}

  private record Gone(ActorRef<AppSupervisor.Command> supervisor) implements Command {}

  private record Decided(boolean stopped) implements Command {}

  private enum Released implements Command {
    INSTANCE
  }

  private enum Retry implements Command {
    INSTANCE
  }

  private record Answer(ActorRef<Result> replyTo, Result result) implements Command {}

  private record StatusAnswer(ActorRef<Status> replyTo, Status status) implements Command {}

  /** @param stopped whether the cluster's desired state has an app stopped */
  static Behavior<Command> create(
      String app, int slot, ActorRef<Supervisor.Command> supervisor, Function<String, CompletionStage<Boolean>> stopped) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Slot(ctx, timers, app, slot, supervisor, stopped)));
  }

  private final TimerScheduler<Command> timers;
  private final String app;
  private final int slot;
  private final ActorRef<Supervisor.Command> supervisor;
  private final Function<String, CompletionStage<Boolean>> stopped;
  private final ActorRef<Supervisor.SlotHosted> hostedAdapter;
  private final String node;
  private ActorRef<AppSupervisor.Command> hosted;
  private String refused = "starting on this node";
  private boolean asking;
  private boolean releasing;

  private Slot(ActorContext<Command> ctx, TimerScheduler<Command> timers, String app, int slot,
      ActorRef<Supervisor.Command> supervisor, Function<String, CompletionStage<Boolean>> stopped) {
    super(ctx);
    this.stopped = stopped;
    this.timers = timers;
    this.app = app;
    this.slot = slot;
    this.supervisor = supervisor;
    this.hostedAdapter = ctx.messageAdapter(Supervisor.SlotHosted.class, Hosted::new);
    this.node = Cluster.get(ctx.getSystem()).selfMember().address().toString();
    // listed while this entity runs (the receptionist drops it when it stops): keepers leave it be
    ctx.getSystem().receptionist().tell(Receptionist.register(ClusterPlacement.placedKey(app), ctx.getSelf()));
    host();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Keep.class, m -> keep())
        .onMessage(Retry.class, m -> keep())
        .onMessage(Decided.class, this::onDecided)
        .onMessage(Hosted.class, this::onHosted)
        .onMessage(Gone.class, this::onGone)
        .onMessage(Handoff.class, m -> onHandoff())
        .onMessage(Released.class, m -> Behaviors.stopped())
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(StatusAnswer.class, m -> reply(m.replyTo(), m.status()))
        .onMessage(Restart.class, m -> operate(m.replyTo(), "restart"))
        .onMessage(Stop.class, m -> operate(m.replyTo(), "stop"))
        .onMessage(Start.class, m -> operate(m.replyTo(), "start"))
        .onMessage(Answer.class, m -> reply(m.replyTo(), m.result()))
        .build();
  }

  /** Reads whether the app is to run stopped (the cluster's desired state), then asks the supervisor to host the slot. */
  private void host() {
    asking = true;
    getContext().pipeToSelf(stopped.apply(app), (isStopped, e) -> new Decided(Boolean.TRUE.equals(isStopped)));
  }

  private Behavior<Command> onDecided(Decided m) {
    if (releasing) {
      asking = false;
      release(); // handed off before it was hosted: nothing runs here, the release says so at once
      return this;
    }
    supervisor.tell(new Supervisor.HostSlot(app, slot, m.stopped(), hostedAdapter));
    return this;
  }

  private Behavior<Command> keep() {
    if (hosted == null && !asking && !releasing) {
      host();
    }
    return this;
  }

  private Behavior<Command> onHosted(Hosted m) {
    asking = false;
    Supervisor.SlotHosted h = m.hosted();
    if (releasing) {
      // handed off while the supervisor was still setting the slot up here: release it now
      release();
      return this;
    }
    if (h.supervisor() == null) {
      refused = h.refused();
      timers.startSingleTimer(Retry.INSTANCE, RETRY); // e.g. the cluster's config has not reached this node yet
      return this;
    }
    if (!h.supervisor().equals(hosted)) {
      hosted = h.supervisor();
      getContext().watchWith(hosted, new Gone(hosted));
    }
    return this;
  }

  /** The supervisor released the slot here (scaled down, removed, or this node stops). */
  private Behavior<Command> onGone(Gone m) {
    if (!m.supervisor().equals(hosted)) {
      return this;
    }
    return Behaviors.stopped(); // the next Keep finds the slot a place again
  }

  private Behavior<Command> onHandoff() {
    if (releasing) {
      return this;
    }
    releasing = true;
    if (asking) {
      return this; // the supervisor may be hosting the slot right now: released once it answers
    }
    if (hosted == null) {
      return Behaviors.stopped();
    }
    release();
    return this;
  }

  private void release() {
    getContext().ask(Done.class, supervisor, OPERATION, r -> new Supervisor.ReleaseSlot(app, slot, r),
        (done, failure) -> Released.INSTANCE);
  }

  private Behavior<Command> onGetStatus(GetStatus m) {
    if (hosted == null) {
      m.replyTo().tell(new Status(node, null, refused, null));
      return this;
    }
    getContext().ask(AppStatus.class, hosted, QUERY, AppSupervisor.GetStatus::new, (status, failure) -> {
      if (status == null) {
        return new StatusAnswer(m.replyTo(), new Status(node, null, "no answer: " + failure, null));
      }
      WorkerStatus w = status.workers().isEmpty() ? null : withNode(status.workers().get(0));
      return new StatusAnswer(m.replyTo(), new Status(node, status.state(), status.detail(), w));
    });
    return this;
  }

  private WorkerStatus withNode(WorkerStatus w) {
    return w.withNode(node);
  }

  private Behavior<Command> operate(ActorRef<Result> replyTo, String what) {
    if (hosted == null) {
      replyTo.tell(new Result(slot, false, "slot " + slot + " is not running yet: " + refused));
      return this;
    }
    switch (what) {
      case "restart" -> getContext().ask(AppSupervisor.RollingResult.class, hosted, OPERATION,
          r -> new AppSupervisor.RestartWorker(slot, r),
          (done, failure) -> new Answer(replyTo, done == null
              ? new Result(slot, false, String.valueOf(failure))
              : new Result(slot, done.completed(), done.detail())));
      case "stop" -> getContext().ask(Done.class, hosted, OPERATION, AppSupervisor.StopApp::new,
          (done, failure) -> new Answer(replyTo, new Result(slot, failure == null, failure == null ? "stopped" : failure.toString())));
      default -> {
        hosted.tell(AppSupervisor.StartApp.INSTANCE);
        replyTo.tell(new Result(slot, true, "starting"));
      }
    }
    return this;
  }

  private <T> Behavior<Command> reply(ActorRef<T> to, T message) {
    to.tell(message);
    return this;
  }
}
