package io.drover.supervisor;

import io.drover.supervisor.config.DroverSettings;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What the node's {@link Supervisor} understands and answers: the protocol others speak to it,
 * apart from its behavior. {@code Supervisor} implements it, so callers name these types either
 * way: {@code Supervisor.Apply} or {@code SupervisorProtocol.Apply}. What its apps and its own
 * asks tell it stays {@code Supervisor}'s, private.
 */
public interface SupervisorProtocol {

  /** What the node supervisor understands. */
  interface Command {}

  /** Stops every app's workers; replies when all have exited. */
  record StopAll(ActorRef<Done> replyTo) implements Command {}

  /** Restarts every app rolling (replacement first, then drain and stop the old worker). */
  enum RestartAllRolling implements Command {
    INSTANCE
  }

  /**
   * Converges on new settings: starts added apps, stops removed ones, scales apps whose worker
   * count changed and restarts rolling those whose other settings changed; untouched apps are
   * untouched. Replies with the diff at once (with {@code dryRun}, only the diff).
   */
  record Apply(DroverSettings settings, boolean dryRun, DesiredState.AppliedText text, ActorRef<Applied> replyTo)
      implements Command {
    /** Settings with no text behind them: the desired state does not keep them. */
    public Apply(DroverSettings settings, boolean dryRun, ActorRef<Applied> replyTo) {
      this(settings, dryRun, null, replyTo);
    }
  }

  /** What an {@link Apply} changes, by app name. */
  record Applied(
      List<String> added,
      List<String> removed,
      List<String> changed,
      List<String> scaled,
      List<String> unchanged) {}

  /** Replies with the current settings (as last applied). */
  record GetSettings(ActorRef<DroverSettings> replyTo) implements Command {}

  /**
   * Published on the actor system's event stream each time the settings change (an apply, an app
   * gone back to earlier settings): whoever acts on them subscribes instead of asking on a timer.
   */
  record SettingsChanged(DroverSettings settings) {}

  /** Replies with the app supervisors, by app name, in declaration order. */
  record GetApps(ActorRef<Apps> replyTo) implements Command {}

  /** The reply to {@link GetApps}. */
  record Apps(Map<String, ActorRef<AppSupervisor.Command>> apps) {}

  /**
   * Runs slot {@code slot} of a cluster-placed app on this node, unless it runs here already;
   * replies with its supervisor, or with why this node does not run it. {@code stopped}: the
   * cluster's desired state has the app stopped, so the slot is set up stopped.
   */
  record HostSlot(String app, int slot, boolean stopped, ActorRef<SlotHosted> replyTo) implements Command {}

  /** The reply to {@link HostSlot}: the slot's supervisor, or null and why not. */
  record SlotHosted(String app, int slot, ActorRef<AppSupervisor.Command> supervisor, String refused) {}

  /** Drains and stops a slot's worker on this node; replies when it has exited. */
  record ReleaseSlot(String app, int slot, ActorRef<Done> replyTo) implements Command {}

  /** Replies with the slots this node runs: app name to slot number to its supervisor. */
  record GetSlots(ActorRef<Slots> replyTo) implements Command {}

  /** The reply to {@link GetSlots}. */
  record Slots(Map<String, Map<Integer, ActorRef<AppSupervisor.Command>>> slots) {}
}
