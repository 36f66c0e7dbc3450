package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.ProbeSpec;
import io.drover.supervisor.config.ProbeType;
import io.drover.supervisor.config.Signal;
import io.drover.supervisor.process.ProcFs;
import io.drover.supervisor.process.ProcessLauncher;
import io.drover.supervisor.process.ProcessLauncher.Spawned;
import io.drover.supervisor.process.Ports;
import io.drover.supervisor.process.Probes;
import io.drover.supervisor.process.WorkerLogs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Owns one OS process of an app, one after another: spawns it, probes it until ready, watches
 * it while it runs, stops it on request, and reports every exit to its {@link AppSupervisor},
 * which decides about restarts. It registers with the receptionist only while ready.
 */
public final class ProcessWorker {

  private enum RemoteDone implements WorkerCommand {
    INSTANCE
  }

  private record SpawnDone(long generation, Spawned spawned, Throwable failure)
      implements WorkerCommand {}

  private record Exited(long generation, int status) implements WorkerCommand {}

  private record ProbeTick(long generation) implements WorkerCommand {}

  private record ProbeDone(long generation, String failure) implements WorkerCommand {}

  private record ReadinessTimeout(long generation) implements WorkerCommand {}

  private record LivenessTick(long generation) implements WorkerCommand {}

  private record LivenessDone(long generation, String failure) implements WorkerCommand {}

  private record MemoryTick(long generation) implements WorkerCommand {}

  private record KillTimeout(long generation) implements WorkerCommand {}

  private record Drained(long generation) implements WorkerCommand {}

  private enum BackoffOver implements WorkerCommand {
    INSTANCE
  }

  private enum Timer {
    BACKOFF,
    PROBE,
    READINESS_TIMEOUT,
    LIVENESS,
    MEMORY,
    KILL,
    REMOTE_DRAIN
  }

  private static final Duration REMOTE_DRAIN_POLL = Duration.ofMillis(50);

