package io.drover.http.front;

import io.drover.supervisor.WorkerCommand;
import io.drover.supervisor.Remote;
import io.drover.supervisor.WorkerFailure;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Requests this front sent to workers on other nodes and not yet answered. Answers come back to
 * one actor, which hands each to its connection's callback. When a worker's node is lost, or the
 * worker leaves the listing, or its actor stops (the actor watches every worker it sent to), its
 * unanswered requests fail as {@link WorkerFailure#LOST} (the front's failure policy decides).
 */
final class RemoteCalls {
  /** How the answer to a remote request, or how it failed, gets back to its connection; called once, any thread. */
  interface Callback {
    void answer(Remote.Answer answer);
  }

  private record Call(ActorRef<WorkerCommand> worker, Callback callback, long deadline) {}

  private static final Duration SWEEP = Duration.ofSeconds(10);

  /** Asks the receiver to watch a worker calls were sent to. */
  private record Watch(ActorRef<WorkerCommand> worker) {}

  private final Map<Long, Call> calls = new ConcurrentHashMap<>();
  /** Workers the receiver watches: when one stops, or its node is removed, its calls are lost. */
  private final Set<ActorRef<WorkerCommand>> watched = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private volatile ActorRef<Remote.Answer> replies;
  private volatile ActorRef<Object> receiver;
  /** The largest request that travels to another node ({@link Remote#maxMessage}). */
  private volatile long maxMessage = Long.MAX_VALUE;

  /** The actor that receives every answer; spawned once by the front actor. */
  Behavior<Object> receiver() {
    return Behaviors.setup(ctx -> {
      // answers come to this actor itself: its path is one of Artery's large-message destinations
      replies = ctx.getSelf().narrow();
      receiver = ctx.getSelf();
      maxMessage = Remote.maxMessage(ctx.getSystem().settings().config());
      return Behaviors.withTimers(timers -> {
        timers.startTimerWithFixedDelay("sweep", SWEEP, SWEEP);
        return Behaviors.receive(Object.class)
            .onMessage(Remote.Answer.class, a -> {
              Call call = calls.remove(a.id());
              if (call != null) {
                call.callback().answer(a);
              }
              return Behaviors.same();
            })
            .onMessage(Watch.class, w -> {
              ctx.watch(w.worker());
              return Behaviors.same();
            })
            .onSignal(Terminated.class, t -> {
              // the worker's actor stopped, or its node left: nothing will answer what was sent to it
              ActorRef<WorkerCommand> worker = t.getRef().unsafeUpcast();
              watched.remove(worker);
              lost(worker);
              return Behaviors.same();
            })
            .onAnyMessage(tick -> {
              long now = System.nanoTime();
              calls.values().removeIf(c -> now - c.deadline() > 0); // their connections timed out long ago
              return Behaviors.same();
            })
            .build();
      });
    });
  }

  /** The largest request, in bytes, that may travel to another node as one message. */
  long maxMessage() {
    return maxMessage;
  }

  /**
   * Sends a request to a worker on another node; its answer goes to {@code callback}. Returns 0
   * (sending nothing) when the request is too large to travel as one message ({@link #maxMessage}).
   */
  long send(ActorRef<WorkerCommand> worker, String method, String uri, java.util.List<String> headers,
      byte[] body, Duration timeout, Callback callback) {
    long id = ids.incrementAndGet();
    Remote.Serve serve = new Remote.Serve(method, uri, headers, body, id, replies);
    if (serve.messageBytes() > maxMessage) {
      return 0;
    }
    calls.put(id, new Call(worker, callback, System.nanoTime() + timeout.toNanos() + SWEEP.toNanos()));
    if (watched.add(worker)) {
      receiver.tell(new Watch(worker));
    }
    worker.tell(serve);
    return id;
  }

  /** The connection no longer waits for the answer (timed out, closed). */
  void forget(long id) {
    calls.remove(id);
  }

  /** A worker left the cluster-wide listing (its node is unreachable or it stopped). */
  void lost(ActorRef<WorkerCommand> worker) {
    for (Map.Entry<Long, Call> entry : calls.entrySet()) {
      // removed here or by its answer, never both: the callback runs once
      if (entry.getValue().worker().equals(worker) && calls.remove(entry.getKey(), entry.getValue())) {
        entry.getValue().callback().answer(
            Remote.Answer.failed(entry.getKey(), WorkerFailure.LOST, "its node left or the worker stopped before answering"));
      }
    }
  }
}
