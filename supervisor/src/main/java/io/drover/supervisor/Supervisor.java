package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.DroverSettings;
import io.drover.supervisor.process.RunRecords;
import io.drover.supervisor.process.WorkerLogs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One per node: ends what a killed previous run left behind, then runs one {@link
 * AppSupervisor} per declared app and stops them all on request. Of an app placed on the cluster
 * it runs the slots the cluster gives this node ({@link HostSlot}), each under an app supervisor
 * of its own, and the app's cluster-wide actor from {@link ClusterApps}. What others send it and
 * hear from it is {@link SupervisorProtocol}.
 */
public final class Supervisor extends AbstractBehavior<SupervisorProtocol.Command> implements SupervisorProtocol {

  private record RemovedAppStopped(ActorRef<AppSupervisor.Command> app) implements Command {}

  /** An app or a hosted slot went back to earlier settings (a revert or a rollback). */
  private record AppRetargeted(AppSupervisor.Retargeted retargeted) implements Command {}

  /** An app's count, healthy settings or deployments changed. */
  private record AppRecorded(AppSupervisor.Recorded recorded) implements Command {}

  private record SlotReleased(ActorRef<AppSupervisor.Command> slot, ActorRef<Done> replyTo) implements Command {}

  private enum AppStopped implements Command {
    INSTANCE
  }

  public static Behavior<Command> create(DroverSettings settings) {
    return create(settings, Drainer.NONE);
  }

  /** @param drainer drains a worker at the front before it is signalled */
  public static Behavior<Command> create(DroverSettings settings, Drainer drainer) {
    return create(settings, drainer, ClusterApps.NONE);
  }

  /**
   * @param drainer drains a worker at the front before it is signalled
   * @param clusterApps runs the cluster-wide side of apps placed on the cluster
   */
  public static Behavior<Command> create(DroverSettings settings, Drainer drainer, ClusterApps clusterApps) {
    return create(DesiredState.off(settings), drainer, clusterApps, apps -> {});
  }

  /**
   * @param desired what the node runs ({@link DesiredState#settings()}), kept across restarts
   * @param appsChanged hears the apps' settings when a revert or a rollback changed an app's (the
   *     front's routes follow them)
   */
  public static Behavior<Command> create(DesiredState desired, Drainer drainer, ClusterApps clusterApps,
      Consumer<List<AppSpec>> appsChanged) {
    return Behaviors.setup(ctx -> new Supervisor(ctx, desired, drainer, clusterApps, appsChanged));
  }

  private final RunRecords records;
  private final Drainer drainer;
  private final ClusterApps clusterApps;
  private DroverSettings settings;
  /** Slots of cluster-placed apps run here, and which of them went back to earlier settings. */
  private final HostedSlots slots = new HostedSlots();
  private boolean stopping;
  private int incarnations;
  private final ActorRef<Done> appStoppedAdapter;
  private final ActorRef<AppSupervisor.Notice> noticeAdapter;
  private final DesiredState desired;
  private final Consumer<List<AppSpec>> appsChanged;
  private final Map<String, ActorRef<AppSupervisor.Command>> apps = new LinkedHashMap<>();
  /** Who waits for StopAll, and how many apps and slots are still stopping. */
  private final StopWaiters stops = new StopWaiters();

