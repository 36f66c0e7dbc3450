package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import java.util.ArrayDeque;
import java.util.List;

/**
 * What an app's deployments leave behind: the ids given so far, the ended deployments (newest
 * first, the last {@value #KEEP}), and the last settings every worker ran healthily with those
 * before them (a revert's and a rollback's targets). Kept in the node's desired state, so that a
 * node restart starts from it ({@link DesiredState}).
 */
final class DeploymentHistory {
  static final int KEEP = 10;

  private final String app;
  private int lastId;
  private final ArrayDeque<DeploymentStatus> ended = new ArrayDeque<>();
  private AppSpec lastHealthy;
  private AppSpec previousHealthy;

  /** @param restored what a previous run of the node left (null: nothing) */
  DeploymentHistory(AppSpec initial, Restored restored) {
    this.app = initial.name();
    this.lastHealthy = initial;
    if (restored != null) {
      lastId = restored.lastId();
      restored.ended().stream().limit(KEEP).forEach(ended::addLast);
      previousHealthy = restored.previousHealthy();
    }
  }

  /** What a previous run of the node left of an app's deployments. */
  record Restored(int lastId, List<DeploymentStatus> ended, AppSpec previousHealthy) {}

  /** The id of the next deployment: "web@4". */
  String nextId() {
    return app + "@" + (++lastId);
  }

  int lastId() {
    return lastId;
  }

  AppSpec lastHealthy() {
    return lastHealthy;
  }

  AppSpec previousHealthy() {
    return previousHealthy;
  }

  /** Every worker ran {@code spec} healthily: it is the last healthy settings now. */
  void healthy(AppSpec spec) {
    if (!spec.sameWorkers(lastHealthy)) {
      previousHealthy = lastHealthy;
      lastHealthy = spec;
    }
  }

  /** A deployment ended. */
  void ended(DeploymentStatus status) {
    ended.addFirst(status);
    while (ended.size() > KEEP) {
      ended.removeLast();
    }
  }

  /** Ended deployments, newest first. */
  List<DeploymentStatus> recent() {
    return List.copyOf(ended);
  }
}
