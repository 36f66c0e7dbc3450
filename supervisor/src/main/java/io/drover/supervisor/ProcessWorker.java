package io.drover.supervisor;

import io.drover.supervisor.config.ProbeSpec;
import io.drover.supervisor.config.ProbeType;
import io.drover.supervisor.config.Signal;
import io.drover.supervisor.process.NotifySocket;
import io.drover.supervisor.process.ProcFs;
import io.drover.supervisor.process.ProcessLauncher;
import io.drover.supervisor.process.ProcessLauncher.Spawned;
import io.drover.supervisor.process.PortToken;
import io.drover.supervisor.process.Ports;
import io.drover.supervisor.process.Probes;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Owns one OS process of an app, one after another: spawns it, probes it until ready (or hears
 * READY=1 over the sd_notify protocol), watches it while it runs, drains and signals it on
 * request. The lifecycle itself (states, requests, classification, restarts) is {@link
 * WorkerLifecycle}'s; the app supervisor decides about restarts.
 */
public final class ProcessWorker extends WorkerLifecycle {

  private enum RemoteDone implements WorkerCommand {
    INSTANCE
  }

  private record SpawnDone(long generation, Spawned spawned, Throwable failure) implements WorkerCommand {}

  /** @param stderr the last lines of its stderr, "" if none */
  private record Exited(long generation, int status, String stderr) implements WorkerCommand {}

  private record ProbeTick(long generation) implements WorkerCommand {}

  private record ProbeDone(long generation, String failure) implements WorkerCommand {}

  private record ReadinessTimeout(long generation) implements WorkerCommand {}

  private record LivenessTick(long generation) implements WorkerCommand {}

  private record LivenessDone(long generation, String failure) implements WorkerCommand {}

  private record WatchdogDue(long generation) implements WorkerCommand {}

  private record Notified(long generation, NotifySocket.Message message) implements WorkerCommand {}

  private record MemoryTick(long generation) implements WorkerCommand {}

  private record KillTimeout(long generation) implements WorkerCommand {}

  private record Drained(long generation) implements WorkerCommand {}

  private enum Timer {
    PROBE,
    READINESS_TIMEOUT,
    LIVENESS,
    MEMORY,
    KILL,
    REMOTE_DRAIN
  }

  private static final Duration REMOTE_DRAIN_POLL = Duration.ofMillis(50);

