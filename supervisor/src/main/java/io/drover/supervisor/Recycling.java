package io.drover.supervisor;

import io.drover.supervisor.config.RecycleSpec;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A worker's recycling ({@code recycle.max-requests}, {@code recycle.max-age}): counts the requests
 * the current process or instance served and times its age, each limit spread by the jitter, and
 * once one is passed asks the app supervisor to replace the worker the rolling way, again until it
 * is replaced. Process and actor workers share it through {@link WorkerLifecycle}, which tells it
 * the current generation and state.
 */
final class Recycling {
  private enum Timer {
    MAX_AGE,
    RECYCLE_AGAIN
  }

  /** How long a recycle request waits for its replacement before it is asked for again. */
  private static final Duration RECYCLE_AGAIN = Duration.ofSeconds(15);

  /** The process or instance of {@code generation} has run its (spread) max-age. */
  record MaxAgeOver(long generation) implements WorkerCommand {}

  /** The recycle request for {@code generation} is asked for again. */
  record RecycleAgain(long generation, String why) implements WorkerCommand {}

  private final ActorContext<WorkerCommand> context;
  private final TimerScheduler<WorkerCommand> timers;
  private final WorkerSetup setup;
  /** {@code app-instance}, as logs name the worker. */
  private final String name;
  private long served;
  private long maxRequests;
  private boolean recycleAsked;

  Recycling(ActorContext<WorkerCommand> context, TimerScheduler<WorkerCommand> timers, WorkerSetup setup, String name) {
    this.context = context;
    this.timers = timers;
    this.setup = setup;
    this.name = name;
  }

  /** A new process or instance is starting: it has served nothing and was not asked to go. */
  void reset() {
    served = 0;
    maxRequests = 0;
    recycleAsked = false;
  }

  /** The process or instance of {@code generation} became ready: its limits count from now. */
  void ready(long generation) {
    RecycleSpec recycle = setup.spec().recycle();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    maxRequests = recycle.maxRequests() > 0 ? recycle.spread(recycle.maxRequests(), random.nextDouble()) : 0;
    if (!recycle.maxAge().isZero()) {
      long millis = recycle.spread(recycle.maxAge().toMillis(), random.nextDouble());
      timers.startSingleTimer(Timer.MAX_AGE, new MaxAgeOver(generation), Duration.ofMillis(millis));
    }
  }

  /** Out of rotation or ended: no more max-age or repeated requests. */
  void cancel() {
    timers.cancel(Timer.MAX_AGE);
    timers.cancel(Timer.RECYCLE_AGAIN);
  }

  /** {@code n} more requests went to the current process or instance. */
  void countServed(long n, long generation, WorkerState state) {
    served += n;
    if (maxRequests > 0 && served >= maxRequests && state == WorkerState.READY && !recycleAsked) {
      recycle("served " + served + " requests (recycle.max-requests = " + setup.spec().recycle().maxRequests() + ")",
          generation);
    }
  }

  Behavior<WorkerCommand> onMaxAgeOver(MaxAgeOver m, long generation, WorkerState state) {
    if (m.generation() == generation && state == WorkerState.READY && !recycleAsked) {
      recycle("ran " + Durations.human(setup.spec().recycle().maxAge()) + " or more (recycle.max-age)", generation);
    }
    return Behaviors.same();
  }

  /**
   * Asks the app supervisor to replace this worker the rolling way; it stays in rotation
   * meanwhile. The app supervisor may not take it up (the worker is itself a replacement not yet
   * swapped in, a rolling restart was aborted): it is asked again until the worker is replaced.
   */
  private void recycle(String why, long generation) {
    recycleAsked = true;
    context.getLog().info("[{}] recycling: {}", name, why);
    setup.parent().tell(new AppSupervisor.Recycle(context.getSelf(), setup.instance(), why));
    timers.startSingleTimer(Timer.RECYCLE_AGAIN, new RecycleAgain(generation, why), RECYCLE_AGAIN);
  }

  Behavior<WorkerCommand> onRecycleAgain(RecycleAgain m, long generation, WorkerState state) {
    if (m.generation() == generation && state == WorkerState.READY) {
      setup.parent().tell(new AppSupervisor.Recycle(context.getSelf(), setup.instance(), m.why()));
      timers.startSingleTimer(Timer.RECYCLE_AGAIN, m, RECYCLE_AGAIN);
    }
    return Behaviors.same();
  }
}
