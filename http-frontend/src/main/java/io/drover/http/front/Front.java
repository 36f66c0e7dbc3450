package io.drover.http.front;

import io.drover.supervisor.WorkerCommand;
import io.drover.supervisor.WorkerKeys;
import io.drover.supervisor.WorkerState;
import io.drover.supervisor.WorkerStatus;
import io.drover.supervisor.config.AppSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * The front's control plane: owns the route table and each app's endpoints, follows the
 * receptionist (a worker is listed only while ready), drains workers that are being stopped, and
 * publishes an immutable {@link RouteSnapshot} on every change. It never touches a request.
 */
public final class Front extends AbstractBehavior<Front.Command> {

  /** What the front actor understands. */
  public interface Command {}

  /**
   * Take the worker's process listening on {@code port} out of rotation and reply once its
   * in-flight requests are done, or after {@code timeout}; its tunnels are closed after the app's
   * {@code stop.tunnel-grace} (see {@link Drains}).
   */
  public record Drain(
      ActorRef<WorkerCommand> worker, int port, Duration timeout, ActorRef<Done> replyTo)
      implements Command {}

  /** Replaces the apps the front routes to (a config applied at run time). */
  public record UpdateApps(List<AppSpec> apps) implements Command {}

  /** Replies with the requests in flight per worker: app, then instance, then count. */
  public record GetInFlight(ActorRef<InFlight> replyTo) implements Command {}

  /**
   * The reply to {@link GetInFlight}.
   *
   * @param byApp requests in flight: app, then instance, then count
   * @param traffic per app: its slots, queue and ejected workers
   */
  public record InFlight(Map<String, Map<Integer, Integer>> byApp, Map<String, Traffic> traffic) {}

  /**
   * An app's traffic at the front.
   *
   * @param maxConcurrency requests one worker gets at once (0: unlimited)
   * @param queued requests waiting for a free worker now
   * @param maxQueue how many may wait
   * @param rejectedFull requests answered 503 because the queue was full, since the front started
   * @param rejectedTimeout requests answered 503 after waiting the queue's timeout
   * @param ejected instances out of rotation for failing in a row (outlier ejection)
   */
  public record Traffic(int maxConcurrency, int queued, int maxQueue, long rejectedFull, long rejectedTimeout,
      List<Integer> ejected) {}

  /**
   * A cluster member's process is gone (its cluster port refuses connections): its workers leave
   * rotation at once and the requests in flight to them are tried elsewhere when that is safe,
   * before the receptionist has noticed (which waits for the failure detector).
   *
   * @param address the member's address, as in {@code pekko://drover@host:port}
   */
  public record NodeLost(String address) implements Command {}

  /** A member reported by {@link NodeLost} accepts connections again (the same incarnation): its workers may serve again. */
  public record NodeBack(String address) implements Command {}

  private record Listed(String app, Set<ActorRef<WorkerCommand>> workers)
      implements Command {}

  /** Asks a listed worker which process it runs (again, when an earlier ask got no answer). */
  private record AskStatus(String app, ActorRef<WorkerCommand> worker) implements Command {}

  private record StatusOf(String app, ActorRef<WorkerCommand> worker, WorkerStatus status)
      implements Command {}

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

