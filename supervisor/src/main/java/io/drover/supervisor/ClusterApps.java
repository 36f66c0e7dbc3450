package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The cluster-wide side of apps with {@code placement = cluster}, provided by whoever runs the
 * cluster. A node hosts some of such an app's slots ({@link Supervisor.HostSlot}); the actor made
 * here answers for the whole app on this node — status of every slot wherever it runs, scaling,
 * restarts, stop and start — and speaks the {@link AppSupervisor.Command} protocol so the
 * management API treats it like any app.
 */
@FunctionalInterface
public interface ClusterApps {
  /** For nodes outside a cluster: validation rejects {@code placement = cluster} there. */
  ClusterApps NONE =
      (spec, supervisor) -> {
        throw new IllegalStateException("placement = cluster needs drover.cluster.enabled");
      };

  /**
   * @param spec the app as first declared (later settings come through the supervisor)
   * @param supervisor this node's supervisor, which hosts the app's local slots
   */
  Behavior<AppSupervisor.Command> app(AppSpec spec, ActorRef<Supervisor.Command> supervisor);

  /**
   * A slot of the app hosted on this node went back from the cluster's settings {@code from} to
   * {@code to} (its deployment failed and was reverted): the cluster's desired state is to say
   * {@code to}, so that slots placed later, on any node, start on them. This default does nothing.
   */
  default void wentBack(String app, AppSpec from, AppSpec to) {}
}
