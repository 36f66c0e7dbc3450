package io.drover.supervisor;

import io.drover.supervisor.config.RouteProtocol;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Whoever routes requests to workers (the HTTP front) drains a worker before it is signalled:
 * takes it out of rotation at once and completes when its in-flight requests have finished, or
 * when {@code timeout} has passed. It also carries requests from other nodes' fronts to a worker
 * process ({@link #forward}).
 */
@FunctionalInterface
public interface Drainer {
  /** For nodes without a front: nothing to wait for. */
  Drainer NONE = (worker, port, timeout) -> CompletableFuture.completedFuture(Done.getInstance());

  /**
   * @param worker the worker's actor, as registered with the receptionist
   * @param port the port of the process being stopped (a worker's next process gets another)
   */
  CompletionStage<Done> drain(ActorRef<WorkerCommand> worker, int port, Duration timeout);

  /**
   * Passes a request from another node's front to the worker process listening on the loopback
   * {@code port} (the node's loopback gateway, which the HTTP front provides), in the protocol
   * its app's route speaks to workers (HTTP/1.1, or h2c). Without a gateway the request is
   * refused: the calling front tries another worker.
   */
  default CompletionStage<Remote.Answer> forward(Remote.Serve request, int port, Duration timeout, RouteProtocol protocol) {
    return CompletableFuture.completedFuture(
        Remote.Answer.failed(request.id(), WorkerFailure.REFUSED, "no loopback gateway on this node"));
  }
}
