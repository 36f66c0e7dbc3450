package io.drover.node;

import io.drover.http.front.Front;
import io.drover.http.front.FrontServer;
import io.drover.http.front.LoopbackForwarder;
import io.drover.http.front.SnapshotHolder;
import io.drover.supervisor.DesiredState;
import io.drover.supervisor.Drainer;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.DroverSettings;
import io.drover.http.management.ConfigApplier;
import io.drover.http.management.LocalConfigApplier;
import io.drover.http.management.ManagementServer;
import io.drover.http.management.NodeMetrics;
import io.drover.supervisor.config.ManagementSpec;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.drover.supervisor.ClusterApps;
import io.drover.supervisor.WorkerCommand;
import io.drover.supervisor.Remote;
import io.drover.supervisor.config.RouteProtocol;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.io.PrintWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The root of a node's actor tree: the HTTP front, the supervisor and the console. */
final class NodeGuardian {
  private static final AtomicInteger exitStatus = new AtomicInteger();

  interface Command {}

  /** Stops every worker of every app (drained at the front first); replies when all exited. */
  record StopWorkers(ActorRef<Done> replyTo) implements Command {}

  /** Restarts every app rolling. */
  enum RestartAll implements Command {
    INSTANCE
  }

  static int exitStatus() {
    return exitStatus.get();
  }

