package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import io.drover.supervisor.Replacement.Kind;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Replaces an app's workers without losing capacity — for a deployment (new settings), a rolling
 * restart, or a recycle: a replacement starts beside the old worker (surge), and only once it is
 * ready (for a deployment: ready for {@code min-healthy-time}) is the old worker drained and
 * stopped, and the new one takes its slot. A deployment replaces {@code max-parallel} slots at a
 * time (after its canaries, if it has any), chosen afresh each time as the slots whose worker runs
 * other settings, so that a scale, a restart or a newer deployment in between is simply more or
 * fewer slots to do. A replacement that fails fails its deployment, which goes back (the same way)
 * to the last healthy settings when {@code auto-revert} is on.
 *
 * <p>Owned by one {@link AppSupervisor} and called only from its actor; the supervisor keeps the
 * slots and does what this asks of them through {@link RolloutHost}.
 */
final class Rollout {
  /** Timer: the replacement has been ready for min-healthy-time. */
  record Healthy(ActorRef<WorkerCommand> worker) implements AppSupervisor.Command {}

  /** Timer: the replacement's healthy-deadline is over. */
  record Deadline(ActorRef<WorkerCommand> worker) implements AppSupervisor.Command {}

  private final RolloutHost host;
  private final TimerScheduler<AppSupervisor.Command> timers;
  private final String app;
  /** Restarts and recycles still to start (a deployment picks its slots itself). */
  private final RestartQueue restarts;
  private final Replacements active;
  /** The deployment in progress, or null. */
  private Deployment deployment;
  /** Ids given, ended deployments, the last healthy settings and those before. */
  private final DeploymentHistory history;

  Rollout(RolloutHost host, TimerScheduler<AppSupervisor.Command> timers, AppSpec initial, DeploymentHistory.Restored restored) {
    this.host = host;
    this.timers = timers;
    this.app = initial.name();
    this.history = new DeploymentHistory(initial, restored);
    this.restarts = new RestartQueue(app);
    this.active = new Replacements(host, timers);
  }

  /** What the app's deployments left so far (for the desired state). */
  DeploymentHistory history() {
    return history;
  }

  // ---------------------------------------------------------------- requests

  /** Rolls out the host's current settings (they changed): a new deployment, superseding any. */
  void deploy(String cause, ActorRef<AppSupervisor.RollingResult> replyTo) {
    String id = history.nextId();
    if (deployment != null) {
      active.dropAll(Kind.DEPLOY);
      end(DeploymentState.SUPERSEDED, "superseded by " + id);
    }
    // restarts and recycles not started yet are left to the deployment, which replaces every slot
    restarts.clear();
    finishRestart(false, "rolling restart superseded by " + id + " (new settings)");
    AppSpec spec = host.spec();
    int stale = staleSlots().size();
    int canaries = Math.min(spec.update().canary(), stale);
    deployment = new Deployment(id, cause, spec, history.lastHealthy(), canaries);
    if (replyTo != null) {
      deployment.requesters.add(replyTo);
    }
    host.recorded(); // its id is taken, even should the node be killed before it ends
    host.report(id + " started (" + cause + "): " + stale + " of " + host.slots() + " workers to replace, "
        + (canaries > 0 ? canaries + " canaries first" : spec.update().maxParallel() + " at a time"));
    fill();
  }

  /** Promotes the canaries of the deployment in progress; null when done, else why not. */
  String promote() {
    String refusal = deployment == null ? "no deployment in progress" : deployment.cannotPromote(active.healthyCanaries());
    if (refusal == null) {
      promoteNow("promoted on request");
    }
    return refusal;
  }

  /**
   * Fails the deployment in progress and goes back to its last healthy settings, or, when none is
   * in progress, deploys the healthy settings before the current ones. Null when started, else why not.
   */
  String rollback() {
    if (deployment != null) {
      String refusal = deployment.cannotRollBack();
      if (refusal == null) {
        fail("rollback requested", true);
      }
      return refusal;
    }
    AppSpec previous = history.previousHealthy();
    if (previous == null || previous.sameWorkers(host.spec())) {
      return "no earlier healthy settings to roll back to";
    }
    host.retarget(previous);
    deploy("rollback", null);
    return null;
  }

  /** A rolling restart of every worker (same settings). */
  void restartAll(ActorRef<AppSupervisor.RollingResult> replyTo) {
    if (deployment != null) {
      replyTo.tell(new AppSupervisor.RollingResult(app, false, deployment.id + " is in progress"));
      return;
    }
    if (!restarts.restartAll(host.slots(), active::containsKey, replyTo)) {
      return; // already rolling: the requester hears when it ends
    }
    host.report("rolling restart of " + host.slots() + " workers");
    fill();
  }

  /** Restarts one worker the rolling way. */
  void restartOne(int slot, ActorRef<AppSupervisor.RollingResult> replyTo) {
    if (deployment != null || restarts.restarting()) {
      String busy = deployment != null ? deployment.id + " is in progress" : "a rolling restart is in progress";
      replyTo.tell(new AppSupervisor.RollingResult(app, false, busy));
      return;
    }
    if (restarts.restartOne(slot, active.containsKey(slot), replyTo)) {
      fill();
    }
  }

