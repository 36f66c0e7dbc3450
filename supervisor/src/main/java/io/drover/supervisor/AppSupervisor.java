package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.process.RunRecords;
import io.drover.supervisor.process.WorkerLogs;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Supervises the workers of one app after Erlang/OTP: decides on every exit whether and which
 * workers restart (policy × exit kind, then the strategy), after what backoff, and gives the app
 * up when restarts exceed the intensity — visibly, and with a retry after a cool-down unless told
 * to stay failed. What others send it and hear from it is {@link AppProtocol}.
 */
public final class AppSupervisor extends AbstractBehavior<AppProtocol.Command> implements AppProtocol {

  /** From a worker: its process ended on its own or by a failure (never for requested stops). */
  record WorkerExited(ActorRef<WorkerCommand> worker, int instance, WorkerExit exit)
      implements Command {}

  /** From a worker: it changed state. */
  record WorkerChanged(ActorRef<WorkerCommand> worker, WorkerEvent event, Instant startedAt)
      implements Command {}

  /**
   * From a worker: it reached a {@code recycle} limit and asks to be replaced the rolling way
   * (one worker of the app at a time; it serves until its replacement is ready).
   */
  record Recycle(ActorRef<WorkerCommand> worker, int instance, String reason) implements Command {}

  private record WorkerStopped(int instance) implements Command {}

  /** The old worker of a slot stopped for its replacement (see {@link RolloutSlots#stopOld}). */
  record ReplacedStopped(int instance, ActorRef<WorkerCommand> replacement) implements Command {}

  /** A retired worker stopped. */
  record Retired(ActorRef<WorkerCommand> worker) implements Command {}

  /** A stopped worker's actor may end now. */
  record Release(ActorRef<WorkerCommand> worker) implements Command {}

  /** From a worker's log pump: its file cannot be written, or can again. */
  private record LogTrouble(String detail) implements Command {}

  private enum CoolDownOver implements Command {
    INSTANCE
  }

  public static Behavior<Command> create(
      AppSpec spec, WorkerLogs logs, RunRecords records, Drainer drainer) {
    return create(spec, logs, records, drainer, null);
  }

  /** @param parent hears when the app goes back to earlier settings (null: nobody) */
  public static Behavior<Command> create(
      AppSpec spec, WorkerLogs logs, RunRecords records, Drainer drainer, ActorRef<Notice> parent) {
    return create(spec, logs, records, drainer, parent, null);
  }

  /** @param restored what a previous run of the node left of the app's deployments (null: nothing) */
  static Behavior<Command> create(AppSpec spec, WorkerLogs logs, RunRecords records, Drainer drainer,
      ActorRef<Notice> parent, DeploymentHistory.Restored restored) {
    return create(spec, 0, false, logs, records, drainer, parent, restored);
  }

  /**
   * Supervises one slot of a cluster-placed app: a single worker numbered {@code slot}, with the
   * app's restart policy and backoff (the strategy is one-for-one by validation).
   */
  public static Behavior<Command> createSlot(
      AppSpec spec, int slot, boolean stopped, WorkerLogs logs, RunRecords records, Drainer drainer) {
    return createSlot(spec, slot, stopped, logs, records, drainer, null);
  }

  /** @param parent hears when the slot goes back to earlier settings (null: nobody) */
  public static Behavior<Command> createSlot(AppSpec spec, int slot, boolean stopped, WorkerLogs logs,
      RunRecords records, Drainer drainer, ActorRef<Notice> parent) {
    return create(spec.withInstances(1), slot, stopped, logs, records, drainer, parent, null);
  }

