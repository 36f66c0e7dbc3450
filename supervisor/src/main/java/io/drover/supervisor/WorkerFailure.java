package io.drover.supervisor;

/**
 * How a request handed to a worker ended without the worker's answer. Workers and the nodes
 * between report only what happened; the front's failure policy alone decides whether another
 * worker gets the request and what the client is told.
 */
public enum WorkerFailure {
  /** The worker declined it (not ready, stopping, its queue full): nothing of it was processed. */
  REFUSED,
  /** No connection to the worker could be made: nothing of it was sent. */
  UNREACHABLE,
  /** The request was sent, and the worker's connection, process or node was lost before an answer. */
  LOST,
  /** No answer within the route's request-timeout; the worker may still be working on it. */
  TIMED_OUT,
  /** The worker ran the request and failed (an actor worker's handle threw): an application error. */
  FAILED
}
