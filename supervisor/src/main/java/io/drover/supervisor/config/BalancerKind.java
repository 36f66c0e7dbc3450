package io.drover.supervisor.config;

/** How the front picks a ready worker of an app for each request. */
public enum BalancerKind {
  /** The next available worker in turn. */
  ROUND_ROBIN,
  /** The available worker with the fewest requests in flight (ties: in turn). */
  LEAST_REQUESTS,
  /**
   * The worker a request's key (a cookie, header or query parameter: {@link StickySpec}) hashes
   * to, by rendezvous hashing: a worker that leaves moves only its own keys. Requests without the
   * key go to the worker with the fewest in flight.
   */
  STICKY
}
