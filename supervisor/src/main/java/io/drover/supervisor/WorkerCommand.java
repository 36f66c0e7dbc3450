package io.drover.supervisor;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;

/** What a worker of either kind (process or actor) understands. */
public interface WorkerCommand {

  /** Start now, if not running. */
  enum Start implements WorkerCommand {
    INSTANCE
  }

  /** Wait {@code delay} (state BACKOFF), then start. */
  record StartAfter(Duration delay, String reason) implements WorkerCommand {}

  /** Stop the running process or instance as requested, then start again after {@code delay}. */
  record Restart(Duration delay, String reason) implements WorkerCommand {}

  /**
   * Stop (drain, signal, kill after the stop timeout) and stay stopped; replies when done.
   *
   * @param reason why, as the worker's detail and events show it
   */
  record Stop(ActorRef<Stopped> replyTo, String reason) implements WorkerCommand {
    public Stop(ActorRef<Stopped> replyTo) {
      this(replyTo, "stop requested");
    }
  }

  /** The reply to {@link Stop}. */
  record Stopped(int instance) {}

  /** Replies with a {@link WorkerStatus}. */
  record GetStatus(ActorRef<WorkerStatus> replyTo) implements WorkerCommand, CrossNode {}

  /**
   * From this node's front: it has passed {@code requests} more requests to the worker's current
   * process since its last report (requests are counted for {@code recycle.max-requests}).
   *
   * @param port the port of the process they went to (a worker's next process gets another)
   */
  record Served(int port, long requests) implements WorkerCommand {}
}