  /** A worker asks to be recycled; false when it is (or will be) replaced anyway. */
  boolean recycle(int slot, String reason) {
    if (restarts.queued(slot) || active.containsKey(slot) || (deployment != null && stale(slot))) {
      return false;
    }
    restarts.recycle(slot, reason);
    fill();
    return true;
  }

  /**
   * The settings a slot added by a scale starts on: while a deployment's canaries are on trial,
   * those the old workers run (the deployment replaces the slot once they are promoted), so that
   * a scale-up, an autoscaler's say, never puts untried settings beyond the canaries; else the app's.
   */
  AppSpec forNewSlots() {
    Deployment d = deployment;
    return d != null && d.inCanaryPhase() && d.lastHealthy != null ? d.lastHealthy : host.spec();
  }

  /**
   * The app scaled to {@code n} slots: replacements of removed slots end. A canary whose slot went
   * is started again on another slot that runs the old settings, if one is left; if none is, the
   * deployment waits for the canaries it still has.
   */
  void scaled(int n) {
    boolean canaryGone = false;
    for (Replacement r : active.values()) {
      if (r.slot >= n) {
        canaryGone |= r.canary;
        active.drop(r);
      }
    }
    restarts.scaled(n);
    Deployment d = deployment;
    if (canaryGone && d != null && d.inCanaryPhase()) {
      long canaries = active.canaries();
      canaries += active.startCanaries(d, staleSlots(), d.canaryGoal - canaries);
      d.canaryGoal = (int) canaries;
      host.report(d.id + ": a canary's slot was scaled away; " + canaries + " canaries on trial");
      if (canaries == 0) {
        promoteNow("no slot left to try a canary on after a scale-down; the rest follow");
        return;
      }
      canariesChecked(d);
    }
    fill();
  }

  /** The app stops or gives up: every replacement ends, and so does the deployment. */
  void cancel(String why) {
    active.dropAll(null);
    if (deployment != null) {
      end(DeploymentState.CANCELLED, why);
    }
    restarts.abort(why, host::report);
  }

  // ---------------------------------------------------------------- what workers tell

  /** A worker changed state; false when it is not a replacement. */
  boolean onChanged(ActorRef<WorkerCommand> worker, WorkerStatus status) {
    Replacement r = active.find(worker);
    if (r == null) {
      return false;
    }
    r.status = status;
    if (status.state() == WorkerState.READY && r.readySince == null) {
      r.readySince = Instant.now();
      Duration minHealthy = minHealthy(r);
      if (minHealthy.isZero()) {
        onHealthy(new Healthy(worker));
      } else {
        timers.startSingleTimer(new Healthy(worker), new Healthy(worker), minHealthy);
        host.report(deployment.id + ": " + host.workerName(r.slot) + "'s new worker is ready; healthy once it has stayed so for "
            + Durations.human(minHealthy) + " (update.min-healthy-time)");
      }
    }
    return true;
  }

  /** A worker exited on its own; false when it is not a replacement. */
  boolean onExited(ActorRef<WorkerCommand> worker, WorkerExit exit) {
    Replacement r = active.find(worker);
    if (r == null) {
      return false;
    }
    active.drop(r);
    String what = host.workerName(r.slot) + "'s new worker " + exit.reason();
    if (r.stopping) {
      // it was healthy and its old worker is stopping: the old one starts again, the slot is tried again
      host.report(what + " after it was healthy; the slot will be replaced again");
      fill();
      return true;
    }
    if (r.kind == Kind.DEPLOY) {
      String when = r.readySince == null ? " before it was ready"
          : " " + Durations.human(Duration.between(r.readySince, Instant.now())) + " after it was ready (within update.min-healthy-time "
              + Durations.human(minHealthy(r)) + ")";
      fail(what + when, false);
    } else {
      restarts.abort(what, host::report); // the rest are not tried: the old workers are kept
      fill();
    }
    return true;
  }

  void onHealthy(Healthy m) {
    Replacement r = active.find(m.worker());
    if (r == null || r.healthy || r.readySince == null) {
      return;
    }
    r.healthy = true;
    timers.cancel(new Deadline(m.worker()));
    Deployment d = deployment;
    if (r.canary && d != null && d.inCanaryPhase()) {
      canariesChecked(d);
      return;
    }
    replaceOld(r);
  }

  /** Once every canary on trial is healthy: promoted, or (auto-promote off) waiting for a promote. */
  private void canariesChecked(Deployment d) {
    if (d.state() != DeploymentState.RUNNING || active.healthyCanaries() < d.canaryGoal) {
      return; // not yet, or waiting for a promote already
    }
    if (d.spec.update().autoPromote()) {
      promoteNow("canaries healthy, promoted automatically (update.auto-promote)");
    } else {
      d.awaitPromotion(d.canaryGoal + " canaries healthy; waiting for a promote (update.auto-promote = off)");
      host.report(d.id + ": " + d.reason());
    }
  }