  static Behavior<Command> create(DroverSettings fromFile, PrintWriter out) {
    return Behaviors.setup(
        ctx -> {
          // what was applied, scaled or reverted before a restart, unless the file changed since
          DesiredState desired = DesiredState.open(fromFile);
          DroverSettings settings = desired.settings();
          ctx.spawn(ConsoleReporter.create(out, settings), "console");
          SnapshotHolder routes = new SnapshotHolder();
          NodeMetrics metrics = new NodeMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
          ActorRef<Front.Command> front =
              ctx.spawn(Front.create(settings.appList(), routes, metrics.registry()), "front");
          FrontServer server = null;
          if (settings.http().enabled()) {
            try {
              server = FrontServer.start(settings.http(), routes, front, settings.logsDir(), metrics.registry());
              closeOnShutdown(ctx.getSystem(), server);
              out.println("drover: front listening on http://" + hostPort(settings.http().iface(), server.port()) + "/ (" + server.transport() + ")");
              if (server.tlsPort() > 0) {
                out.println("drover: front listening on https://" + hostPort(settings.http().iface(), server.tlsPort()) + "/ (" + server.tlsDescription() + ")");
              }
              out.flush();
            } catch (Exception e) {
              out.println("drover: cannot listen on " + hostPort(settings.http().iface(), settings.http().port()) + ": " + e.getMessage());
              out.flush();
              exitStatus.set(1);
              return Behaviors.stopped();
            }
          }
          boolean clustered = settings.cluster().enabled();
          AtomicReference<ConfigApplier> clusterApplier = new AtomicReference<>();
          AtomicReference<ActorRef<ReplicatedConfig.Command>> replicated = new AtomicReference<>();
          ClusterPlacement placement =
              clustered ? new ClusterPlacement(ctx.getSystem(), scaler(ctx.getSystem(), settings, clusterApplier, replicated),
                  wentBack -> Optional.ofNullable(replicated.get()).ifPresent(r -> r.tell(wentBack))) : null;
          // the API binds once the workers are starting: none of them may be handed its port
          io.drover.supervisor.process.Ports.reserve(settings.management().enabled() ? settings.management().port() : 0);
          ActorRef<Supervisor.Command> supervisor =
              ctx.spawn(Supervisor.create(desired, drainer(ctx, front, gateway(ctx.getSystem(), settings, server)),
                  placement == null ? ClusterApps.NONE : placement, apps -> front.tell(new Front.UpdateApps(apps))), "supervisor");
          ctx.watch(supervisor);
          ctx.spawn(Autoscaler.create(supervisor, front, metrics.registry()), "autoscaler");
          ConfigApplier applier = new LocalConfigApplier(ctx.getSystem(), supervisor, front);
          if (clustered) {
            replicated.set(ctx.spawn(ReplicatedConfig.create(applier, fileText(settings), declaredApps(settings)), "config"));
            applier = ReplicatedConfig.applier(ctx.getSystem(), applier, replicated.get(), declaredApps(settings));
            clusterApplier.set(applier);
            ctx.spawn(placement.stoppedApps(), "stopped-apps");
            ctx.spawn(placement.keeper(supervisor), "slot-keeper");
            ctx.spawn(ClusterAutoscaler.create(supervisor, front, metrics.registry()), "cluster-autoscaler");
            if (!settings.cluster().crashProbeInterval().isZero()) {
              ctx.spawn(CrashWatch.create(settings.cluster().crashProbeInterval(), front), "crash-watch");
            }
          }
          ManagementSpec management = settings.management();
          if (management.enabled()) {
            try {
              ManagementServer api =
                  ManagementServer.start(ctx.getSystem(), management, supervisor, front, metrics, () -> true,
                      settings.cluster().enabled() ? ClusterView.of(ctx.getSystem(), supervisor, ClusterMembership.view(ctx.getSystem()))
                          : ManagementServer.alone(ctx.getSystem()),
                      applier);
              CoordinatedShutdown.get(ctx.getSystem())
                  // the API stays up while workers stop, so clients see the stop events
                  .addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "management-unbind", () -> {
                    api.stop(Duration.ofSeconds(1));
                    return CompletableFuture.completedFuture(Done.getInstance());
                  });
              out.println("drover: management API on " + management.scheme() + "://" + hostPort(management.iface(), api.port()) + "/"
                  + (management.token().isPresent() ? " (bearer token required)" : ""));
              out.flush();
            } catch (Exception e) {
              out.println("drover: cannot serve the management API on " + hostPort(management.iface(), management.port())
                  + ": " + rootMessage(e));
              out.flush();
              exitStatus.set(1);
              return Behaviors.stopped();
            }
          }
          return Behaviors.receive(Command.class)
              .onMessage(
                  StopWorkers.class,
                  m -> {
                    // slots placed here move to other nodes first (drained, then started there)
                    CompletionStage<Done> handedOff =
                        placement == null ? CompletableFuture.completedFuture(Done.getInstance()) : placement.handOff();
                    handedOff.whenComplete((done, e) -> supervisor.tell(new Supervisor.StopAll(m.replyTo())));
                    return Behaviors.same();
                  })
              .onMessage(
                  RestartAll.class,
                  m -> {
                    supervisor.tell(Supervisor.RestartAllRolling.INSTANCE);
                    return Behaviors.same();
                  })
              .onSignal(
                  ChildFailed.class,
                  failed -> {
                    ctx.getLog().error("the supervisor failed: {}", failed.getCause().toString());
                    out.println("drover: cannot run: " + rootMessage(failed.getCause()));
                    out.flush();
                    exitStatus.set(1);
                    return Behaviors.stopped();
                  })
              .build();
        });
  }

  /**
   * Scaling a cluster-placed app changes the cluster's desired state: the current config (the
   * cluster's, else this node's file) with the new instance count on top, applied cluster-wide.
   */
  private static ClusterApp.Scaler scaler(ActorSystem<?> system, DroverSettings settings,
      AtomicReference<ConfigApplier> applier, AtomicReference<ActorRef<ReplicatedConfig.Command>> replicated) {
    return (app, instances) -> {
      CompletionStage<Optional<String>> agreed = AskPattern.ask(
          replicated.get(), ReplicatedConfig.GetText::new, Duration.ofSeconds(5), system.scheduler());
      return agreed.thenCompose(text -> {
        String current;
        try {
          current = text.isPresent() ? text.get() : Files.readString(settings.source().orElseThrow());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return applier.get().apply(ScaledCounts.scale(current, app, instances), false);
      }).thenApply(diff -> instances);
    };
  }

  /** The node's config file, or null (none, or it cannot be read now). */
  private static String fileText(DroverSettings settings) {
    try {
      return settings.source().isPresent() ? Files.readString(settings.source().get()) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The apps a config text declares, read as an apply on this node reads it (throws ConfigException when invalid). */
  private static Function<String, Map<String, AppSpec>> declaredApps(DroverSettings settings) {
    Path base = settings.source().map(p -> p.toAbsolutePath().getParent()).orElse(Path.of("").toAbsolutePath());
    return text -> ConfigLoader.parse(text + "\ndrover.cluster.enabled = true\n", "config", base).apps();
  }

  /** Requests from other nodes' fronts reach this node's worker processes on the front's loops, or on a loop of their own. */
  private static LoopbackForwarder gateway(ActorSystem<Void> system, DroverSettings settings, FrontServer server) {
    if (server != null) {
      return server.forwarder();
    }
    LoopbackForwarder own = LoopbackForwarder.standalone(settings.http().poolIdleTimeout(), settings.http().poolMaxIdle());
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "gateway-close", () -> {
      own.close();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    return own;
  }

  /**
   * Workers are drained at the front before they are signalled; requests from other nodes'
   * fronts reach them through the loopback gateway. An answer too large to travel back as one
   * message fails at once as {@code LOST} (its caller would otherwise wait out its time-out).
   */
  private static Drainer drainer(ActorContext<Command> ctx, ActorRef<Front.Command> front, LoopbackForwarder gateway) {
    ActorSystem<Void> system = ctx.getSystem();
    long largest = Remote.maxMessage(system.settings().config());
    return new Drainer() {
      @Override
      public CompletionStage<Done> drain(ActorRef<WorkerCommand> worker, int port, Duration timeout) {
        return AskPattern.<Front.Command, Done>ask(
                front,
                replyTo -> new Front.Drain(worker, port, timeout, replyTo),
                timeout.plusSeconds(5),
                system.scheduler())
            .exceptionally(e -> Done.getInstance());
      }

      @Override
      public CompletionStage<Remote.Answer> forward(Remote.Serve request, int port, Duration timeout, RouteProtocol protocol) {
        return gateway.forward(request, port, timeout, protocol).thenApply(a -> a.within(largest));
      }
    };
  }

  /** New connections stop first; open ones are served while workers drain; then the loops end. */
  private static void closeOnShutdown(ActorSystem<Void> system, FrontServer server) {
    CoordinatedShutdown cs = CoordinatedShutdown.get(system);
    cs.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "front-unbind", () -> {
      server.unbind();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    // workers are drained and stopped in service-stop, before this
    cs.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "front-close", () -> {
      server.close();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  private static String hostPort(String iface, int port) {
    String host = iface.contains(":") ? "[" + iface + "]" : iface;
    return host + ":" + port;
  }

  private static String rootMessage(Throwable t) {
    StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage()));
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      sb.append(": ").append(c.getMessage());
    }
    return sb.toString();
  }
}
