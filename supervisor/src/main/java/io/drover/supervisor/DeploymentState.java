package io.drover.supervisor;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Where a deployment stands: in progress (the first four) or ended (the rest). */
public enum DeploymentState {
  /** New workers replace old ones, max-parallel at a time. */
  RUNNING,
  /** Healthy canaries serve beside every old worker and wait for a promote. */
  CANARY_WAITING,
  /** The canaries were promoted: the rest of the old workers are being replaced. */
  PROMOTED,
  /** It failed: every worker goes back to the last healthy settings. */
  REVERTING,
  /** Every worker runs the new settings and was healthy. */
  SUCCEEDED,
  /** It failed and stopped where it was (auto-revert off, or the revert failed too). */
  FAILED,
  /** It failed and every worker is back on the last healthy settings. */
  REVERTED,
  /** A newer deployment took over before it ended. */
  SUPERSEDED,
  /** The app was stopped, or gave up, before it ended. */
  CANCELLED;

  private static final Set<DeploymentState> IN_PROGRESS = EnumSet.of(RUNNING, CANARY_WAITING, PROMOTED, REVERTING);

  public boolean inProgress() {
    return IN_PROGRESS.contains(this);
  }

  /** As the API and events write it: "canary-waiting". */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