  void onDeadline(Deadline m) {
    Replacement r = active.find(m.worker());
    if (r == null || r.healthy) {
      return;
    }
    active.drop(r);
    fail(host.workerName(r.slot) + "'s new worker was not healthy within update.healthy-deadline ("
        + Durations.human(deployment.spec.update().healthyDeadline()) + ")", false);
  }

  /**
   * The old worker of {@code slot} stopped for {@code replacement}: true when the replacement then
   * took the slot; false when that replacement was given up meanwhile (the old worker should run again).
   */
  boolean onReplacedStopped(int slot, ActorRef<WorkerCommand> replacement) {
    Replacement r = active.get(slot);
    if (r == null || !r.worker.equals(replacement)) {
      return false;
    }
    active.remove(slot);
    host.swap(slot, r.worker, r.status, r.kind == Kind.RECYCLE);
    fill();
    return true;
  }

  // ---------------------------------------------------------------- snapshots

  /** The deployment in progress, or null. */
  DeploymentStatus current() {
    return deployment == null ? null : deployment.status(slotsOf(deployment));
  }

  /** Ended deployments, newest first. */
  List<DeploymentStatus> recent() {
    return history.recent();
  }

  // ---------------------------------------------------------------- steps

  /** Starts what may start now, and ends what is done. */
  private void fill() {
    Deployment d = deployment;
    if (d != null) {
      List<Integer> stale = staleSlots();
      if (d.inCanaryPhase()) {
        if (!d.canariesStarted) {
          d.canariesStarted = true;
          active.startCanaries(d, stale, d.canaries);
        }
        return;
      }
      int limit = d.target().update().maxParallel();
      for (int slot : stale) {
        if (active.size() >= limit) {
          break;
        }
        active.start(slot, Kind.DEPLOY, d.id, false, d.target());
      }
      if (active.isEmpty() && stale.isEmpty()) {
        complete();
      } else {
        return;
      }
    }
    if (restarts.startNext(active, host)) {
      finishRestart(true, "rolling restart done");
    }
  }

  /** The replacement is healthy: drain and stop the old worker, then swap. */
  private void replaceOld(Replacement r) {
    r.stopping = true;
    String why = switch (r.kind) {
      case DEPLOY -> deployment != null && deployment.state() == DeploymentState.REVERTING
          ? "reverted: " + r.why + " failed" : "replaced by " + r.why;
      case RECYCLE -> "recycled: " + r.why;
      case RESTART -> r.why;
    };
    host.stopOld(r.slot, r.worker, why);
  }

  private void promoteNow(String why) {
    deployment.promote(why);
    host.report(deployment.id + ": " + why);
    for (Replacement r : active.values()) {
      if (r.canary && r.healthy && !r.stopping) {
        replaceOld(r);
      }
    }
    fill();
  }

  /** The deployment failed: revert (auto-revert, or asked for) or stop where it is. */
  private void fail(String why, boolean forceRevert) {
    Deployment d = deployment;
    active.dropAll(Kind.DEPLOY);
    if (d.state() == DeploymentState.REVERTING) {
      end(DeploymentState.FAILED, "the revert failed too: " + why + " (the deployment had failed: " + d.reason() + ")");
    } else if ((forceRevert || d.spec.update().autoRevert()) && d.canGoBack()) {
      d.revert(why);
      host.retarget(d.lastHealthy);
      host.report(d.id + " failed: " + why + "; reverting every worker to the last healthy settings");
    } else {
      end(DeploymentState.FAILED, why + (d.spec.update().autoRevert() ? "" : " (update.auto-revert = off: workers left as they are)"));
    }
    fill();
  }

  private void complete() {
    Deployment d = deployment;
    if (d.state() == DeploymentState.REVERTING) {
      end(DeploymentState.REVERTED, "every worker is back on the last healthy settings; the deployment had failed: " + d.reason());
    } else {
      history.healthy(d.spec);
      end(DeploymentState.SUCCEEDED, "every worker runs the new settings and was healthy");
    }
  }

  private void end(DeploymentState to, String why) {
    Deployment d = deployment;
    d.end(to, why, slotsOf(d));
    deployment = null;
    history.ended(d.status(List.of()));
    host.recorded();
    host.report(d.id + " " + to.label() + ": " + why);
  }

  private void finishRestart(boolean completed, String detail) {
    restarts.finish(completed, detail, host::report);
  }

  private Duration minHealthy(Replacement r) {
    boolean gated = r.kind == Kind.DEPLOY && deployment != null && deployment.state() != DeploymentState.REVERTING;
    return gated ? deployment.spec.update().minHealthyTime() : Duration.ZERO;
  }

  private boolean stale(int slot) {
    return deployment != null && !host.slotSpec(slot).sameWorkers(deployment.target());
  }

  /** Slots whose worker runs other settings than the deployment's target, and no replacement yet. */
  private List<Integer> staleSlots() {
    return active.staleSlots(deployment != null ? deployment.target() : host.spec());
  }

  private List<DeploymentStatus.Slot> slotsOf(Deployment d) {
    return active.slotsOf(d.target());
  }
}