  public static Behavior<WorkerCommand> create(WorkerSetup setup) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new ProcessWorker(ctx, timers, setup).behavior()));
  }

  /** Spawning, output, signals: the OS side of the processes. */
  private final WorkerProcess os;
  private int port;
  private Spawned process;
  /** The process's NOTIFY_SOCKET and what it said there, when it uses sd_notify. */
  private final NotifyChannel notify;
  private int livenessMisses;
  /** Readiness probes missed since the spawn: the wait before the next one grows with them. */
  private int readinessMisses;
  /** Requests from other nodes' fronts being passed to the process; a drain waits for them too. */
  private int remoteInFlight;
  private long drainDeadline;

  private ProcessWorker(ActorContext<WorkerCommand> context, TimerScheduler<WorkerCommand> timers, WorkerSetup setup) {
    super(context, timers, setup);
    this.os = new WorkerProcess(setup, name);
    this.notify = new NotifyChannel(spec);
  }

  @Override
  protected BehaviorBuilder<WorkerCommand> handlers(WorkerState state, BehaviorBuilder<WorkerCommand> b) {
    b = b.onMessage(Remote.Serve.class, this::onServe)
        .onMessage(RemoteDone.class, m -> {
          remoteInFlight--;
          return Behaviors.same();
        });
    return switch (state) {
      case STARTING -> b
          .onMessage(SpawnDone.class, this::onSpawnDone)
          .onMessage(ProbeTick.class, this::onProbeTick)
          .onMessage(ProbeDone.class, this::onProbeDone)
          .onMessage(ReadinessTimeout.class, this::onReadinessTimeout)
          .onMessage(Notified.class, this::onNotified)
          .onMessage(Exited.class, this::onExited);
      case READY -> b
          .onMessage(LivenessTick.class, this::onLivenessTick)
          .onMessage(LivenessDone.class, this::onLivenessDone)
          .onMessage(WatchdogDue.class, this::onWatchdogDue)
          .onMessage(Notified.class, this::onNotified)
          .onMessage(MemoryTick.class, this::onMemoryTick)
          .onMessage(Exited.class, this::onExited);
      case DRAINING -> b
          .onMessage(SpawnDone.class, this::onSpawnDone)
          .onMessage(KillTimeout.class, this::onKillTimeout)
          .onMessage(Drained.class, this::onDrained)
          .onMessage(Exited.class, this::onExited);
      case STOPPED, FAILED, BACKOFF -> b;
    };
  }

  @Override
  protected boolean exists() {
    return process != null;
  }

  @Override
  protected long pid() {
    return process == null ? 0 : process.pid();
  }

  @Override
  protected int port() {
    return port;
  }

  @Override
  protected long rss() {
    return process == null ? 0 : ProcFs.treeRss(process.pid());
  }

  // ---------------------------------------------------------------- starting

  @Override
  protected String begin(long generation) {
    livenessMisses = 0;
    readinessMisses = 0;
    process = null;
    port = Ports.freeLoopbackPort();
    Map<String, String> env = os.environment(spec, instance, port);
    try {
      notify.open(env, m -> context.getSelf().tell(new Notified(generation, m)));
    } catch (IOException e) {
      context.getSelf().tell(new SpawnDone(generation, null, e));
      return "opening NOTIFY_SOCKET";
    }
    List<String> command = PortToken.substitute(spec.command(), port);
    CompletionStage<Spawned> spawn = os.spawn(new ProcessLauncher.Request(command, spec.cwd(), env));
    context.pipeToSelf(spawn, (spawned, failure) -> new SpawnDone(generation, spawned, failure));
    return "spawning " + String.join(" ", command);
  }

  private Behavior<WorkerCommand> onSpawnDone(SpawnDone m) {
    if (m.generation() != generation()) {
      return Behaviors.same();
    }
    if (m.failure() != null) {
      Throwable cause = m.failure() instanceof CompletionException ? m.failure().getCause() : m.failure();
      return ended(null, "could not start: " + cause.getMessage());
    }
    process = m.spawned();
    markStarted();
    long gen = generation();
    os.started(process).thenAccept(e -> context.getSelf().tell(new Exited(gen, e.status(), e.stderr())));
    context.getLog().info("[{}] spawned pid {} on port {}", name, process.pid(), port);
    if (ending()) { // asked to stop while spawning
      return endNow();
    }
    ProbeSpec readiness = spec.readiness();
    if (readiness.type() == ProbeType.NONE) {
      return ready("spawned (readiness none)");
    }
    if (readiness.type() == ProbeType.NOTIFY && notify.readyEarly()) {
      return becomeReady(notify.readyDetail());
    }
    timers.startSingleTimer(Timer.READINESS_TIMEOUT, new ReadinessTimeout(gen), readiness.timeout());
    Behavior<WorkerCommand> next = progress("pid " + process.pid() + ", waiting for " + Probes.describe(readiness));
    if (readiness.type() != ProbeType.NOTIFY) {
      onProbeTick(new ProbeTick(gen));
    }
    return next;
  }

  private Behavior<WorkerCommand> onProbeTick(ProbeTick m) {
    if (m.generation() == generation() && process != null) {
      long gen = generation();
      context.pipeToSelf(
          Probes.run(spec.readiness(), port, spec.readiness().interval()),
          (failure, e) -> new ProbeDone(gen, e != null ? e.toString() : failure));
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onProbeDone(ProbeDone m) {
    if (m.generation() != generation() || ending()) {
      return Behaviors.same();
    }
    if (m.failure() == null) {
      return becomeReady(Probes.describe(spec.readiness()) + " passed");
    }
    readinessMisses++;
    timers.startSingleTimer(Timer.PROBE, new ProbeTick(generation()), spec.readiness().readinessWait(readinessMisses));
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onReadinessTimeout(ReadinessTimeout m) {
    if (m.generation() != generation() || ending()) {
      return Behaviors.same();
    }
    // readiness fails closed
    String reason = "not ready within " + Durations.human(spec.readiness().timeout()) + " (" + Probes.describe(spec.readiness()) + ")";
    context.getLog().warn("[{}] {}", name, reason);
    return terminate(ExitKind.FAILED_START, reason);
  }

  private Behavior<WorkerCommand> becomeReady(String why) {
    timers.cancel(Timer.PROBE);
    timers.cancel(Timer.READINESS_TIMEOUT);
    return ready(why);
  }

  @Override
  protected void watch() {
    ProbeSpec liveness = spec.liveness();
    if (liveness.type() == ProbeType.NOTIFY) {
      timers.startSingleTimer(Timer.LIVENESS, new WatchdogDue(generation()), liveness.interval());
    } else if (liveness.enabled()) {
      timers.startSingleTimer(Timer.LIVENESS, new LivenessTick(generation()), liveness.interval());
    }
    if (spec.maxMemory().isPresent()) {
      timers.startTimerAtFixedRate(Timer.MEMORY, new MemoryTick(generation()), spec.memoryCheckInterval());
    }
  }

  // ---------------------------------------------------------------- sd_notify

  private Behavior<WorkerCommand> onNotified(Notified m) {
    if (m.generation() != generation() || ending()) {
      return Behaviors.same();
    }
    NotifySocket.Message message = m.message();
    if (process == null) { // spawned, but SpawnDone is still on its way
      notify.early(message);
      return Behaviors.same();
    }
    if ("trigger".equals(message.fields().get("WATCHDOG")) && state() == WorkerState.READY) {
      return unhealthy("the worker asked for a restart (WATCHDOG=trigger)");
    }
    if (message.watchdog() && state() == WorkerState.READY && spec.liveness().type() == ProbeType.NOTIFY) {
      timers.startSingleTimer(Timer.LIVENESS, new WatchdogDue(generation()), spec.liveness().interval());
    }
    if (message.ready() && state() == WorkerState.STARTING && spec.readiness().type() == ProbeType.NOTIFY) {
      notify.ready(message);
      return becomeReady(notify.readyDetail());
    }
    String status = notify.news(message);
    if (status != null) {
      return progress((state() == WorkerState.READY ? "ready: " : "pid " + process.pid() + ": ") + status);
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onWatchdogDue(WatchdogDue m) {
    if (m.generation() != generation() || ending()) {
      return Behaviors.same();
    }
    return unhealthy("no WATCHDOG=1 within " + Durations.human(spec.liveness().interval()));
  }

  // ---------------------------------------------------------------- ready

  private Behavior<WorkerCommand> onLivenessTick(LivenessTick m) {
    if (m.generation() == generation()) {
      long gen = generation();
      context.pipeToSelf(
          Probes.run(spec.liveness(), port, spec.liveness().timeout()),
          (failure, e) -> new LivenessDone(gen, e != null ? e.toString() : failure));
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onLivenessDone(LivenessDone m) {
    if (m.generation() != generation() || ending()) {
      return Behaviors.same();
    }
    livenessMisses = m.failure() == null ? 0 : livenessMisses + 1;
    if (livenessMisses >= spec.liveness().failures()) {
      return unhealthy("liveness failed " + livenessMisses + " times in a row: " + m.failure());
    }
    timers.startSingleTimer(Timer.LIVENESS, new LivenessTick(generation()), spec.liveness().interval());
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> unhealthy(String reason) {
    context.getLog().warn("[{}] {}", name, reason);
    return terminate(ExitKind.UNHEALTHY, reason);
  }

  private Behavior<WorkerCommand> onMemoryTick(MemoryTick m) {
    if (m.generation() != generation() || process == null || ending()) {
      return Behaviors.same();
    }
    long rss = ProcFs.treeRss(process.pid());
    long max = spec.maxMemory().getAsLong();
    if (rss > max) {
      String reason = "RSS " + Durations.bytes(rss) + " over max-memory " + Durations.bytes(max);
      context.getLog().warn("[{}] {}: restarting gracefully", name, reason);
      return terminate(ExitKind.MEMORY, reason);
    }
    return Behaviors.same();
  }

  // ---------------------------------------------------------------- ending

  /**
   * Lets its in-flight requests finish at the front (bounded by the drain timeout), then asks its
   * process tree to end with the configured signal; KILL follows after the stop timeout.
   */
  @Override
  protected Behavior<WorkerCommand> end(boolean wasRoutable) {
    cancelWatching();
    drainDeadline = System.nanoTime() + spec.stop().drainTimeout().toNanos();
    if (wasRoutable && !spec.stop().drainTimeout().isZero()) {
      context.getLog().debug("[{}] draining port {} at the front", name, port);
      long gen = generation();
      context.pipeToSelf(
          setup.drainer().drain(context.getSelf(), port, spec.stop().drainTimeout()),
          (done, e) -> {
            if (e != null) {
              context.getLog().warn("[{}] drain failed, stopping now: {}", name, e.toString());
            }
            return new Drained(gen);
          });
      return Behaviors.same();
    }
    return signalled();
  }

  private Behavior<WorkerCommand> onDrained(Drained m) {
    if (m.generation() == generation() && remoteInFlight > 0 && System.nanoTime() < drainDeadline) {
      timers.startSingleTimer(Timer.REMOTE_DRAIN, m, REMOTE_DRAIN_POLL); // other nodes' requests finish too
      return Behaviors.same();
    }
    return m.generation() == generation() && process != null ? signalled() : Behaviors.same();
  }

  private Behavior<WorkerCommand> signalled() {
    os.signal(spec.stop().signal(), process);
    timers.startSingleTimer(Timer.KILL, new KillTimeout(generation()), spec.stop().timeout());
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onKillTimeout(KillTimeout m) {
    if (m.generation() == generation() && process != null) {
      context.getLog().warn(
          "[{}] pid {} still running {} after {}: sending KILL",
          name, process.pid(), Durations.human(spec.stop().timeout()), spec.stop().signal());
      os.signal(Signal.KILL, process);
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onExited(Exited m) {
    if (m.generation() != generation() || process == null) {
      return Behaviors.same();
    }
    os.exited(process); // whatever it left in its group (grandchildren) dies with it
    // why it failed is often only in its stderr: said where the exit is seen
    boolean unasked = !ending() && m.status() != 0 && !m.stderr().isEmpty();
    return ended(m.status(), Durations.status(m.status()), unasked ? " (stderr: " + m.stderr() + ")" : "");
  }

  @Override
  protected void released() {
    cancelWatching();
    timers.cancel(Timer.KILL);
    notify.close();
    process = null;
  }

  private void cancelWatching() {
    timers.cancel(Timer.PROBE);
    timers.cancel(Timer.READINESS_TIMEOUT);
    timers.cancel(Timer.LIVENESS);
    timers.cancel(Timer.MEMORY);
  }

  @Override
  protected void postStop() {
    os.gone();
    notify.close();
    if (process != null && process.process().isAlive()) {
      context.getLog().warn("[{}] actor stopped with pid {} running: killing it", name, process.pid());
      os.kill(process);
    }
  }

  // ---------------------------------------------------------------- requests from other nodes

  /** A request from another node's front: passed to the process while it is ready, else refused. */
  private Behavior<WorkerCommand> onServe(Remote.Serve m) {
    if (state() != WorkerState.READY || process == null) {
      m.replyTo().tell(Remote.Answer.failed(m.id(), WorkerFailure.REFUSED, "worker " + name + " is " + state().label()));
      return Behaviors.same();
    }
    remoteInFlight++;
    countServed(1);
    setup.drainer().forward(m, port, spec.route().requestTimeout(), spec.route().protocol()).whenComplete((answer, e) -> {
      m.replyTo().tell(answer != null ? answer : Remote.Answer.failed(m.id(), WorkerFailure.LOST, String.valueOf(e)));
      context.getSelf().tell(RemoteDone.INSTANCE);
    });
    return Behaviors.same();
  }
}
