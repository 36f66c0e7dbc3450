package io.drover.supervisor.config;

/** How the front picks a ready worker of an app for each request. */
public enum BalancerKind {
  /** The next available worker in turn. */
  ROUND_ROBIN,
  /** The available worker with the fewest requests in flight (ties: in turn). */
  LEAST_REQUESTS
}