  public static Behavior<Command> create(
      List<AppSpec> apps, SnapshotHolder holder, io.micrometer.core.instrument.MeterRegistry registry) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new Front(ctx, t, apps, holder, registry)));
  }

  private final TimerScheduler<Command> timers;
  private final Rechecks rechecks;
  private final Ejections ejections;
  /** This node's address as workers on other nodes see it ("" when not clustered): names its own workers for sticky keys. */
  private final String selfNode;
  private final SnapshotHolder holder;
  private final Map<String, AppSpec> apps = new LinkedHashMap<>();
  /** Per app, kept for as long as the front runs (an app removed and added again gets its meters back). */
  private final Traffics traffic;
  private final Map<String, String> appByKey = new HashMap<>();
  private final ActorRef<Receptionist.Listing> listingAdapter;
  /** Per app: the workers the receptionist lists now. */
  private final Map<String, Set<ActorRef<WorkerCommand>>> listed = new HashMap<>();
  /** Per app: the endpoints in rotation (or draining), by worker. */
  private final Map<String, Map<ActorRef<WorkerCommand>, Endpoint>> endpoints = new HashMap<>();
  private final Drains drains;
  private final ServedReports served;
  /** Workers of lost nodes that the receptionist still lists: never put back in rotation. */
  private final Set<ActorRef<WorkerCommand>> lost = new java.util.HashSet<>();

  private Front(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      List<AppSpec> appSpecs,
      SnapshotHolder holder,
      io.micrometer.core.instrument.MeterRegistry registry) {
    super(context);
    context.setLoggerName(Front.class); // under io.drover, as logback.xml levels it (ejections and rechecks log here too)
    this.timers = timers;
    this.holder = holder;
    Traffics t = this.traffic = new Traffics(registry, timers);
    this.rechecks = new Rechecks(context, timers, this::isCurrent, t::poke);
    this.ejections = new Ejections(context, timers, this::isCurrent,
        app -> t.rotation(apps.get(app), holder.get(), endpoints.getOrDefault(app, Map.of()).values()), t::poke);
    this.drains = new Drains(timers, context.getLog(), this::drained);
    this.served = new ServedReports(timers);
    org.apache.pekko.actor.Address self = context.getSystem().address();
    this.selfNode = self.hasGlobalScope() ? self.hostPort() : "";
    // one adapter for all listings (an actor has one adapter per message class); the key names the app
    this.listingAdapter =
        context.messageAdapter(
            Receptionist.Listing.class,
            l -> {
              String app = appByKey.get(l.getKey().id());
              // the receptionist is cluster-wide: workers on other nodes are listed too
              return new Listed(app, Set.copyOf(l.getServiceInstances(WorkerKeys.of(app))));
            });
    context.spawn(holder.remote.receiver(), "remote-answers");
    appSpecs.forEach(this::addApp);
    served.apps(apps, endpoints);
    publish();
  }

  private void addApp(AppSpec app) {
    if (!app.route().routed()) {
      return;
    }
    apps.put(app.name(), app);
    traffic.add(app);
    drains.app(app);
    if (!endpoints.containsKey(app.name())) {
      endpoints.put(app.name(), new LinkedHashMap<>());
      listed.put(app.name(), Set.of());
      appByKey.put(WorkerKeys.of(app.name()).id(), app.name());
      getContext().getSystem().receptionist().tell(Receptionist.subscribe(WorkerKeys.of(app.name()), listingAdapter));
    }
  }

  private Behavior<Command> onUpdateApps(UpdateApps m) {
    Set<String> keep = new java.util.HashSet<>();
    for (AppSpec app : m.apps()) {
      if (app.route().routed()) {
        keep.add(app.name());
        addApp(app); // an app it routes already keeps its balancer's turn, queue and meters
      }
    }
    apps.keySet().removeIf(name -> !keep.contains(name)); // unrouted: its endpoints stay for drains
    served.apps(apps, endpoints);
    publish();
    return this;
  }

  private Behavior<Command> onGetInFlight(GetInFlight m) {
    Map<String, Map<Integer, Integer>> byApp = new HashMap<>();
    endpoints.forEach(
        (app, eps) -> {
          Map<Integer, Integer> counts = new HashMap<>();
          eps.values().forEach(e -> counts.merge(e.instance, e.inFlight.get(), Integer::sum));
          byApp.put(app, counts);
        });
    m.replyTo().tell(new InFlight(byApp, traffic.stats(endpoints)));
    return this;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Listed.class, this::onListed)
        .onMessage(StatusOf.class, this::onStatusOf)
        .onMessage(AskStatus.class, this::onAskStatus)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(Drains.Check.class, m -> then(() -> drains.check(m)))
        .onMessage(ServedReports.Tick.class, m -> then(() -> served.tick(endpoints, drains.retired())))
        .onMessage(Rechecks.Failed.class, m -> then(() -> rechecks.failed(m)))
        .onMessage(Rechecks.Recheck.class, m -> then(() -> rechecks.recheck(m)))
        .onMessage(Rechecks.Checked.class, m -> then(() -> rechecks.checked(m)))
        .onMessage(Ejections.Failing.class, m -> then(() -> ejections.failing(m)))
        .onMessage(Ejections.Return.class, m -> then(() -> ejections.returned(m)))
        .onMessage(Traffics.Ramp.class, m -> then(() -> traffic.ramped(m, holder.get())))
        .onMessage(UpdateApps.class, this::onUpdateApps)
        .onMessage(GetInFlight.class, this::onGetInFlight)
        .onMessage(NodeLost.class, this::onNodeLost)
        .onMessage(NodeBack.class, this::onNodeBack)
        .build();
  }

  /** A message handled by one of the front's helpers: the behavior stays. */
  private Behavior<Command> then(Runnable handled) {
    handled.run();
    return this;
  }

  /**
   * The receptionist's list changed (message adapters deliver one listing per registration or
   * deregistration). Workers no longer listed leave at once; listed ones are asked which process
   * they run now, since a listed worker may have been replaced by a restart in between.
   */
  private Behavior<Command> onListed(Listed m) {
    listed.put(m.app(), m.workers());
    Map<ActorRef<WorkerCommand>, Endpoint> current = endpoints.get(m.app());
    drains.pruneRetired();
    List<Endpoint> gone = new ArrayList<>();
    for (var it = current.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (!m.workers().contains(entry.getKey())) {
        gone.add(entry.getValue());
        it.remove();
      }
    }
    lost.removeIf(w -> listed.values().stream().noneMatch(ws -> ws.contains(w)));
    for (ActorRef<WorkerCommand> worker : m.workers()) {
      askStatus(m.app(), worker);
    }
    leave(gone);
    return this;
  }

  /**
   * Endpoints leave rotation for good (the caller has removed them from their apps' endpoints):
   * the new snapshot is published first, then the requests in flight to them are tried
   * elsewhere when safe, so that a retry never picks another of the endpoints that left.
   */
  private void leave(List<Endpoint> gone) {
    if (gone.isEmpty()) {
      return;
    }
    for (Endpoint e : gone) {
      ServedReports.report(e);
      e.draining = true; // its pooled connections close instead of being reused
      drains.retire(e);
    }
    publish();
    for (Endpoint e : gone) {
      if (e.remote) {
        holder.remote.lost(e.worker); // unanswered requests: tried elsewhere when safe
      }
    }
  }

  private Behavior<Command> onNodeLost(NodeLost m) {
    // every listed worker there, in rotation or not yet: a status answer on its way must not put it back
    listed.values().forEach(workers -> workers.forEach(w -> {
      if (runsOn(w, m.address())) {
        lost.add(w);
      }
    }));
    List<Endpoint> gone = new ArrayList<>();
    for (Map<ActorRef<WorkerCommand>, Endpoint> current : endpoints.values()) {
      for (var it = current.entrySet().iterator(); it.hasNext(); ) {
        Endpoint e = it.next().getValue();
        if (e.remote && runsOn(e.worker, m.address())) {
          gone.add(e);
          lost.add(e.worker);
          it.remove();
        }
      }
    }
    if (!gone.isEmpty()) {
      getContext().getLog().info("node {} is gone: its workers left rotation, requests in flight there are retried", m.address());
    }
    leave(gone);
    return this;
  }

  private Behavior<Command> onNodeBack(NodeBack m) {
    lost.removeIf(w -> runsOn(w, m.address()));
    listed.forEach((app, workers) -> workers.forEach(w -> {
      if (runsOn(w, m.address())) {
        askStatus(app, w); // back in rotation once it answers ready
      }
    }));
    return this;
  }

  /** Whether the worker's actor lives on the member at {@code address} ({@code pekko://drover@host:port}). */
  private static boolean runsOn(ActorRef<WorkerCommand> worker, String address) {
    return worker.path().address().toString().equals(address);
  }

  private void askStatus(String app, ActorRef<WorkerCommand> worker) {
    getContext()
        .ask(
            WorkerStatus.class,
            worker,
            ASK_TIMEOUT,
            WorkerCommand.GetStatus::new,
            (status, failure) -> new StatusOf(app, worker, status));
  }

  private Behavior<Command> onAskStatus(AskStatus m) {
    if (listed.getOrDefault(m.app(), Set.of()).contains(m.worker())) {
      askStatus(m.app(), m.worker());
    }
    return this;
  }

  private Behavior<Command> onStatusOf(StatusOf m) {
    if (m.status() == null && listed.getOrDefault(m.app(), Set.of()).contains(m.worker())) {
      // no answer in time (a busy or distant node): a listed worker is asked again, not forgotten
      timers.startSingleTimer(new AskStatus(m.app(), m.worker()), Rechecks.AFTER);
    }
    Map<ActorRef<WorkerCommand>, Endpoint> current = endpoints.get(m.app());
    Endpoint existing = current.get(m.worker());
    WorkerStatus s = m.status();
    AppSpec spec = apps.get(m.app());
    boolean actor = spec != null && spec.kind() == io.drover.supervisor.config.WorkerKind.ACTOR;
    boolean routable = s != null && s.state() == WorkerState.READY && (s.port() > 0 || actor)
        && listed.get(m.app()).contains(m.worker()) && !lost.contains(m.worker());
    if (!routable) {
      if (existing != null && !existing.draining) {
        // leaving (e.g. draining before its Drain arrived): out of rotation, but findable by a drain
        existing.draining = true;
        ServedReports.report(existing);
        drains.retire(existing);
        current.remove(m.worker());
        publish();
      }
      return this;
    }
    if (existing != null && existing.sameProcess(m.worker(), s.port())) {
      return this;
    }
    Endpoint joined = new Endpoint(m.worker(), m.app(), s.instance(), s.port(), actor, selfNode);
    ServedReports.follow(joined, spec);
    current.put(m.worker(), joined);
    publish();
    return this;
  }

  private Behavior<Command> onDrain(Drain m) {
    Endpoint e = drains.find(endpoints.values(), m.worker(), m.port());
    if (e == null) {
      getContext().getLog().debug("drain of {} port {}: not in rotation", m.worker(), m.port());
      m.replyTo().tell(Done.getInstance());
      return this;
    }
    e.draining = true;
    publish();
    drains.start(e, m);
    return this;
  }

  /** A drain is over: the endpoint leaves for good. */
  private void drained(Endpoint e) {
    ServedReports.report(e);
    endpoints.get(e.app).remove(e.worker, e);
    publish();
  }

  private boolean isCurrent(Endpoint e) {
    Map<ActorRef<WorkerCommand>, Endpoint> current = endpoints.get(e.app);
    return current != null && current.get(e.worker) == e;
  }

  /** Publishes the snapshot of the current endpoints (see {@link RouteSnapshot#of}); queues learn their rotation. */
  private void publish() {
    RouteSnapshot snapshot = RouteSnapshot.of(apps.values(), endpoints, traffic.all());
    holder.set(snapshot);
    traffic.published(snapshot);
  }
}
