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
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One per node: ends what a killed previous run left behind, then runs one {@link
 * AppSupervisor} per declared app and stops them all on request.
 */
public final class Supervisor extends AbstractBehavior<Supervisor.Command> {

  /** What the node supervisor understands. */
  public interface Command {}

  /** Stops every app's workers; replies when all have exited. */
  public record StopAll(ActorRef<Done> replyTo) implements Command {}

  /** Restarts every app rolling (replacement first, then drain and stop the old worker). */
  public enum RestartAllRolling implements Command {
    INSTANCE
  }

  /**
   * Converges on new settings: starts added apps, stops removed ones, scales apps whose worker
   * count changed and restarts rolling those whose other settings changed; untouched apps are
   * untouched. Replies with the diff at once (with {@code dryRun}, only the diff).
   */
  public record Apply(DroverSettings settings, boolean dryRun, ActorRef<Applied> replyTo)
      implements Command {}

  /** What an {@link Apply} changes, by app name. */
  public record Applied(
      List<String> added,
      List<String> removed,
      List<String> changed,
      List<String> scaled,
      List<String> unchanged) {}

  /** Replies with the current settings (as last applied). */
  public record GetSettings(ActorRef<DroverSettings> replyTo) implements Command {}

  /** Replies with the app supervisors, by app name, in declaration order. */
  public record GetApps(ActorRef<Apps> replyTo) implements Command {}

  /** The reply to {@link GetApps}. */
  public record Apps(Map<String, ActorRef<AppSupervisor.Command>> apps) {}

  private record RemovedAppStopped(ActorRef<AppSupervisor.Command> app) implements Command {}

  private enum AppStopped implements Command {
    INSTANCE
  }

  public static Behavior<Command> create(DroverSettings settings) {
    return create(settings, Drainer.NONE);
  }

  /** @param drainer drains a worker at the front before it is signalled */
  public static Behavior<Command> create(DroverSettings settings, Drainer drainer) {
    return Behaviors.setup(ctx -> new Supervisor(ctx, settings, drainer));
  }

  private final RunRecords records;
  private final Drainer drainer;
  private DroverSettings settings;
  private int incarnations;
  private final ActorRef<Done> appStoppedAdapter;
  private final Map<String, ActorRef<AppSupervisor.Command>> apps = new LinkedHashMap<>();
  private final List<ActorRef<Done>> stopRequesters = new ArrayList<>();
  private int appsStopping;

  private Supervisor(ActorContext<Command> context, DroverSettings settings, Drainer drainer) {
    super(context);
    this.appStoppedAdapter = context.messageAdapter(Done.class, d -> AppStopped.INSTANCE);
    this.drainer = drainer;
    this.settings = settings;
    try {
      this.records = RunRecords.open(settings.stateDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use state directory " + settings.stateDir(), e);
    }
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
        .onMessage(RemovedAppStopped.class, this::onRemovedAppStopped)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> onStopAll(StopAll m) {
    stopRequesters.add(m.replyTo());
    if (stopRequesters.size() > 1) {
      return this; // already stopping
    }
    appsStopping = apps.size();
    if (appsStopping == 0) {
      replyStopped();
    }
    apps.values().forEach(app -> app.tell(new AppSupervisor.StopApp(appStoppedAdapter)));
    return this;
  }

  private Behavior<Command> onAppStopped(AppStopped m) {
    if (appsStopping > 0 && --appsStopping == 0) {
      getContext().getLog().info("all workers stopped");
      replyStopped();
    }
    return this;
  }

  private void replyStopped() {
    stopRequesters.forEach(r -> r.tell(Done.getInstance()));
    stopRequesters.clear();
  }

  private WorkerLogs logsOf(AppSpec app) {
    return new WorkerLogs(settings.logsDir().resolve(app.name()), app.logs());
  }

  private void startApp(AppSpec app) {
    // a removed app of the same name may still be stopping under its name
    String actorName = getContext().getChild(app.name()).isPresent() ? app.name() + "~" + (++incarnations) : app.name();
    apps.put(app.name(), getContext().spawn(AppSupervisor.create(app, logsOf(app), records, drainer), actorName));
  }

  private Behavior<Command> onApply(Apply m) {
    Map<String, AppSpec> next = m.settings().apps();
    List<String> added = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    List<String> scaled = new ArrayList<>();
    List<String> unchanged = new ArrayList<>();
    for (AppSpec app : next.values()) {
      AppSpec old = settings.apps().get(app.name());
      if (old == null) {
        added.add(app.name());
      } else if (old.equals(app)) {
        unchanged.add(app.name());
      } else if (old.withInstances(app.instances()).equals(app)) {
        scaled.add(app.name());
      } else {
        changed.add(app.name());
      }
    }
    settings.apps().keySet().stream().filter(n -> !next.containsKey(n)).forEach(removed::add);
    Applied diff = new Applied(added, removed, changed, scaled, unchanged);
    if (!m.dryRun()) {
      getContext().getLog().info("applying config: {}", diff);
      ActorRef<AppSupervisor.RollingResult> ignore = getContext().getSystem().ignoreRef();
      ActorRef<AppSupervisor.Scaled> ignoreScaled = getContext().getSystem().ignoreRef();
      for (String name : removed) {
        ActorRef<AppSupervisor.Command> app = apps.remove(name);
        getContext()
            .ask(Done.class, app, java.time.Duration.ofMinutes(10), AppSupervisor.StopApp::new,
                (done, failure) -> new RemovedAppStopped(app));
      }
      for (String name : scaled) {
        apps.get(name).tell(new AppSupervisor.Scale(next.get(name).instances(), ignoreScaled));
      }
      for (String name : changed) {
        AppSpec app = next.get(name);
        apps.get(name).tell(new AppSupervisor.UpdateSpec(app, logsOf(app), ignore));
      }
      // apps change at run time; the node's own settings (dirs, listeners) stay as started
      settings = settings.withApps(next);
      for (String name : added) {
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

  private Behavior<Command> onRemovedAppStopped(RemovedAppStopped m) {
    getContext().stop(m.app());
    return this;
  }

  private Behavior<Command> onGetSettings(GetSettings m) {
    m.replyTo().tell(settings);
    return this;
  }

  private Behavior<Command> onRestartAllRolling(RestartAllRolling m) {
    ActorRef<AppSupervisor.RollingResult> ignore = getContext().getSystem().ignoreRef();
    apps.values().forEach(app -> app.tell(new AppSupervisor.RestartRolling(ignore)));
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
