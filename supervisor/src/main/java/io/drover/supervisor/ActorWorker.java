package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import io.drover.worker.Request;
import io.drover.worker.Response;
import io.drover.worker.Worker;
import io.drover.worker.WorkerContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts one instance of an app's {@code Worker} class, one after another: creates and starts it
 * on the app's own thread pool, hands it requests (at most {@code max-in-flight} at once, a
 * bounded queue behind), and reports exits to its {@link AppSupervisor} exactly as a {@link
 * ProcessWorker} does, so the same restart rules apply. It understands the same commands, plus
 * {@link Handle}.
 */
public final class ActorWorker extends WorkerLifecycle {

  /** How the answer to a {@link Handle} gets back; called once, from any thread. */
  public interface Reply {
    /** The worker's answer. */
    void answer(Response response);

    /** The request ended without the worker's answer; the front decides what the client gets. */
    void fail(WorkerFailure failure, String detail);
  }

  /** Handle one request and answer through {@code reply}. */
  public record Handle(Request request, Reply reply) implements WorkerCommand {}

  private record Started(long generation, Worker worker, Throwable failure) implements WorkerCommand {}

  private record Finished(long generation, long id, Throwable failure) implements WorkerCommand {}

  private record TimedOut(long generation, long id) implements WorkerCommand {}

  private record StopCalled(long generation) implements WorkerCommand {}

  private record DrainCheck(long generation) implements WorkerCommand {}

  private enum Timer {
    DRAIN
  }

  private static final Duration DRAIN_POLL = Duration.ofMillis(20);

