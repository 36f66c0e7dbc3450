package io.drover.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.DroverSettings;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import sun.misc.Signal;

/**
 * A running node: the actor system with its guardian, stopped gracefully by Ctrl-C or SIGTERM
 * (every worker is drained and signalled before the JVM exits, with status 0).
 */
final class DroverNode {
  private final ActorSystem<NodeGuardian.Command> system;
  private final PrintWriter out;
  private final AtomicBoolean stopping = new AtomicBoolean();

  private DroverNode(ActorSystem<NodeGuardian.Command> system, PrintWriter out) {
    this.system = system;
    this.out = out;
  }

  static DroverNode start(DroverSettings settings, PrintWriter out) {
    Duration stopBudget = stopBudget(settings);
    // -D system properties win, then the node's own settings, then reference.conf files
    Config pekko =
        ConfigFactory.defaultOverrides().withFallback(ConfigFactory.parseString(
                "pekko.coordinated-shutdown.phases.service-stop.timeout = "
                    + stopBudget.toMillis() + "ms")
            .withFallback(ClusterMembership.settings(settings.cluster()))
            .withFallback(ConfigFactory.parseResources("drover-node.conf"))
            .withFallback(ConfigFactory.load()));
    ActorSystem<NodeGuardian.Command> system =
        ActorSystem.create(NodeGuardian.create(settings, out), ClusterMembership.SYSTEM, pekko);
    ClusterMembership.startBootstrap(system, settings.cluster());
    DroverNode node = new DroverNode(system, out);
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "stop-workers",
            () ->
                AskPattern.<NodeGuardian.Command, Done>ask(
                    system, NodeGuardian.StopWorkers::new, stopBudget, system.scheduler()));
    return node;
  }

  /**
   * The longest a graceful stop of every worker may take, with a margin: drain and stop, once
   * more in a cluster (slots placed here move away first, then the local apps stop).
   */
  private static Duration stopBudget(DroverSettings settings) {
    Duration one = settings.appList().stream()
        .map(AppSpec::stop)
        .map(s -> s.drainTimeout().plus(s.timeout()))
        .max(Duration::compareTo)
        .orElse(Duration.ZERO);
    return (settings.cluster().enabled() ? one.multipliedBy(2) : one).plusSeconds(10);
  }

  /**
   * Ctrl-C (INT) and TERM stop the node gracefully instead of killing the JVM at once; HUP
   * restarts every app rolling (no request lost).
   */
  void handleSignals() {
    for (String name : new String[] {"INT", "TERM"}) {
      Signal.handle(new Signal(name), s -> stop("SIG" + name));
    }
    Signal.handle(new Signal("HUP"), s -> restartAll());
  }

  void restartAll() {
    out.println("drover: SIGHUP: restarting every app rolling");
    out.flush();
    system.tell(NodeGuardian.RestartAll.INSTANCE);
  }

  void stop(String why) {
    if (stopping.compareAndSet(false, true)) {
      out.println("drover: " + why + ": stopping every worker gracefully");
      out.flush();
      CoordinatedShutdown.get(system).runAll(NodeShutdown.INSTANCE);
    } else {
      out.println("drover: already stopping");
      out.flush();
    }
  }

  /** Blocks until the node has stopped; the process's exit status. */
  int awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
    int status = system.getWhenTerminated().toCompletableFuture().isCompletedExceptionally() ? 1 : NodeGuardian.exitStatus();
    out.println(status == 0 ? "drover: stopped" : "drover: stopped after a failure");
    out.flush();
    return status;
  }

  /** The reason given to coordinated shutdown on a signal. */
  private enum NodeShutdown implements CoordinatedShutdown.Reason {
    INSTANCE
  }
}
