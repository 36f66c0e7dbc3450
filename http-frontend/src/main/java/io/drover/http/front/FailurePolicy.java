package io.drover.http.front;

import io.drover.supervisor.WorkerFailure;
import java.util.Set;

/**
 * The front's one failure policy: what happens to a request whose worker did not answer, on
 * every transport (a streamed connection, a message to an actor worker, a message to a worker on
 * another node). A pure function of what happened; docs/front.md shows it as a table.
 *
 * <ul>
 *   <li>Once the answer has begun, nothing can be retried or answered: the client's connection is
 *       cut, so the client sees a broken answer, never a wrong one.
 *   <li>A request goes to another worker (at most {@code http.retries} more) only when that is
 *       safe: nothing of it was processed ({@link WorkerFailure#REFUSED}) or sent ({@link
 *       WorkerFailure#UNREACHABLE}), or the method is idempotent and its whole body was kept.
 *   <li>A time-out is never retried (the worker may still be working on it: 504), and neither is
 *       an application error (500).
 *   <li>When no retry is left or allowed: 503 when every worker declined it (the app is busy or
 *       not ready: try later), 502 when a worker failed, 504 for a time-out.
 * </ul>
 */
final class FailurePolicy {
  private FailurePolicy() {}

  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

  /** What the front does about a failed attempt. */
  sealed interface Decision permits Retry, Respond, Cut {}

  /** Send the request to another worker. */
  record Retry() implements Decision {}

  /** Answer the client with an error the front makes (see {@link FrontErrors#failure}). */
  record Respond(int status, String error) implements Decision {}

  /** The answer had begun: close the client's connection. */
  record Cut() implements Decision {}

  static final Retry RETRY = new Retry();
  static final Cut CUT = new Cut();

  /** Whether a request with this method may be sent twice (to another worker) without harm (RFC 9110 9.2.2). */
  static boolean idempotent(String method) {
    return IDEMPOTENT.contains(method);
  }

  /**
   * @param failure how the attempt ended
   * @param answerBegun whether any of the worker's answer was passed to the client
   * @param replayable the method is idempotent and the whole body so far was kept for a retry
   * @param retriesLeft further attempts the route allows (and a worker to try is a separate question)
   * @param detail what happened, for the error body
   */
  static Decision decide(WorkerFailure failure, boolean answerBegun, boolean replayable, int retriesLeft, String detail) {
    if (answerBegun) {
      return CUT;
    }
    boolean safe = switch (failure) {
      case REFUSED, UNREACHABLE -> true;
      case LOST -> replayable;
      case TIMED_OUT, FAILED -> false;
    };
    if (safe && retriesLeft > 0) {
      return RETRY;
    }
    return switch (failure) {
      case REFUSED -> new Respond(503, "no ready worker: " + detail);
      case UNREACHABLE, LOST -> new Respond(502, "worker failed: " + detail);
      case TIMED_OUT -> new Respond(504, "worker did not answer " + detail);
      case FAILED -> new Respond(500, "worker failed: " + detail);
    };
  }
}
