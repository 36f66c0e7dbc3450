package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.process.WorkerLogs;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What an {@link AppSupervisor} understands and answers, and what it tells its parent: the
 * protocol others speak to an app, apart from its behavior (as {@link WorkerCommand} is the
 * workers'). {@code AppSupervisor} implements it, so callers name these types either way:
 * {@code AppSupervisor.GetStatus} or {@code AppProtocol.GetStatus}. The messages its own workers
 * and timers send it are {@code AppSupervisor}'s and not public.
 */
public interface AppProtocol {

  /** What an app supervisor understands. */
  interface Command {}

  /** Replies with the app's {@link AppStatus}. */
  record GetStatus(ActorRef<AppStatus> replyTo) implements Command {}

  /** Replies with the app's {@link Size}: cheap (no /proc reads), for whoever polls it often. */
  record GetSize(ActorRef<Size> replyTo) implements Command {}

  /** The reply to {@link GetSize}: the app's state, its worker count, how many are ready, its settings. */
  record Size(String app, AppState state, int instances, int ready, AppSpec spec) {}

  /** Stops every worker (reverse start order is not needed: each stops on its own). */
  record StopApp(ActorRef<Done> replyTo) implements Command {}

  /** Starts the workers of a stopped or failed app. */
  enum StartApp implements Command {
    INSTANCE
  }

  /**
   * Replaces every worker in turn without losing capacity: start a replacement (surge), wait
   * until it is ready, drain and stop the old one. Replies when all are replaced, or when the
   * restart was aborted because a replacement failed to become ready (the old worker is kept).
   */
  record RestartRolling(ActorRef<RollingResult> replyTo) implements Command {}

  /** How a rolling restart ended. */
  record RollingResult(String app, boolean completed, String detail) {}

  /** Restarts one worker the rolling way (replacement first); replies a {@link RollingResult}. */
  record RestartWorker(int instance, ActorRef<RollingResult> replyTo) implements Command {}

  /**
   * Runs {@code instances} workers: new ones start (if the app runs), the highest-numbered ones
   * are drained and stopped. Replies at once with the new count.
   */
  record Scale(int instances, String reason, ActorRef<Scaled> replyTo) implements Command {
    public Scale(int instances, ActorRef<Scaled> replyTo) {
      this(instances, null, replyTo);
    }
  }

  /**
   * The reply to {@link Scale}.
   *
   * @param failure why the count did not change (a cluster-placed app's desired state could not
   *     be written), or null
   */
  record Scaled(String app, int instances, String failure) {
    public Scaled(String app, int instances) {
      this(app, instances, null);
    }
  }

  /**
   * Takes new settings for the app: the worker count follows them and, when anything else
   * changed, every worker is replaced the rolling way (the new ones run the new settings).
   */
  record UpdateSpec(AppSpec spec, WorkerLogs logs, ActorRef<RollingResult> replyTo)
      implements Command {}

  /** Replies with the deployment in progress (if any) and the recent ones, as {@link Deployments}. */
  record GetDeployments(ActorRef<Deployments> replyTo) implements Command {}

  /** The reply to {@link GetDeployments}: {@code current} is null when none is in progress; {@code recent} newest first. */
  record Deployments(String app, DeploymentStatus current, List<DeploymentStatus> recent) {}

  /** Promotes the canaries of the deployment in progress; replies a {@link DeploymentAnswer}. */
  record Promote(ActorRef<DeploymentAnswer> replyTo) implements Command {}

  /**
   * Fails the deployment in progress and reverts it, or, when none is in progress, deploys the
   * healthy settings before the current ones; replies a {@link DeploymentAnswer}.
   */
  record Rollback(ActorRef<DeploymentAnswer> replyTo) implements Command {}

  /** Whether a promote or rollback was done ({@code detail} says what, or why not). */
  record DeploymentAnswer(String app, boolean done, String detail) {}

  /**
   * To the app's parent (given at creation: typed actors have no parent ref): the app went back
   * from the settings {@code from} to {@code to}, a deployment's revert or a rollback, and its
   * workers now converge on {@code to}. The parent's view of what the app runs follows it.
   *
   * @param app the app supervisor that went back
   */
  record Retargeted(ActorRef<Command> app, AppSpec from, AppSpec to) implements Notice {}

  /**
   * To the app's parent: the app's count, last healthy settings or ended deployments changed
   * (what the node's {@link DesiredState} keeps across restarts).
   *
   * @param app the app supervisor
   */
  record Recorded(ActorRef<Command> app, String name, int instances, int lastId, List<DeploymentStatus> ended,
      AppSpec lastHealthy, AppSpec previousHealthy) implements Notice {}

  /** What an app supervisor tells its parent. */
  sealed interface Notice permits Retargeted, Recorded {}
}
