package io.drover.supervisor;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one deployment.
 *
 * @param id the app and a number that grows with each deployment of it: "web@3"
 * @param state where it stands
 * @param cause what started it: "apply", "rollback"
 * @param started when it started
 * @param finished when it ended, or null while in progress
 * @param reason why it ended as it did, or what it waits for
 * @param canaries canaries it starts first (0: none)
 * @param slots each worker slot's progress
 */
public record DeploymentStatus(
    String id, DeploymentState state, String cause, Instant started, Instant finished, String reason, int canaries,
    List<Slot> slots) {
  public DeploymentStatus {
    slots = List.copyOf(slots);
  }

  /**
   * One worker slot in a deployment.
   *
   * @param instance the slot's instance number
   * @param phase pending (runs other settings), starting, ready (a new worker waits out
   *     min-healthy-time beside the old), healthy (a canary waiting for promotion), replacing (the
   *     old worker is being drained and stopped), done (runs the deployment's settings)
   * @param pid the new worker's process, if it has one
   */
  public record Slot(int instance, String phase, long pid) {}
}
