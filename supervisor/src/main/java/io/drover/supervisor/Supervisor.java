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

  /** Replies with the app supervisors, by app name, in declaration order. */
  public record GetApps(ActorRef<Apps> replyTo) implements Command {}

  /** The reply to {@link GetApps}. */
  public record Apps(Map<String, ActorRef<AppSupervisor.Command>> apps) {}

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
  private final ActorRef<Done> appStoppedAdapter;
  private final Map<String, ActorRef<AppSupervisor.Command>> apps = new LinkedHashMap<>();
  private final List<ActorRef<Done>> stopRequesters = new ArrayList<>();
  private int appsStopping;

  private Supervisor(ActorContext<Command> context, DroverSettings settings, Drainer drainer) {
    super(context);
    this.appStoppedAdapter = context.messageAdapter(Done.class, d -> AppStopped.INSTANCE);
    try {
      this.records = RunRecords.open(settings.stateDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use state directory " + settings.stateDir(), e);
    }
    for (AppSpec app : settings.appList()) {
      WorkerLogs logs = new WorkerLogs(settings.logsDir().resolve(app.name()), app.logs());
      apps.put(app.name(), context.spawn(AppSupervisor.create(app, logs, records, drainer), app.name()));
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
