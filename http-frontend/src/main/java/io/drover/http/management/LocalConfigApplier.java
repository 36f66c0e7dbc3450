package io.drover.http.management;

import io.drover.http.front.Front;
import io.drover.supervisor.DesiredState;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Applies a config to this node: validated against its origin's directory (by default the running
 * config's), converged by the supervisor (apps added, removed, scaled, restarted rolling), routes
 * updated at the front.
 */
public final class LocalConfigApplier implements ConfigApplier {
  private static final Duration ASK = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final ActorRef<Supervisor.Command> supervisor;
  private final ActorRef<Front.Command> front;

  public LocalConfigApplier(ActorSystem<?> system, ActorRef<Supervisor.Command> supervisor, ActorRef<Front.Command> front) {
    this.system = system;
    this.supervisor = supervisor;
    this.front = front;
  }

  @Override
  public CompletionStage<Supervisor.Applied> apply(String text, boolean dryRun) {
    return apply(text, Origin.RUNNING, dryRun);
  }

  @Override
  public CompletionStage<Supervisor.Applied> apply(String text, Origin origin, boolean dryRun) {
    CompletionStage<DroverSettings> current = AskPattern.ask(supervisor, Supervisor.GetSettings::new, ASK, system.scheduler());
    return current.thenCompose(settings -> {
      Path base = origin.baseDir() != null
          ? origin.baseDir()
          : settings.source().map(p -> p.toAbsolutePath().getParent()).orElse(Path.of("").toAbsolutePath());
      // the node's own settings (listeners, cluster membership) stay as started: an applied text
      // need not repeat them, and apps are checked against the cluster this node is in
      String asRunning = settings.cluster().enabled() ? text + "\ndrover.cluster.enabled = true\n" : text;
      String name = origin.name() != null ? origin.name() : "config";
      DroverSettings next = ConfigLoader.parse(asRunning, name, base); // throws ConfigException
      CompletionStage<Supervisor.Applied> diff =
          AskPattern.ask(supervisor, r -> new Supervisor.Apply(next, dryRun, new DesiredState.AppliedText(asRunning, name, base), r),
              ASK, system.scheduler());
      return diff.thenApply(d -> {
        if (!dryRun) {
          front.tell(new Front.UpdateApps(next.appList()));
        }
        return d;
      });
    });
  }
}