  public static Behavior<WorkerCommand> create(WorkerSetup setup) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new ProcessWorker(ctx, timers, setup).stopped()));
  }

  private final ActorContext<WorkerCommand> context;
  private final TimerScheduler<WorkerCommand> timers;
  private final AppSpec spec;
  private final int instance;
  private final String name;
  private final WorkerSetup setup;
  private final ProcessLauncher launcher = ProcessLauncher.get();
  private final WorkerPresence presence;

  private WorkerState state = WorkerState.STOPPED;
  private Instant since = Instant.now();
  private String detail = "not started";
  private long generation;
  private int restarts;
  private boolean spawnedBefore;
  private int port;
  private Spawned process;
  private Instant startedAt;
  private long startedNanos;
  private int livenessMisses;
  /** Set when Drover asked the running process to end: how the exit is then classified. */
  private ExitKind stopKind;
  private String stopReason;
  /** Stop and restart requests, and what follows an exit. */
  private final AfterExit afterExit = new AfterExit();
  /** Requests from other nodes' fronts being passed to the process; a drain waits for them too. */
  private int remoteInFlight;
  private long drainDeadline;

  private ProcessWorker(ActorContext<WorkerCommand> context, TimerScheduler<WorkerCommand> timers, WorkerSetup setup) {
    this.context = context;
    this.timers = timers;
    this.setup = setup;
    this.spec = setup.spec();
    this.instance = setup.instance();
    this.name = spec.name() + "-" + instance;
    this.presence = new WorkerPresence(context, setup);
    this.restarts = setup.restarts();
    this.spawnedBefore = setup.restarts() > 0;
  }

  // ---------------------------------------------------------------- states

  /** STOPPED or FAILED: no process. */
  private Behavior<WorkerCommand> stopped() {
    return common()
        .onMessage(WorkerCommand.Start.class, m -> spawn())
        .onMessage(WorkerCommand.StartAfter.class, m -> backoff(m.delay(), m.reason()))
        .onMessage(WorkerCommand.Restart.class, m -> backoff(m.delay(), m.reason()))
        .onMessage(WorkerCommand.Stop.class, this::onStopWhileIdle)
        .build();
  }

  private Behavior<WorkerCommand> backoff(Duration delay, String reason) {
    // FAILED/STOPPED -> BACKOFF
    transition(WorkerState.BACKOFF, "restart in " + Durations.human(delay) + ": " + reason);
    timers.startSingleTimer(Timer.BACKOFF, BackoffOver.INSTANCE, delay);
    return common()
        .onMessage(BackoffOver.class, m -> spawn())
        .onMessage(WorkerCommand.Start.class, m -> spawn())
        .onMessage(WorkerCommand.StartAfter.class, m -> backoff(m.delay(), m.reason()))
        .onMessage(WorkerCommand.Restart.class, m -> backoff(m.delay(), m.reason()))
        .onMessage(WorkerCommand.Stop.class, this::onStopWhileIdle)
        .build();
  }

  /** STARTING: spawning, then probing readiness until it passes or times out. */
  private Behavior<WorkerCommand> starting() {
    return withProcess()
        .onMessage(SpawnDone.class, this::onSpawnDone)
        .onMessage(ProbeTick.class, this::onProbeTick)
        .onMessage(ProbeDone.class, this::onProbeDone)
        .onMessage(ReadinessTimeout.class, this::onReadinessTimeout)
        .build();
  }

  /** READY: registered, watched by liveness and memory checks. */
  private Behavior<WorkerCommand> ready() {
    return withProcess()
        .onMessage(LivenessTick.class, this::onLivenessTick)
        .onMessage(LivenessDone.class, this::onLivenessDone)
        .onMessage(MemoryTick.class, this::onMemoryTick)
        .build();
  }

  /** DRAINING: out of rotation, then signalled; waiting for the process to exit. */
  private Behavior<WorkerCommand> draining() {
    return withProcess()
        .onMessage(KillTimeout.class, this::onKillTimeout)
        .onMessage(Drained.class, this::onDrained)
        .onMessage(SpawnDone.class, this::onSpawnDone)
        .build();
  }

  /** What every state with a (starting, running or ending) process handles alike. */
  private BehaviorBuilder<WorkerCommand> withProcess() {
    return common()
        .onMessage(Exited.class, this::onExited)
        .onMessage(WorkerCommand.Stop.class, this::onStop)
        .onMessage(WorkerCommand.Restart.class, this::onRestart)
        .onMessage(WorkerCommand.Start.class, this::onStartWhileRunning)
        .onMessage(WorkerCommand.StartAfter.class, m -> Behaviors.same());
  }

  private BehaviorBuilder<WorkerCommand> common() {
    return Behaviors.receive(WorkerCommand.class)
        .onMessage(WorkerCommand.GetStatus.class, this::onGetStatus)
        .onMessage(Remote.Serve.class, this::onServe)
        .onMessage(RemoteDone.class, m -> {
          remoteInFlight--;
          return Behaviors.same();
        })
        .onSignal(PostStop.class, this::onPostStop);
  }

  // ---------------------------------------------------------------- starting

  private Behavior<WorkerCommand> spawn() {
    timers.cancel(Timer.BACKOFF);
    generation++;
    if (spawnedBefore) {
      restarts++;
    }
    spawnedBefore = true;
    stopKind = null;
    stopReason = null;
    afterExit.clearRestart();
    livenessMisses = 0;
    process = null;
    startedAt = null;
    port = Ports.freeLoopbackPort();
    transition(WorkerState.STARTING, "spawning " + String.join(" ", spec.command()));
    long gen = generation;
    context.pipeToSelf(
        launcher.spawn(new ProcessLauncher.Request(spec.command(), spec.cwd(), environment())),
        (spawned, failure) -> new SpawnDone(gen, spawned, failure));
    return starting();
  }

  private Map<String, String> environment() {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putAll(spec.env());
    env.put("DROVER_APP", spec.name());
    env.put("DROVER_INSTANCE", Integer.toString(instance));
    env.put("PORT", Integer.toString(port));
    env.put(io.drover.supervisor.process.RunRecords.RUN_VARIABLE, setup.records().runId());
    return env;
  }

  private Behavior<WorkerCommand> onSpawnDone(SpawnDone m) {
    if (m.generation() != generation) {
      return Behaviors.same();
    }
    if (m.failure() != null) {
      Throwable cause = m.failure() instanceof CompletionException ? m.failure().getCause() : m.failure();
      context.getLog().warn("[{}] could not start: {}", name, cause.getMessage());
      return exited(ExitKind.FAILED_START, "could not start: " + cause.getMessage());
    }
    process = m.spawned();
    startedAt = Instant.now();
    startedNanos = System.nanoTime();
    setup.records().record(name, process.pid(), process.startTicks());
    setup.logs().attach(name, process.process());
    long gen = generation;
    process
        .process()
        .onExit()
        .whenComplete((p, e) -> context.getSelf().tell(new Exited(gen, p == null ? -1 : p.exitValue())));
    context.getLog().info("[{}] spawned pid {} on port {}", name, process.pid(), port);
    if (stopKind != null) { // asked to stop while spawning
      return terminate(stopKind, stopReason);
    }
    ProbeSpec readiness = spec.readiness();
    if (readiness.type() == ProbeType.NONE) {
      return becomeReady("spawned (readiness none)");
    }
    transition(WorkerState.STARTING, "pid " + process.pid() + ", waiting for " + describe(readiness));
    timers.startSingleTimer(Timer.READINESS_TIMEOUT, new ReadinessTimeout(gen), readiness.timeout());
    return onProbeTick(new ProbeTick(gen));
  }

  private Behavior<WorkerCommand> onProbeTick(ProbeTick m) {
    if (m.generation() == generation && process != null) {
      long gen = generation;
      context.pipeToSelf(
          probe(spec.readiness(), spec.readiness().interval()),
          (failure, e) -> new ProbeDone(gen, e != null ? e.toString() : failure));
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onProbeDone(ProbeDone m) {
    if (m.generation() != generation || stopKind != null) {
      return Behaviors.same();
    }
    if (m.failure() == null) {
      timers.cancel(Timer.READINESS_TIMEOUT);
      return becomeReady(describe(spec.readiness()) + " passed");
    }
    timers.startSingleTimer(Timer.PROBE, new ProbeTick(generation), spec.readiness().interval());
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onReadinessTimeout(ReadinessTimeout m) {
    if (m.generation() != generation) {
      return Behaviors.same();
    }
    // STARTING -> DRAINING: readiness fails closed
    String reason =
        "not ready within " + Durations.human(spec.readiness().timeout()) + " ("
            + describe(spec.readiness()) + ")";
    context.getLog().warn("[{}] {}", name, reason);
    return terminate(ExitKind.FAILED_START, reason);
  }

  private Behavior<WorkerCommand> becomeReady(String why) {
    timers.cancel(Timer.PROBE);
    presence.register();
    transition(WorkerState.READY, why);
    if (spec.liveness().enabled()) {
      timers.startSingleTimer(Timer.LIVENESS, new LivenessTick(generation), spec.liveness().interval());
    }
    if (spec.maxMemory().isPresent()) {
      timers.startTimerAtFixedRate(Timer.MEMORY, new MemoryTick(generation), spec.memoryCheckInterval());
    }
    return ready();
  }

  // ---------------------------------------------------------------- ready

  private Behavior<WorkerCommand> onLivenessTick(LivenessTick m) {
    if (m.generation() == generation) {
      long gen = generation;
      context.pipeToSelf(
          probe(spec.liveness(), spec.liveness().timeout()),
          (failure, e) -> new LivenessDone(gen, e != null ? e.toString() : failure));
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onLivenessDone(LivenessDone m) {
    if (m.generation() != generation || stopKind != null) {
      return Behaviors.same();
    }
    livenessMisses = m.failure() == null ? 0 : livenessMisses + 1;
    if (livenessMisses >= spec.liveness().failures()) {
      String reason = "liveness failed " + livenessMisses + " times in a row: " + m.failure();
      context.getLog().warn("[{}] {}", name, reason);
      return terminate(ExitKind.UNHEALTHY, reason);
    }
    timers.startSingleTimer(Timer.LIVENESS, new LivenessTick(generation), spec.liveness().interval());
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onMemoryTick(MemoryTick m) {
    if (m.generation() != generation || process == null || stopKind != null) {
      return Behaviors.same();
    }
    long rss = ProcFs.treeRss(process.pid());
    long max = spec.maxMemory().getAsLong();
    if (rss > max) {
      String reason =
          "RSS " + Durations.bytes(rss) + " over max-memory " + Durations.bytes(max);
      context.getLog().warn("[{}] {}: restarting gracefully", name, reason);
      return terminate(ExitKind.MEMORY, reason);
    }
    return Behaviors.same();
  }

  // ---------------------------------------------------------------- stopping

  private Behavior<WorkerCommand> onStop(WorkerCommand.Stop m) {
    afterExit.stop(m.replyTo());
    if (stopKind != null && state == WorkerState.DRAINING) {
      return Behaviors.same();
    }
    return terminate(ExitKind.REQUESTED, "stop requested");
  }

  private Behavior<WorkerCommand> onRestart(WorkerCommand.Restart m) {
    if (!afterExit.restart(m.delay(), m.reason())) {
      return Behaviors.same(); // a stop request wins
    }
    if (stopKind != null && state == WorkerState.DRAINING) {
      return Behaviors.same();
    }
    return terminate(ExitKind.REQUESTED, m.reason());
  }

  /** A start after a stop was asked for: the stop completes (and is answered), then it starts. */
  private Behavior<WorkerCommand> onStartWhileRunning(WorkerCommand.Start m) {
    if (stopKind != null) {
      afterExit.startOnceStopped();
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onStopWhileIdle(WorkerCommand.Stop m) {
    timers.cancel(Timer.BACKOFF);
    if (state != WorkerState.STOPPED) {
      // FAILED/BACKOFF -> STOPPED: stop requested
      transition(WorkerState.STOPPED, "stop requested");
    }
    m.replyTo().tell(new WorkerCommand.Stopped(instance));
    return stopped();
  }

  /**
   * Takes the worker out of rotation, lets its in-flight requests finish (bounded by the drain
   * timeout), then asks its process tree to end with the configured signal; KILL follows after
   * the stop timeout. {@code kind} is how the exit will be classified.
   */
  private Behavior<WorkerCommand> terminate(ExitKind kind, String reason) {
    stopKind = kind;
    stopReason = reason;
    boolean wasRoutable = presence.deregister();
    timers.cancel(Timer.PROBE);
    timers.cancel(Timer.READINESS_TIMEOUT);
    timers.cancel(Timer.LIVENESS);
    timers.cancel(Timer.MEMORY);
    if (process == null) {
      // still spawning: SpawnDone will come back here with the process
      transition(WorkerState.DRAINING, reason);
      return draining();
    }
    transition(WorkerState.DRAINING, reason);
    drainDeadline = System.nanoTime() + spec.stop().drainTimeout().toNanos();
    if (wasRoutable && !spec.stop().drainTimeout().isZero()) {
      context.getLog().debug("[{}] draining port {} at the front", name, port);
      long gen = generation;
      context.pipeToSelf(
          setup.drainer().drain(context.getSelf(), port, spec.stop().drainTimeout()),
          (done, e) -> {
            if (e != null) {
              context.getLog().warn("[{}] drain failed, stopping now: {}", name, e.toString());
            }
            return new Drained(gen);
          });
      return draining();
    }
    return signalled();
  }

  private Behavior<WorkerCommand> onDrained(Drained m) {
    if (m.generation() == generation && remoteInFlight > 0 && System.nanoTime() < drainDeadline) {
      timers.startSingleTimer(Timer.REMOTE_DRAIN, m, REMOTE_DRAIN_POLL); // other nodes' requests finish too
      return Behaviors.same();
    }
    context.getLog().debug("[{}] drained", name);
    if (m.generation() == generation && process != null) {
      return signalled();
    }
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> signalled() {
    launcher.signal(spec.stop().signal(), process.pgid(), extraPids());
    timers.startSingleTimer(Timer.KILL, new KillTimeout(generation), spec.stop().timeout());
    return draining();
  }

  private Behavior<WorkerCommand> onKillTimeout(KillTimeout m) {
    if (m.generation() == generation && process != null) {
      context.getLog().warn(
          "[{}] pid {} still running {} after {}: sending KILL",
          name, process.pid(), Durations.human(spec.stop().timeout()), spec.stop().signal());
      launcher.signal(Signal.KILL, process.pgid(), extraPids());
    }
    return Behaviors.same();
  }

  /** The process and its descendants; with a group of its own, the group covers them. */
  private List<Long> extraPids() {
    List<Long> pids = new ArrayList<>(ProcFs.descendants(process.pid()));
    pids.add(process.pid());
    return pids;
  }

  // ---------------------------------------------------------------- exit

  private Behavior<WorkerCommand> onExited(Exited m) {
    if (m.generation() != generation) {
      return Behaviors.same();
    }
    timers.cancel(Timer.KILL);
    // Whatever the worker left in its group (grandchildren) dies with it.
    if (process.pgid() > 0) {
      launcher.killGroupRemains(process.pgid());
    }
    setup.records().forget(name);
    if (stopKind != null) {
      return exited(stopKind, stopReason + " (" + Durations.status(m.status()) + ")");
    }
    if (m.status() == 0) {
      return exited(ExitKind.NORMAL, Durations.status(0));
    }
    String when = state == WorkerState.STARTING ? " before ready" : "";
    context.getLog().warn("[{}] pid {} {}{}", name, process.pid(), Durations.status(m.status()), when);
    return exited(ExitKind.ABNORMAL, Durations.status(m.status()) + when);
  }

  /** The process is gone (or never came): classify, tell the parent, and follow any request. */
  private Behavior<WorkerCommand> exited(ExitKind kind, String reason) {
    deregister();
    timers.cancel(Timer.PROBE);
    timers.cancel(Timer.READINESS_TIMEOUT);
    timers.cancel(Timer.LIVENESS);
    timers.cancel(Timer.MEMORY);
    Duration uptime = startedAt == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - startedNanos);
    process = null;
    startedAt = null;
    stopKind = null;
    transition(kind.abnormal() ? WorkerState.FAILED : WorkerState.STOPPED, reason);
    AfterExit.Restart restart = afterExit.exited(context.getSelf(), setup, instance, kind, reason, uptime);
    return restart == null ? stopped() : backoff(restart.delay(), restart.reason());
  }

  private Behavior<WorkerCommand> onPostStop(PostStop signal) {
    if (process != null && process.process().isAlive()) {
      context.getLog().warn("[{}] actor stopped with pid {} running: killing it", name, process.pid());
      ProcFs.signal(Signal.KILL, process.pgid(), extraPids());
      setup.records().forget(name);
    }
    return Behaviors.same();
  }

  // ---------------------------------------------------------------- helpers

  private CompletionStage<String> probe(ProbeSpec probe, Duration timeout) {
    return probe.type() == ProbeType.HTTP
        ? Probes.http(port, probe.path(), timeout)
        : Probes.tcp(port, timeout);
  }

  private static String describe(ProbeSpec probe) {
    return probe.type() == ProbeType.HTTP ? "http GET " + probe.path() : probe.type().name().toLowerCase();
  }

  private void deregister() {
    presence.deregister();
  }

  private void transition(WorkerState to, String why) {
    state = to;
    detail = why;
    long pid = process == null ? 0 : process.pid();
    int shownPort = to == WorkerState.STOPPED || to == WorkerState.FAILED || to == WorkerState.BACKOFF ? 0 : port;
    since = presence.changed(to, pid, shownPort, restarts, why, startedAt).at();
  }

  /** A request from another node's front: passed to the process while it is ready, else refused. */
  private Behavior<WorkerCommand> onServe(Remote.Serve m) {
    if (state != WorkerState.READY || process == null) {
      m.replyTo().tell(Remote.Answer.failed(m.id(), WorkerFailure.REFUSED, "worker " + name + " is " + state.label()));
      return Behaviors.same();
    }
    remoteInFlight++;
    setup.drainer().forward(m, port, spec.route().requestTimeout()).whenComplete((answer, e) -> {
      m.replyTo().tell(answer != null ? answer : Remote.Answer.failed(m.id(), WorkerFailure.LOST, String.valueOf(e)));
      context.getSelf().tell(RemoteDone.INSTANCE);
    });
    return Behaviors.same();
  }

  private Behavior<WorkerCommand> onGetStatus(WorkerCommand.GetStatus m) {
    long pid = process == null ? 0 : process.pid();
    m.replyTo().tell(
        new WorkerStatus(
            spec.name(), instance, state, pid, process == null ? 0 : port, restarts, since,
            startedAt, pid == 0 ? 0 : ProcFs.treeRss(pid), detail, null));
    return Behaviors.same();
  }
}