  private Supervisor(ActorContext<Command> context, DesiredState desired, Drainer drainer, ClusterApps clusterApps,
      Consumer<List<AppSpec>> appsChanged) {
    super(context);
    this.appStoppedAdapter = context.messageAdapter(Done.class, d -> AppStopped.INSTANCE);
    this.noticeAdapter = context.messageAdapter(AppSupervisor.Notice.class,
        n -> n instanceof AppSupervisor.Retargeted r ? new AppRetargeted(r) : new AppRecorded((AppSupervisor.Recorded) n));
    this.drainer = drainer;
    this.clusterApps = clusterApps;
    this.desired = desired;
    this.appsChanged = appsChanged;
    this.settings = desired.settings();
    try {
      this.records = RunRecords.open(settings.stateDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use state directory " + settings.stateDir(), e);
    }
    if (desired.note() != null) {
      context.getLog().warn("{}", desired.note());
      for (AppSpec app : settings.appList()) {
        context.getSystem().eventStream().tell(new EventStream.Publish<>(
            new AppEvent(java.time.Instant.now(), app.name(), AppState.RUNNING, desired.note())));
      }
    }
    desired.save();
    for (AppSpec app : settings.appList()) {
      startApp(app);
    }
    context.getLog().info("supervising {} apps: {}", apps.size(), apps.keySet());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StopAll.class, this::onStopAll)
        .onMessage(AppStopped.class, this::onAppStopped)
        .onMessage(GetApps.class, this::onGetApps)
        .onMessage(RestartAllRolling.class, this::onRestartAllRolling)
        .onMessage(Apply.class, this::onApply)
        .onMessage(GetSettings.class, this::onGetSettings)
        .onMessage(AppRetargeted.class, this::onAppRetargeted)
        .onMessage(AppRecorded.class, this::onAppRecorded)
        .onMessage(RemovedAppStopped.class, this::onRemovedAppStopped)
        .onMessage(HostSlot.class, this::onHostSlot)
        .onMessage(ReleaseSlot.class, this::onReleaseSlot)
        .onMessage(SlotReleased.class, this::onSlotReleased)
        .onMessage(GetSlots.class, this::onGetSlots)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> onStopAll(StopAll m) {
    if (!stops.add(m.replyTo())) {
      return this; // already stopping
    }
    stopping = true; // and the cluster finds other nodes for this node's slots
    List<ActorRef<AppSupervisor.Command>> local = new ArrayList<>();
    apps.forEach((name, app) -> {
      if (!settings.apps().get(name).clusterPlaced()) {
        local.add(app); // a cluster-placed app's own actor stops nothing on the other nodes
      }
    });
    Map<String, List<Integer>> hosted = slots.numbers();
    stops.expect(local.size() + hosted.values().stream().mapToInt(List::size).sum());
    local.forEach(app -> app.tell(new AppSupervisor.StopApp(appStoppedAdapter)));
    hosted.forEach((app, list) -> list.forEach(slot -> release(app, slot, appStoppedAdapter)));
    return this;
  }

  private Behavior<Command> onAppStopped(AppStopped m) {
    if (stops.stopped()) {
      getContext().getLog().info("all workers stopped");
    }
    return this;
  }

  private WorkerLogs logsOf(AppSpec app) {
    return new WorkerLogs(app.name(), settings.logsDir().resolve(app.name()), app.logs());
  }

  private void startApp(AppSpec app) {
    if (app.clusterPlaced()) {
      apps.put(app.name(), getContext().spawn(clusterApps.app(app, getContext().getSelf()), uniqueName(app.name())));
      return;
    }
    // a deployment was under way when the node went down: the app starts on its last healthy
    // settings and deploys the desired ones again (reverted, as any deployment, should they fail)
    AppSpec healthyFirst = desired.healthyFirst(app.name());
    ActorRef<AppSupervisor.Command> ref = getContext().spawn(
        AppSupervisor.create(healthyFirst != null ? healthyFirst : app, logsOf(app), records, drainer, noticeAdapter,
            desired.history(app.name())),
        uniqueName(app.name()));
    apps.put(app.name(), ref);
    if (healthyFirst != null) {
      ref.tell(new AppSupervisor.UpdateSpec(app, logsOf(app), getContext().getSystem().ignoreRef()));
    }
  }

  /** The name, or a numbered one while an actor of that name (being removed) still stops. */
  private String uniqueName(String name) {
    return getContext().getChild(name).isPresent() ? name + "~" + (++incarnations) : name;
  }

  // ---------------------------------------------------------------- slots of cluster-placed apps

  private Behavior<Command> onHostSlot(HostSlot m) {
    AppSpec app = settings.apps().get(m.app());
    String refused =
        stopping ? "this node is stopping"
            : app == null ? "no app " + m.app() + " in this node's settings"
            : !app.clusterPlaced() ? "app " + m.app() + " is not placed on the cluster"
            : m.slot() < 0 || m.slot() >= app.instances() ? "app " + m.app() + " has " + app.instances() + " slots"
            : null;
    if (refused != null) {
      m.replyTo().tell(new SlotHosted(m.app(), m.slot(), null, refused));
      return this;
    }
    ActorRef<AppSupervisor.Command> slot = slots.get(m.app(), m.slot());
    if (slot == null) {
      getContext().getLog().info("[{}] hosting slot {} of {}", m.app(), m.slot(), app.instances());
      slot = getContext().spawn(
          AppSupervisor.createSlot(app, m.slot(), m.stopped(), logsOf(app), records, drainer, noticeAdapter),
          uniqueName(m.app() + ".slot-" + m.slot()));
      slots.put(m.app(), m.slot(), slot);
    }
    m.replyTo().tell(new SlotHosted(m.app(), m.slot(), slot, null));
    return this;
  }

  private Behavior<Command> onReleaseSlot(ReleaseSlot m) {
    release(m.app(), m.slot(), m.replyTo());
    return this;
  }

  /** Stops a hosted slot's worker (drained first), then its supervisor; {@code replyTo} hears when. */
  private void release(String app, int slot, ActorRef<Done> replyTo) {
    ActorRef<AppSupervisor.Command> supervisor = slots.remove(app, slot);
    if (supervisor == null) {
      replyTo.tell(Done.getInstance());
      return;
    }
    getContext().getLog().info("[{}] releasing slot {}", app, slot);
    getContext()
        .ask(Done.class, supervisor, java.time.Duration.ofMinutes(10), AppSupervisor.StopApp::new,
            (done, failure) -> new SlotReleased(supervisor, replyTo));
  }

  private Behavior<Command> onSlotReleased(SlotReleased m) {
    getContext().stop(m.slot());
    m.replyTo().tell(Done.getInstance());
    return this;
  }

  /** Releases the hosted slots of {@code app} numbered {@code from} and above. */
  private void releaseFrom(String app, int from) {
    ActorRef<Done> ignore = getContext().getSystem().ignoreRef();
    slots.numbersFrom(app, from).forEach(i -> release(app, i, ignore));
  }

  private Behavior<Command> onGetSlots(GetSlots m) {
    m.replyTo().tell(new Slots(slots.snapshot()));
    return this;
  }

  private Behavior<Command> onApply(Apply m) {
    Map<String, AppSpec> next = m.settings().apps();
    Applied diff = ApplyDiff.of(settings.apps(), next, slots::hostsReverted);
    if (!m.dryRun()) {
      getContext().getLog().info("applying config: {}", diff);
      ActorRef<AppSupervisor.RollingResult> ignore = getContext().getSystem().ignoreRef();
      ActorRef<AppSupervisor.Scaled> ignoreScaled = getContext().getSystem().ignoreRef();
      // an app moved between local and cluster placement stops and starts again
      List<String> replaced = ApplyDiff.replaced(diff, settings.apps(), next);
      for (String name : diff.removed()) {
        removeApp(name);
      }
      for (String name : replaced) {
        removeApp(name);
      }
      for (String name : diff.scaled()) {
        if (next.get(name).clusterPlaced()) {
          releaseFrom(name, next.get(name).instances());
        } else {
          apps.get(name).tell(new AppSupervisor.Scale(next.get(name).instances(), ignoreScaled));
        }
      }
      for (String name : diff.changed()) {
        AppSpec app = next.get(name);
        if (replaced.contains(name)) {
          continue;
        }
        if (app.clusterPlaced()) {
          releaseFrom(name, app.instances());
          slots.of(name).forEach(slot -> {
            slots.retargeted(slot);
            slot.tell(new AppSupervisor.UpdateSpec(app.withInstances(1), logsOf(app), ignore));
          });
        } else {
          apps.get(name).tell(new AppSupervisor.UpdateSpec(app, logsOf(app), ignore));
        }
      }
      // apps change at run time; the node's own settings (dirs, listeners) stay as started
      settings = settings.withApps(next);
      desired.applied(m.text(), next);
      publishSettings();
      for (String name : diff.added()) {
        startApp(next.get(name));
      }
      for (String name : replaced) {
        startApp(next.get(name));
      }
      Map<String, ActorRef<AppSupervisor.Command>> ordered = new LinkedHashMap<>();
      next.keySet().forEach(n -> ordered.put(n, apps.get(n)));
      apps.clear();
      apps.putAll(ordered);
    }
    m.replyTo().tell(diff);
    return this;
  }

  /** Stops a removed app's workers (for a cluster-placed one: the slots hosted here), then its actor. */
  private void removeApp(String name) {
    ActorRef<AppSupervisor.Command> app = apps.remove(name);
    if (settings.apps().get(name).clusterPlaced()) {
      releaseFrom(name, 0);
      getContext().stop(app);
      return;
    }
    getContext()
        .ask(Done.class, app, java.time.Duration.ofMinutes(10), AppSupervisor.StopApp::new,
            (done, failure) -> new RemovedAppStopped(app));
  }

  private Behavior<Command> onRemovedAppStopped(RemovedAppStopped m) {
    getContext().stop(m.app());
    return this;
  }

  /**
   * An app went back to earlier settings (a failed deployment reverted, or a rollback): the
   * settings held here follow, so that applying the failed settings again deploys them again and
   * the next apply is diffed against what runs. The count stays the one applied. Ignored when an
   * apply changed the app meanwhile (that apply's settings are the app's now). A slot of a
   * cluster-placed app is noted, and the cluster is told ({@link ClusterApps#wentBack}): its
   * desired state then declares the earlier settings, which reach every node as an apply (the
   * slots that went back already run them, the others are deployed them). Until then, an apply
   * of the failed settings deploys them to that slot again.
   */
  private Behavior<Command> onAppRetargeted(AppRetargeted m) {
    AppSupervisor.Retargeted r = m.retargeted();
    String name = r.to().name();
    AppSpec current = settings.apps().get(name);
    if (current == null || !current.sameWorkers(r.from())) {
      return this; // removed, or applied over meanwhile
    }
    if (current.clusterPlaced()) {
      if (slots.wentBack(name, r.app(), r.to())) {
        clusterApps.wentBack(name, r.from(), r.to());
      }
      return this;
    }
    if (!r.app().equals(apps.get(name))) {
      return this; // an earlier incarnation of the app, still stopping
    }
    Map<String, AppSpec> next = new LinkedHashMap<>(settings.apps());
    next.put(name, r.to().withInstances(current.instances()));
    settings = settings.withApps(next);
    getContext().getLog().info("[{}] went back to earlier settings: they are the app's settings now", name);
    desired.retargeted(name, r.to());
    publishSettings();
    appsChanged.accept(settings.appList()); // its route, too, is the earlier one again
    return this;
  }

  /** What the desired state keeps of a local app changed (not of a cluster-placed app's slot). */
  private Behavior<Command> onAppRecorded(AppRecorded m) {
    AppSupervisor.Recorded r = m.recorded();
    AppSpec current = settings.apps().get(r.name());
    if (current != null && !current.clusterPlaced() && r.app().equals(apps.get(r.name()))) {
      desired.recorded(r);
    }
    return this;
  }

  private void publishSettings() {
    getContext().getSystem().eventStream().tell(new EventStream.Publish<>(new SettingsChanged(settings)));
  }

  private Behavior<Command> onGetSettings(GetSettings m) {
    m.replyTo().tell(settings);
    return this;
  }

  /** Restarts what this node runs: its local apps and the slots it hosts. */
  private Behavior<Command> onRestartAllRolling(RestartAllRolling m) {
    ActorRef<AppSupervisor.RollingResult> ignore = getContext().getSystem().ignoreRef();
    apps.forEach((name, app) -> {
      if (!settings.apps().get(name).clusterPlaced()) {
        app.tell(new AppSupervisor.RestartRolling(ignore));
      }
    });
    slots.all().forEach(slot -> slot.tell(new AppSupervisor.RestartRolling(ignore)));
    return this;
  }

  private Behavior<Command> onGetApps(GetApps m) {
    m.replyTo().tell(new Apps(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(apps))));
    return this;
  }

  private Behavior<Command> onPostStop(PostStop signal) {
    records.close();
    return this;
  }
}
