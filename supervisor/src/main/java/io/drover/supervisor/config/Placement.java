package io.drover.supervisor.config;

/** Where an app's workers run. */
public enum Placement {
  /** Every node runs {@code instances} workers of the app. */
  LOCAL,
  /** {@code instances} workers in all, one per slot, spread over the cluster's nodes. */
  CLUSTER
}
