package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The lifecycle every worker goes through, whatever runs it: the states and their legal
 * transitions ({@link #TRANSITIONS}), start, stop and restart requests, how an end is classified,
 * restart counting and recycling ({@link Recycling}). A kind of worker ({@link ProcessWorker}, {@link ActorWorker})
 * plugs in only how it starts, probes, serves and ends: {@link #begin}, {@link #end}, {@link
 * #released} and the handlers of its own messages per state ({@link #handlers}).
 *
 * <p>The actor's behavior is always the one of its current state: every change goes through
 * {@link #to}, which refuses (and logs) a transition the table does not allow.
 */
abstract class WorkerLifecycle {

  /** From each state, the states a worker may go to next. */
  static final Map<WorkerState, Set<WorkerState>> TRANSITIONS = transitions();

  private static Map<WorkerState, Set<WorkerState>> transitions() {
    Map<WorkerState, Set<WorkerState>> t = new EnumMap<>(WorkerState.class);
    // asked to start, or to start after a delay
    t.put(WorkerState.STOPPED, EnumSet.of(WorkerState.STARTING, WorkerState.BACKOFF));
    // restarted (at once or after a delay), or told to stay stopped
    t.put(WorkerState.FAILED, EnumSet.of(WorkerState.STARTING, WorkerState.BACKOFF, WorkerState.STOPPED));
    // the delay is over (or a start came), a new delay, or stopped meanwhile
    t.put(WorkerState.BACKOFF, EnumSet.of(WorkerState.STARTING, WorkerState.BACKOFF, WorkerState.STOPPED));
    // a new detail while starting (spawned, probing); ready; asked to end; ended on its own
    t.put(WorkerState.STARTING,
        EnumSet.of(WorkerState.STARTING, WorkerState.READY, WorkerState.DRAINING, WorkerState.STOPPED, WorkerState.FAILED));
    // a new detail while ready (the worker's own STATUS=); asked to end (or failed a check); ended on its own
    t.put(WorkerState.READY, EnumSet.of(WorkerState.READY, WorkerState.DRAINING, WorkerState.STOPPED, WorkerState.FAILED));
    // ended: as asked, or classified a failure (unhealthy, over memory, not ready in time)
    t.put(WorkerState.DRAINING, EnumSet.of(WorkerState.STOPPED, WorkerState.FAILED));
    return t;
  }

  /** Whether the table allows {@code from -> to}. */
  static boolean legal(WorkerState from, WorkerState to) {
    return TRANSITIONS.get(from).contains(to);
  }

  /**
   * How an end is classified, once for both kinds: one that never started is a failed start
   * (even when a stop was asked for meanwhile: a bad command stays visible); otherwise what
   * Drover asked for (the kind of stop it began) wins; then status 0 is a normal exit and
   * anything else (a non-zero status, a signal) is abnormal.
   *
   * @param requested the kind of the stop Drover began, or null
   * @param status the exit status, or null when nothing was started
   */
  static ExitKind classify(ExitKind requested, Integer status) {
    if (status == null) {
      return ExitKind.FAILED_START;
    }
    if (requested != null) {
      return requested;
    }
    return status == 0 ? ExitKind.NORMAL : ExitKind.ABNORMAL;
  }

  private enum Timer {
    BACKOFF
  }

  private enum BackoffOver implements WorkerCommand {
    INSTANCE
  }

  protected final ActorContext<WorkerCommand> context;
  protected final TimerScheduler<WorkerCommand> timers;
  protected final WorkerSetup setup;
  protected final AppSpec spec;
  protected final int instance;
  /** {@code app-instance}, as logs and events name the worker. */
  protected final String name;
  protected final WorkerPresence presence;
  /** Stop and restart requests, and what follows an exit. */
  private final AfterExit afterExit = new AfterExit();
  private final Recycling recycling;

  private WorkerState state = WorkerState.STOPPED;
  private Instant since = Instant.now();
  private String detail = "not started";
  private long generation;
  private int restarts;
  private boolean startedBefore;
  private Instant startedAt;
  private long startedNanos;
  /** Set when Drover began ending the current process or instance: how its end is classified. */
  private ExitKind stopKind;
  private String stopReason;

  protected WorkerLifecycle(ActorContext<WorkerCommand> context, TimerScheduler<WorkerCommand> timers, WorkerSetup setup) {
    this.context = context;
    this.timers = timers;
    this.setup = setup;
    this.spec = setup.spec();
    this.instance = setup.instance();
    this.name = spec.name() + "-" + instance;
    this.presence = new WorkerPresence(context, setup);
    this.recycling = new Recycling(context, timers, setup, name);
    this.restarts = setup.restarts(); // a replacement's first start is not a restart of its own
  }

  // ---------------------------------------------------------------- what a kind plugs in

  /**
   * Begins a new process or instance (the generation is new); its outcome comes back as a message
   * of the kind. Returns what the worker is doing, for its STARTING detail.
   */
  protected abstract String begin(long generation);

  /**
   * Ends the current process or instance (it exists; the worker is out of rotation and DRAINING):
   * drain, then signal or stop it. The kind reports the end with {@link #ended}.
   *
   * @param wasRoutable whether it was in rotation until now (a front has something to drain)
   */
  protected abstract Behavior<WorkerCommand> end(boolean wasRoutable);

  /** Whether a process or instance exists now (false while it is still being started). */
  protected abstract boolean exists();

  /** The process or instance has ended: the kind drops it and cancels its own timers. */
  protected abstract void released();

  /** Became ready: the kind starts its own watching (liveness, memory). */
  protected void watch() {}

  /** Handlers of the kind's own messages in {@code state}, added to the lifecycle's. */
  protected abstract BehaviorBuilder<WorkerCommand> handlers(WorkerState state, BehaviorBuilder<WorkerCommand> b);

  /** The actor stopped: the kind makes sure nothing it started outlives it. */
  protected abstract void postStop();

  protected long pid() {
    return 0;
  }

  protected int port() {
    return 0;
  }

  protected long rss() {
    return 0;
  }

  // ---------------------------------------------------------------- for the kinds

  protected final WorkerState state() {
    return state;
  }

  protected final long generation() {
    return generation;
  }

  /** How the end Drover began will be classified, or null. */
  protected final ExitKind stopKind() {
    return stopKind;
  }

  /** Whether Drover began ending the current process or instance. */
  protected final boolean ending() {
    return stopKind != null;
  }

  /** The current process or instance is up (spawned, or created): its uptime counts from now. */
  protected final void markStarted() {
    startedAt = Instant.now();
    startedNanos = System.nanoTime();
  }

  /** A new detail in the current state (spawned, probing; the worker's own status). */
  protected final Behavior<WorkerCommand> progress(String why) {
    return to(state, why);
  }

  /** Passed readiness: into rotation, and watched. */
  protected final Behavior<WorkerCommand> ready(String why) {
    presence.register();
    Behavior<WorkerCommand> next = to(WorkerState.READY, why);
    watch();
    recycling.ready(generation);
    return next;
  }

  /** {@code n} more requests went to the current process or instance. */
  protected final void countServed(long n) {
    recycling.countServed(n, generation, state);
  }

  /**
   * Out of rotation, and the current process or instance ends ({@link #end}); {@code kind} is how
   * its end will be classified. Still being started, it ends once it exists.
   */
  protected final Behavior<WorkerCommand> terminate(ExitKind kind, String reason) {
    stopKind = kind;
    stopReason = reason;
    boolean wasRoutable = presence.deregister();
    recycling.cancel();
    Behavior<WorkerCommand> next = to(WorkerState.DRAINING, reason);
    return exists() ? then(next, end(wasRoutable)) : next;
  }

  /** {@code after}, unless it is "same": then {@code next}, the behavior moved to just before. */
  private static Behavior<WorkerCommand> then(Behavior<WorkerCommand> next, Behavior<WorkerCommand> after) {
    return after == Behaviors.<WorkerCommand>same() ? next : after;
  }

  /** The kind's start finished while a stop was asked for: it ends now. */
  protected final Behavior<WorkerCommand> endNow() {
    return end(false);
  }

  /**
   * The process or instance has ended with {@code status} (null: it never started): classified
   * once, here, then reported.
   *
   * @param how what happened, in a few words ("exited with status 1", "could not start: ...")
   */
  protected final Behavior<WorkerCommand> ended(Integer status, String how) {
    return ended(status, how, "");
  }

  /**
   * As {@link #ended(Integer, String)}, with what the worker said about it (its last stderr
   * lines) after the reason, when it ended on its own.
   */
  protected final Behavior<WorkerCommand> ended(Integer status, String how, String said) {
    ExitKind kind = classify(stopKind, status);
    String reason;
    if (status == null) {
      reason = how;
    } else if (stopKind != null) {
      reason = stopReason + " (" + how + ")";
    } else if (kind == ExitKind.ABNORMAL && state == WorkerState.STARTING) {
      reason = how + " before ready" + said;
    } else {
      reason = how + said;
    }
    if (kind == ExitKind.ABNORMAL || status == null) {
      context.getLog().warn("[{}] {}{}", name, pid() == 0 ? "" : "pid " + pid() + " ", reason);
    }
    return exited(kind, reason);
  }

  /** The end Drover began is complete (an instance it stopped itself): classified as begun. */
  protected final Behavior<WorkerCommand> endedAsAsked() {
    return exited(stopKind, stopReason);
  }

  // ---------------------------------------------------------------- the state machine

  /**
   * Moves to {@code next}, telling everyone who watches, and returns the behavior of the state
   * the worker is in afterwards: of {@code next}, or, when the table refuses the move, of the
   * current state (the refusal is logged).
   */
  protected final Behavior<WorkerCommand> to(WorkerState next, String why) {
    if (!legal(state, next)) {
      context.getLog().error("[{}] refused an illegal transition {} -> {} ({})", name, state.label(), next.label(), why);
      return Behaviors.same();
    }
    boolean changed = next != state;
    state = next;
    detail = why;
    boolean idle = next == WorkerState.STOPPED || next == WorkerState.FAILED || next == WorkerState.BACKOFF;
    since = presence.changed(next, exists() ? pid() : 0, idle ? 0 : port(), restarts, why, startedAt).at();
    return changed ? behavior() : Behaviors.same();
  }

  /** The behavior of the current state: the lifecycle's handlers, then the kind's. */
  final Behavior<WorkerCommand> behavior() {
    BehaviorBuilder<WorkerCommand> b = Behaviors.receive(WorkerCommand.class)
        .onMessage(WorkerCommand.GetStatus.class, this::onGetStatus)
        .onMessage(WorkerCommand.Served.class, this::onServed)
        .onMessage(Recycling.MaxAgeOver.class, m -> recycling.onMaxAgeOver(m, generation, state))
        .onMessage(Recycling.RecycleAgain.class, m -> recycling.onRecycleAgain(m, generation, state))
        .onSignal(PostStop.class, s -> {
          postStop();
          return Behaviors.same();
        });
    b = switch (state) {
      case STOPPED, FAILED, BACKOFF -> b
          .onMessage(BackoffOver.class, m -> start())
          .onMessage(WorkerCommand.Start.class, m -> start())
          .onMessage(WorkerCommand.StartAfter.class, m -> backoff(m.delay(), m.reason()))
          .onMessage(WorkerCommand.Restart.class, m -> backoff(m.delay(), m.reason()))
          .onMessage(WorkerCommand.Stop.class, this::onStopWhileIdle);
      case STARTING, READY, DRAINING -> b
          .onMessage(WorkerCommand.Stop.class, this::onStop)
          .onMessage(WorkerCommand.Restart.class, this::onRestart)
          .onMessage(WorkerCommand.Start.class, this::onStartWhileLive)
          .onMessage(WorkerCommand.StartAfter.class, m -> Behaviors.same());
    };
    return handlers(state, b).build();
  }

  private Behavior<WorkerCommand> start() {
    timers.cancel(Timer.BACKOFF);
    generation++;
    if (startedBefore) {
      restarts++;
    }
    startedBefore = true;
    stopKind = null;
    stopReason = null;
    afterExit.clearRestart();
    startedAt = null;
    recycling.reset();
    return to(WorkerState.STARTING, begin(generation));
  }

  private Behavior<WorkerCommand> backoff(Duration delay, String reason) {
    timers.startSingleTimer(Timer.BACKOFF, BackoffOver.INSTANCE, delay);
    return to(WorkerState.BACKOFF, "restart in " + Durations.human(delay) + ": " + reason);
  }

  private Behavior<WorkerCommand> onStop(WorkerCommand.Stop m) {
    afterExit.stop(m.replyTo());
    return ending() ? Behaviors.same() : terminate(ExitKind.REQUESTED, m.reason());
  }

  private Behavior<WorkerCommand> onRestart(WorkerCommand.Restart m) {
    if (!afterExit.restart(m.delay(), m.reason()) || ending()) {
      return Behaviors.same(); // a stop request wins; an end under way is followed by the restart
    }
    return terminate(ExitKind.REQUESTED, m.reason());
  }

  /** A start after a stop was asked for: the stop completes (and is answered), then it starts. */
  private Behavior<WorkerCommand> onStartWhileLive(WorkerCommand.Start m) {
    if (ending()) {
      afterExit.startOnceStopped();
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onStopWhileIdle(WorkerCommand.Stop m) {
    timers.cancel(Timer.BACKOFF);
    Behavior<WorkerCommand> next = state == WorkerState.STOPPED ? Behaviors.same() : to(WorkerState.STOPPED, m.reason());
    m.replyTo().tell(new WorkerCommand.Stopped(instance));
    return next;
  }

  /** The process or instance is gone: tell the parent, and follow any request. */
  private Behavior<WorkerCommand> exited(ExitKind kind, String reason) {
    presence.deregister();
    recycling.cancel();
    Duration uptime = startedAt == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - startedNanos);
    released();
    startedAt = null;
    stopKind = null;
    Behavior<WorkerCommand> next = to(kind.abnormal() ? WorkerState.FAILED : WorkerState.STOPPED, reason);
    AfterExit.Restart restart = afterExit.exited(context.getSelf(), setup, instance, kind, reason, uptime);
    return restart == null ? next : then(next, backoff(restart.delay(), restart.reason()));
  }

  // ---------------------------------------------------------------- recycling

  private Behavior<WorkerCommand> onServed(WorkerCommand.Served m) {
    if (exists() && m.port() == port()) {
      countServed(m.requests());
    }
    return Behaviors.same();
  }

  // ---------------------------------------------------------------- status

  private Behavior<WorkerCommand> onGetStatus(WorkerCommand.GetStatus m) {
    long pid = exists() ? pid() : 0;
    m.replyTo().tell(new WorkerStatus(
        spec.name(), instance, state, pid, pid == 0 && !exists() ? 0 : port(), restarts, since,
        startedAt, pid == 0 ? 0 : rss(), detail, null));
    return Behaviors.same();
  }
}