  static Behavior<WorkerCommand> create(WorkerSetup setup, ActorRuntime runtime) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(t -> new ActorWorker(ctx, t, setup, runtime).behavior()));
  }

  private final ActorRuntime runtime;
  private final Logger workerLog;
  /** The largest answer that travels back to another node's front ({@link Remote#maxMessage}). */
  private final long maxMessage;

  private Worker worker;
  private long nextId;
  private final Set<Long> inFlight = new HashSet<>();
  private final ArrayDeque<Handle> queue = new ArrayDeque<>();
  private int failuresInARow;
  private boolean stopping;
  /** Requests that timed out and have not finished: each holds a slot. */
  private final Set<Long> hung = new HashSet<>();
  private int timeoutsInARow;
  private long drainDeadline;

  private ActorWorker(
      ActorContext<WorkerCommand> context,
      TimerScheduler<WorkerCommand> timers,
      WorkerSetup setup,
      ActorRuntime runtime) {
    super(context, timers, setup);
    this.runtime = runtime;
    this.maxMessage = Remote.maxMessage(context.getSystem().settings().config());
    this.workerLog = LoggerFactory.getLogger("drover.worker." + spec.name());
  }

  @Override
  protected BehaviorBuilder<WorkerCommand> handlers(WorkerState state, BehaviorBuilder<WorkerCommand> b) {
    return switch (state) {
      // without a worker instance requests are refused (tried elsewhere)
      case STOPPED, FAILED, BACKOFF -> b
          .onMessage(Handle.class, m -> refuse(m, "worker " + name + " is " + state.label()))
          .onMessage(Remote.Serve.class, m -> refuse(Remote.asHandle(m, maxMessage), "worker " + name + " is " + state.label()));
      case STARTING, READY -> live(b).onMessage(Started.class, this::onStarted);
      case DRAINING -> live(b)
          .onMessage(Started.class, this::onStarted)
          .onMessage(DrainCheck.class, this::onDrainCheck)
          .onMessage(StopCalled.class, this::onStopCalled);
    };
  }

  /** Handlers of every state in which a worker instance exists or is being made. */
  private BehaviorBuilder<WorkerCommand> live(BehaviorBuilder<WorkerCommand> b) {
    return b
        .onMessage(Handle.class, this::onHandle)
        .onMessage(Remote.Serve.class, m -> onHandle(Remote.asHandle(m, maxMessage)))
        .onMessage(Finished.class, this::onFinished)
        .onMessage(TimedOut.class, this::onTimedOut);
  }

  @Override
  protected boolean exists() {
    return worker != null;
  }

  // ---------------------------------------------------------------- starting

  @Override
  protected String begin(long gen) {
    failuresInARow = 0;
    timeoutsInARow = 0;
    markStarted();
    WorkerContext workerContext = new WorkerContext(spec.name(), instance, spec.actor().config(), logFor());
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> {
          try {
            Worker w = runtime.newWorker();
            w.start(workerContext);
            return w;
          } catch (Exception | LinkageError e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        }, runtime.pool),
        (w, failure) -> new Started(gen, w, failure));
    return "starting " + spec.actor().className();
  }

  private Behavior<WorkerCommand> onStarted(Started m) {
    if (m.generation() != generation()) {
      return Behaviors.same();
    }
    if (m.failure() != null) {
      Throwable cause = m.failure() instanceof java.util.concurrent.CompletionException && m.failure().getCause() != null
          ? m.failure().getCause() : m.failure();
      String why = cause instanceof ClassNotFoundException
          ? "class " + cause.getMessage() + " not found in " + spec.actor().classpath()
          : cause.toString();
      return ended(null, "could not start: " + why);
    }
    worker = m.worker();
    if (ending()) {
      return endNow();
    }
    return ready("started");
  }

  // ---------------------------------------------------------------- requests

  private Behavior<WorkerCommand> onHandle(Handle m) {
    if (stopping || (state() != WorkerState.READY && state() != WorkerState.DRAINING)) {
      return refuse(m, "worker " + name + " is " + state().label());
    }
    if (queue.isEmpty() && running.get() < spec.actor().maxInFlight()) {
      countServed(1);
      run(m);
    } else if (queue.size() < spec.actor().maxQueue()) {
      countServed(1);
      queue.add(m);
    } else {
      m.reply().fail(WorkerFailure.REFUSED, "worker " + name + " is busy (queue full)");
    }
    return Behaviors.same();
  }

  private void run(Handle m) {
    long id = ++nextId;
    long gen = generation();
    inFlight.add(id);
    java.util.concurrent.atomic.AtomicInteger slots = running; // this generation's
    slots.incrementAndGet();
    Worker w = worker;
    Reply once = new Once(m.reply());
    timers.startSingleTimer(id, new TimedOut(gen, id), spec.route().requestTimeout());
    runtime.pool.execute(() -> {
      CompletionStage<Response> answer;
      try {
        answer = w.handle(m.request());
      } catch (Throwable e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete((response, failure) -> {
        Throwable problem = failure != null ? failure : response == null ? new NullPointerException("handle answered null") : null;
        // its slot is free before the answer leaves: a front that sends the next request the
        // moment this one is answered (route.max-concurrency) finds the worker free
        slots.decrementAndGet();
        if (problem == null) {
          once.answer(response);
        } else {
          once.fail(WorkerFailure.FAILED, problem.toString());
        }
        context.getSelf().tell(new Finished(gen, id, problem));
      });
    });
    pendingReplies.put(id, once);
  }

  private final java.util.Map<Long, Reply> pendingReplies = new java.util.HashMap<>();
  /** Handle calls not yet complete (hung ones included); its pool's threads count down. */
  private java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();

  private Behavior<WorkerCommand> onFinished(Finished m) {
    if (m.generation() != generation() || !inFlight.remove(m.id())) {
      return Behaviors.same();
    }
    timers.cancel(m.id());
    pendingReplies.remove(m.id());
    boolean wasHung = hung.remove(m.id());
    while (!stopping && !queue.isEmpty() && running.get() < spec.actor().maxInFlight()) {
      run(queue.poll());
    }
    if (m.failure() == null) {
      failuresInARow = 0;
      if (!wasHung) {
        timeoutsInARow = 0;
      }
    } else if (++failuresInARow >= spec.actor().failureThreshold() && !ending()) {
      String why = failuresInARow + " exceptions in a row from handle, the last: " + m.failure();
      context.getLog().warn("[{}] {}", name, why);
      return terminate(ExitKind.ABNORMAL, why);
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onTimedOut(TimedOut m) {
    Reply r = pendingReplies.get(m.id());
    if (m.generation() != generation() || r == null) {
      return Behaviors.same();
    }
    long ms = spec.route().requestTimeout().toMillis();
    r.fail(WorkerFailure.TIMED_OUT, "no answer within " + ms + "ms");
    hung.add(m.id());
    int allowed = Math.max(1, spec.liveness().failures());
    boolean allSlotsHung = hung.size() >= spec.actor().maxInFlight();
    if ((++timeoutsInARow >= allowed || allSlotsHung) && !ending()) {
      String why = "hung: " + timeoutsInARow + " requests in a row took longer than " + ms + "ms";
      context.getLog().warn("[{}] {}", name, why);
      return terminate(ExitKind.UNHEALTHY, why);
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> refuse(Handle m, String why) {
    m.reply().fail(WorkerFailure.REFUSED, why);
    return Behaviors.same();
  }

  // ---------------------------------------------------------------- stopping

  /** Out of rotation; in-flight and queued requests finish (bounded by the drain timeout). */
  @Override
  protected Behavior<WorkerCommand> end(boolean wasRoutable) {
    drainDeadline = System.nanoTime() + spec.stop().drainTimeout().toNanos();
    return onDrainCheck(new DrainCheck(generation()));
  }

  private Behavior<WorkerCommand> onDrainCheck(DrainCheck m) {
    if (m.generation() != generation() || worker == null) {
      return Behaviors.same();
    }
    boolean unhealthy = stopKind() == ExitKind.UNHEALTHY;
    if ((inFlight.isEmpty() && queue.isEmpty()) || unhealthy || System.nanoTime() >= drainDeadline) {
      queue.forEach(h -> h.reply().fail(WorkerFailure.REFUSED, "worker " + name + " stopped"));
      queue.clear();
      stopping = true; // stop() runs: no new request may reach this instance
      Worker w = worker;
      long gen = generation();
      CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> {
        try {
          w.stop();
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      }, runtime.pool);
      context.pipeToSelf(stop.orTimeout(spec.stop().timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS),
          (v, e) -> {
            if (e != null) {
              context.getLog().warn("[{}] stop() did not end cleanly: {}", name, e.toString());
            }
            return new StopCalled(gen);
          });
      return Behaviors.same();
    }
    timers.startSingleTimer(Timer.DRAIN, new DrainCheck(generation()), DRAIN_POLL);
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onStopCalled(StopCalled m) {
    if (m.generation() != generation()) {
      return Behaviors.same();
    }
    return endedAsAsked();
  }

  @Override
  protected void released() {
    timers.cancel(Timer.DRAIN);
    inFlight.forEach(timers::cancel);
    inFlight.clear();
    running = new java.util.concurrent.atomic.AtomicInteger(); // calls of the old generation count on their own
    hung.clear();
    // these may have run already: answered, never handed to another worker
    pendingReplies.values().forEach(r -> r.fail(WorkerFailure.LOST, "worker " + name + " stopped before answering"));
    pendingReplies.clear();
    stopping = false;
    worker = null;
  }

  @Override
  protected void postStop() {
    Worker w = worker;
    if (w != null) {
      try {
        w.stop();
      } catch (Exception e) {
        context.getLog().warn("[{}] stop() failed: {}", name, e.toString());
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private WorkerContext.Log logFor() {
    String prefix = "[" + name + "] ";
    return new WorkerContext.Log() {
      @Override
      public void info(String message) {
        workerLog.info(prefix + message);
      }

      @Override
      public void warn(String message) {
        workerLog.warn(prefix + message);
      }

      @Override
      public void error(String message, Throwable cause) {
        workerLog.error(prefix + message, cause);
      }
    };
  }

  /** Answers at most once, whichever comes first: the worker, a timeout, a refusal. */
  private static final class Once implements Reply {
    private final Reply reply;
    private final AtomicBoolean done = new AtomicBoolean();

    Once(Reply reply) {
      this.reply = reply;
    }

    @Override
    public void answer(Response response) {
      if (done.compareAndSet(false, true)) {
        reply.answer(response);
      }
    }

    @Override
    public void fail(WorkerFailure failure, String detail) {
      if (done.compareAndSet(false, true)) {
        reply.fail(failure, detail);
      }
    }
  }
}
