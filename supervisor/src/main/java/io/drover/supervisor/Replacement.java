package io.drover.supervisor;

import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;

/** One replacement under way in a {@link Rollout}: a new worker started beside a slot's old one. */
final class Replacement {
  /** Why a slot is replaced. */
  enum Kind { DEPLOY, RESTART, RECYCLE }

  /** A restart or recycle queued, not started yet (a deployment picks its slots itself). */
  record Pending(int slot, Kind kind, String why) {}

  final int slot;
  final Kind kind;
  /** The deployment's id, or why the slot is restarted or recycled. */
  final String why;
  final ActorRef<WorkerCommand> worker;
  final boolean canary;
  WorkerStatus status;
  Instant readySince;
  boolean healthy;
  /** The old worker is being drained and stopped. */
  boolean stopping;

  Replacement(int slot, Kind kind, String why, ActorRef<WorkerCommand> worker, boolean canary) {
    this.slot = slot;
    this.kind = kind;
    this.why = why;
    this.worker = worker;
    this.canary = canary;
  }

  /** Its phase as {@link DeploymentStatus.Slot} names it (for a deployment's replacement). */
  String phase() {
    return stopping ? "replacing" : healthy ? "healthy" : readySince != null ? "ready" : "starting";
  }
}