  /** @param stopped the app is stopped (its workers are set up, and start on {@link StartApp}) */
  private static Behavior<Command> create(AppSpec spec, int base, boolean stopped, WorkerLogs logs,
      RunRecords records, Drainer drainer, ActorRef<Notice> parent, DeploymentHistory.Restored restored) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> new AppSupervisor(ctx, timers, spec, base, stopped, logs, records, drainer, parent, restored)));
  }

  private final TimerScheduler<Command> timers;
  /** The settings the app runs, its restart rules and window. */
  private final AppSettings settings;
  /** Hears when the app's count, healthy settings or deployments change; null: nobody. */
  private final ActorRef<Notice> parent;
  /** The slots: their workers, and what is known of each. */
  private final WorkerTable table;
  /** The worker in each slot (the table's). */
  private final List<ActorRef<WorkerCommand>> workers;
  /** What an exit nobody asked for restarts. */
  private final SlotRestarts restarts;
  /** Deployments, rolling restarts and recycles: the replacements under way. */
  private final Rollout rollout;
  private final ActorRef<WorkerCommand.Stopped> stoppedAdapter;
  /** Who waits for StopApp, and how many workers are still stopping. */
  private final StopWaiters stops = new StopWaiters();
  /** The app's state and detail, and the events that tell them. */
  private final AppCondition shown;

  private AppSupervisor(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      AppSpec spec,
      int base,
      boolean stopped,
      WorkerLogs logs,
      RunRecords records,
      Drainer drainer,
      ActorRef<Notice> parent,
      DeploymentHistory.Restored restored) {
    super(context);
    this.parent = parent;
    this.table = new WorkerTable(context, spec.name(), base, spec.instances(), reporting(logs), records, drainer);
    this.workers = table.workers;
    this.timers = timers;
    this.settings = new AppSettings(spec);
    this.restarts = new SlotRestarts(context.getLog(), table, settings);
    this.shown = new AppCondition(context.getSystem(), context.getLog(), settings, table);

    this.stoppedAdapter =
        context.messageAdapter(WorkerCommand.Stopped.class, s -> new WorkerStopped(s.instance()));
    this.rollout = new Rollout(new RolloutSlots(context, this, table, settings, parent), timers, spec, restored);
    for (int i = 0; i < spec.instances(); i++) {
      workers.add(table.spawn(i, 0, table.name(i), spec));
    }
    if (stopped) {
      for (int i = 0; i < spec.instances(); i++) {
        table.latest[i] = new WorkerStatus(spec.name(), base + i, WorkerState.STOPPED, 0, 0, 0, java.time.Instant.now(), null, 0,
            "the app is stopped", null);
      }
      shown.become(AppState.STOPPED, "stopped (and stays so until started)");
      return;
    }
    shown.become(AppState.RUNNING, "starting " + spec.instances() + " workers");
    shown.awaitReady();
    workers.forEach(w -> w.tell(WorkerCommand.Start.INSTANCE));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(WorkerExited.class, this::onWorkerExited)
        .onMessage(WorkerChanged.class, this::onWorkerChanged)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(GetSize.class, m -> {
          m.replyTo().tell(new Size(settings.name(), shown.state(), workers.size(), table.ready(), settings.spec));
          return this;
        })
        .onMessage(StopApp.class, this::onStopApp)
        .onMessage(StartApp.class, this::onStartApp)
        .onMessage(WorkerStopped.class, this::onWorkerStopped)
        .onMessage(CoolDownOver.class, this::onCoolDownOver)
        .onMessage(RestartRolling.class, m -> {
          if (!shown.running()) {
            m.replyTo().tell(new RollingResult(settings.name(), false, shown.notRunning()));
          } else {
            rollout.restartAll(m.replyTo());
          }
          return this;
        })
        .onMessage(Rollout.Healthy.class, m -> {
          rollout.onHealthy(m);
          return this;
        })
        .onMessage(Rollout.Deadline.class, m -> {
          rollout.onDeadline(m);
          return this;
        })
        .onMessage(GetDeployments.class, m -> {
          m.replyTo().tell(new Deployments(settings.name(), rollout.current(), rollout.recent()));
          return this;
        })
        .onMessage(Promote.class, m -> answer(m.replyTo(), rollout.promote(), "promoted"))
        .onMessage(Rollback.class, m -> answer(m.replyTo(),
            shown.running() ? rollout.rollback() : shown.notRunning(), "rolling back"))
        .onMessage(ReplacedStopped.class, this::onReplacedStopped)
        .onMessage(Retired.class, this::onRetired)
        .onMessage(Release.class, m -> {
          table.forget(m.worker());
          return this;
        })
        .onMessage(RestartWorker.class, this::onRestartWorker)
        .onMessage(Scale.class, this::onScale)
        .onMessage(UpdateSpec.class, this::onUpdateSpec)
        .onMessage(Recycle.class, this::onRecycle)
        .onMessage(LogTrouble.class, this::onLogTrouble)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> answer(ActorRef<DeploymentAnswer> replyTo, String refusal, String done) {
    replyTo.tell(new DeploymentAnswer(settings.name(), refusal == null, refusal == null ? done : refusal));
    return this;
  }

  /** The logs, with trouble writing a worker's file told to this app (from the pump's thread). */
  private WorkerLogs reporting(WorkerLogs logs) {
    ActorRef<Command> self = getContext().getSelf();
    return logs.reportingTo(detail -> self.tell(new LogTrouble(detail)));
  }

  /** Trouble with a log file changes nothing in the app: it is told, in the app's current state. */
  private Behavior<Command> onLogTrouble(LogTrouble m) {
    shown.announce(m.detail());
    return this;
  }

  private Behavior<Command> onPostStop(PostStop signal) {
    table.close();
    return this;
  }

  private Behavior<Command> onWorkerExited(WorkerExited m) {
    if (rollout.onExited(m.worker(), m.exit())) {
      return this;
    }
    int i = m.instance() - table.base();
    if (i < 0 || i >= workers.size() || !m.worker().equals(workers.get(i))) {
      return this; // a replaced or retired worker
    }
    if (!shown.running()) {
      return this; // a stopped or failed app restarts nothing
    }
    String lastExit = restarts.exited(i, m.instance(), m.exit());
    return lastExit == null ? this : giveUp(lastExit);
  }

  /** Intensity exceeded: stop every worker, mark the app failed, and maybe retry later. */
  private Behavior<Command> giveUp(String lastExit) {
    String why = restarts.givenUp(lastExit);
    getContext().getLog().error("[{}] {}", settings.name(), why);
    rollout.cancel("the app gave up"); // first: the app's detail ends on why it gave up
    shown.become(AppState.FAILED, why);
    workers.forEach(w -> w.tell(new WorkerCommand.Stop(stoppedAdapter)));
    settings.restart.retryAfterGiveUp().ifPresent(d -> timers.startSingleTimer(CoolDownOver.INSTANCE, d));
    return this;
  }

  private Behavior<Command> onCoolDownOver(CoolDownOver m) {
    if (shown.state() == AppState.FAILED) {
      startAll("cool-down over: starting again");
    }
    return this;
  }

  private Behavior<Command> onStartApp(StartApp m) {
    if (!shown.running()) {
      timers.cancel(CoolDownOver.INSTANCE);
      startAll("start requested");
    }
    return this;
  }

  private void startAll(String why) {
    for (int i = 0; i < workers.size(); i++) {
      if (!table.specOf(i).sameWorkers(settings.spec)) {
        // stopped or failed during a deployment: the slot starts on the current settings
        table.respawn(i, settings.spec, settings.stopBudget());
      }
    }
    settings.window.clear();
    java.util.Arrays.fill(table.attempts, 0);
    shown.become(AppState.RUNNING, why);
    shown.awaitReady();
    workers.forEach(w -> w.tell(WorkerCommand.Start.INSTANCE));
  }

  private Behavior<Command> onStopApp(StopApp m) {
    timers.cancel(CoolDownOver.INSTANCE);
    if (shown.running()) {
      rollout.cancel("the app is stopping");
    }
    stops.add(m.replyTo());
    if (shown.state() != AppState.STOPPED || !stops.pending()) {
      shown.become(AppState.STOPPED, "stop requested");
      workers.forEach(w -> w.tell(new WorkerCommand.Stop(stoppedAdapter)));
      stops.expect(workers.size());
    }
    return this;
  }

  private Behavior<Command> onWorkerStopped(WorkerStopped m) {
    stops.stopped();
    return this;
  }

  private Behavior<Command> onWorkerChanged(WorkerChanged m) {
    WorkerEvent e = m.event();
    if (rollout.onChanged(m.worker(), statusOf(m))) {
      return this;
    }
    int i = e.instance() - table.base();
    if (i < 0 || i >= workers.size() || !m.worker().equals(workers.get(i))) {
      return this; // a retired or replaced worker
    }
    table.latest[i] = statusOf(m);
    announceReady();
    return this;
  }

  /** After a start or a scale-up: once every worker is ready, the app's detail says so. */
  void announceReady() {
    shown.announceReady();
  }

  private static WorkerStatus statusOf(WorkerChanged m) {
    WorkerEvent e = m.event();
    return new WorkerStatus(e.app(), e.instance(), e.state(), e.pid(), e.port(), e.restarts(), e.at(), m.startedAt(), 0, e.detail(), null);
  }

  private Behavior<Command> onGetStatus(GetStatus m) {
    m.replyTo().tell(new AppStatus(settings.name(), shown.state(), shown.detail(), table.statuses(), settings.spec));
    return this;
  }

  // ---------------------------------------------------------------- scaling and updates

  private Behavior<Command> onScale(Scale m) {
    int n = m.instances();
    int current = workers.size();
    table.scale(n, rollout.forNewSlots(), shown.running(), settings.stopBudget());
    settings.spec = settings.spec.withInstances(n);
    rollout.scaled(n);
    if (n != current) {
      recorded();
      shown.update("scaled from " + current + " to " + n + " workers" + (m.reason() == null ? "" : ": " + m.reason()));
      if (n > current) {
        shown.awaitReady();
      }
    }
    announceReady();
    m.replyTo().tell(new Scaled(settings.name(), n));
    return this;
  }

  private Behavior<Command> onUpdateSpec(UpdateSpec m) {
    boolean changed = !m.spec().sameWorkers(settings.spec);
    // an autoscaled app keeps the count its load called for (within the new bounds)
    io.drover.supervisor.config.AutoscaleSpec autoscale = m.spec().autoscale();
    int n = autoscale.enabled() ? Math.max(autoscale.min(), Math.min(autoscale.max(), workers.size())) : m.spec().instances();
    onScale(new Scale(n, getContext().getSystem().ignoreRef()));
    settings.adopt(m.spec().withInstances(n));
    table.logs(reporting(m.logs()));
    if (!changed) {
      m.replyTo().tell(new RollingResult(settings.name(), true, "settings unchanged"));
      return this;
    }
    if (!shown.running()) {
      // nothing runs: the next start uses the new settings
      for (int i = 0; i < workers.size(); i++) {
        table.respawn(i, settings.spec, settings.stopBudget());
      }
      m.replyTo().tell(new RollingResult(settings.name(), true, "new settings apply at the next start"));
      return this;
    }
    rollout.deploy("apply", m.replyTo());
    return this;
  }

  private Behavior<Command> onRestartWorker(RestartWorker m) {
    int i = m.instance() - table.base();
    if (i < 0 || i >= workers.size()) {
      m.replyTo().tell(new RollingResult(settings.name(), false, "no worker " + m.instance()));
      return this;
    }
    if (!shown.running()) {
      m.replyTo().tell(new RollingResult(settings.name(), false, shown.notRunning()));
      return this;
    }
    rollout.restartOne(i, m.replyTo());
    return this;
  }

  private Behavior<Command> onRecycle(Recycle m) {
    int i = m.instance() - table.base();
    if (!shown.running() || i < 0 || i >= workers.size() || !m.worker().equals(workers.get(i))) {
      return this; // not in a slot any more
    }
    if (rollout.recycle(i, m.reason())) {
      getContext().getLog().info("[{}] recycling {}: {}", settings.name(), table.name(i), m.reason());
      shown.become(AppState.RUNNING, "recycling " + table.name(i) + ": " + m.reason());
    }
    return this;
  }

  private Behavior<Command> onReplacedStopped(ReplacedStopped m) {
    if (!rollout.onReplacedStopped(m.instance(), m.replacement())) {
      // the replacement was given up after this old worker was told to stop: it runs again
      if (shown.running() && m.instance() < workers.size()) {
        workers.get(m.instance()).tell(WorkerCommand.Start.INSTANCE);
      }
    }
    return this;
  }

  private Behavior<Command> onRetired(Retired m) {
    table.release(m.worker());
    return this;
  }

  /** Tells the parent what the desired state keeps of the app. */
  void recorded() {
    if (parent != null) {
      DeploymentHistory h = rollout.history();
      parent.tell(new Recorded(getContext().getSelf(), settings.name(), workers.size(), h.lastId(), h.recent(),
          h.lastHealthy(), h.previousHealthy()));
    }
  }

  /** Tells what happened: logged, and the app's detail and an event, in its current state. */
  void report(String what) {
    shown.report(what);
  }
}
