package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One deployment of an app: the settings it rolls out, the settings it goes back to should it
 * fail, and its state with the reason for it. The steps are taken by {@link Rollout}; this holds
 * what they decided, and its transitions check where they come from.
 */
final class Deployment {
  final String id;
  final String cause;
  final AppSpec spec;
  /** The last healthy settings when it started: what a revert goes back to (null: none known). */
  final AppSpec lastHealthy;
  final Instant started = Instant.now();
  final List<ActorRef<AppSupervisor.RollingResult>> requesters = new ArrayList<>();
  private DeploymentState state = DeploymentState.RUNNING;
  private Instant finished;
  private String reason;
  /** Canaries still to start (counted once, when the deployment starts). */
  final int canaries;
  boolean canariesStarted;
  /** How many healthy canaries it waits for: {@code canaries}, fewer once a scale-down left fewer slots to try them on. */
  int canaryGoal;
  /** The slots' progress when it ended. */
  private List<DeploymentStatus.Slot> finalSlots = List.of();

  Deployment(String id, String cause, AppSpec spec, AppSpec lastHealthy, int canaries) {
    this.id = id;
    this.cause = cause;
    this.spec = spec;
    this.lastHealthy = lastHealthy;
    this.canaries = canaries;
    this.canaryGoal = canaries;
  }

  DeploymentState state() {
    return state;
  }

  String reason() {
    return reason;
  }

  /** Canaries run and have not been promoted: nothing else is replaced. */
  boolean inCanaryPhase() {
    return canaries > 0 && (state == DeploymentState.RUNNING || state == DeploymentState.CANARY_WAITING);
  }

  /** Whether it has healthy settings other than its own to go back to. */
  boolean canGoBack() {
    return lastHealthy != null && !lastHealthy.sameWorkers(spec);
  }

  /** Why its canaries cannot be promoted now ({@code healthy} of them are), or null when they can. */
  String cannotPromote(long healthy) {
    if (!inCanaryPhase()) {
      return id + " has no canaries waiting (" + state.label() + ")";
    }
    return healthy < canaryGoal ? id + ": " + healthy + " of " + canaryGoal + " canaries healthy so far" : null;
  }

  /** Why it cannot be rolled back, or null when it can. */
  String cannotRollBack() {
    if (state == DeploymentState.REVERTING) {
      return id + " is already reverting";
    }
    return canGoBack() ? null : id + " has no earlier healthy settings to go back to";
  }

  /** The settings its new workers run: its own, or while reverting, the last healthy ones. */
  AppSpec target() {
    return state == DeploymentState.REVERTING ? lastHealthy : spec;
  }

  // RUNNING -> CANARY_WAITING: every canary is healthy, auto-promote is off
  void awaitPromotion(String why) {
    check(DeploymentState.RUNNING);
    state = DeploymentState.CANARY_WAITING;
    reason = why;
  }

  void promote(String why) {
    check(DeploymentState.RUNNING, DeploymentState.CANARY_WAITING);
    state = DeploymentState.PROMOTED;
    reason = why;
  }

  void revert(String why) {
    check(DeploymentState.RUNNING, DeploymentState.CANARY_WAITING, DeploymentState.PROMOTED);
    state = DeploymentState.REVERTING;
    reason = why;
  }

  /** Ends it; replies to whoever asked for it (completed only when it succeeded). */
  void end(DeploymentState to, String why, List<DeploymentStatus.Slot> slots) {
    if (!state.inProgress() || to.inProgress()) {
      throw new IllegalStateException(id + ": " + state + " -> " + to);
    }
    state = to;
    reason = why;
    finished = Instant.now();
    finalSlots = slots;
    AppSupervisor.RollingResult result =
        new AppSupervisor.RollingResult(spec.name(), to == DeploymentState.SUCCEEDED, id + " " + to.label() + ": " + why);
    requesters.forEach(r -> r.tell(result));
    requesters.clear();
  }

  DeploymentStatus status(List<DeploymentStatus.Slot> slots) {
    return new DeploymentStatus(id, state, cause, started, finished, reason, canaries, state.inProgress() ? slots : finalSlots);
  }

  private void check(DeploymentState... from) {
    for (DeploymentState f : from) {
      if (state == f) {
        return;
      }
    }
    throw new IllegalStateException(id + ": " + state + " cannot change that way");
  }
}
