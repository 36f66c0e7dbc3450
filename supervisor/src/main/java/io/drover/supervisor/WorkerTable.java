package io.drover.supervisor;

import io.drover.supervisor.config.ActorSpec;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.WorkerKind;
import io.drover.supervisor.process.ProcFs;
import io.drover.supervisor.process.RunRecords;
import io.drover.supervisor.process.WorkerLogs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The worker slots of one {@link AppSupervisor}: the worker actor in each slot, the settings each
 * worker runs (in a slot or replacing one), each slot's latest status, backoff attempts and
 * recycles; spawning a worker, and retiring one that left its slot. Called only from the
 * supervisor's actor.
 */
final class WorkerTable {
  /** How long a stopped worker's actor stays to refuse what was still sent to it. */
  private static final Duration RELEASE_AFTER = Duration.ofSeconds(5);

  private final ActorContext<AppSupervisor.Command> ctx;
  private final String app;
  /** The instance number of the first worker: 0, or the slot a cluster-placed slot runs. */
  private final int base;
  private final RunRecords records;
  private final Drainer drainer;
  private WorkerLogs logs;
  /** The class loader and thread pool of each actor settings the workers run (new settings get new ones). */
  private final Map<ActorSpec, ActorRuntime> runtimes = new HashMap<>();
  /** The worker in each slot. */
  final List<ActorRef<WorkerCommand>> workers = new ArrayList<>();
  private final Map<ActorRef<WorkerCommand>, AppSpec> specs = new HashMap<>();
  WorkerStatus[] latest;
  int[] attempts;
  int[] recycles;
  private int replacements;

  WorkerTable(ActorContext<AppSupervisor.Command> ctx, String app, int base, int slots, WorkerLogs logs,
      RunRecords records, Drainer drainer) {
    this.ctx = ctx;
    this.app = app;
    this.base = base;
    this.logs = logs;
    this.records = records;
    this.drainer = drainer;
    this.latest = new WorkerStatus[slots];
    this.attempts = new int[slots];
    this.recycles = new int[slots];
  }

  int base() {
    return base;
  }

  void logs(WorkerLogs logs) {
    this.logs = logs;
  }

  /** The worker's name: app and instance number, as in events and logs. */
  String name(int index) {
    return app + "-" + (base + index);
  }

  /** A name for a replacement's actor (unique: the worker it replaces may still be stopping). */
  String replacementName(int index) {
    return name(index) + "." + (++replacements);
  }

  ActorRef<WorkerCommand> spawn(int index, int restarts, String actorName, AppSpec settings) {
    WorkerSetup setup = new WorkerSetup(settings, base + index, restarts, ctx.getSelf(), logs, records, drainer);
    ActorRef<WorkerCommand> worker = settings.kind() == WorkerKind.ACTOR
        ? ctx.spawn(ActorWorker.create(setup, runtimes.computeIfAbsent(settings.actor(), a -> new ActorRuntime(settings.name(), a))), actorName)
        : ctx.spawn(ProcessWorker.create(setup), actorName);
    specs.put(worker, settings);
    return worker;
  }

  /** The settings the worker in {@code slot} runs. */
  AppSpec specOf(int slot) {
    return specs.get(workers.get(slot));
  }

  /**
   * The app has {@code n} slots from now on: new slots get new workers running {@code settings}
   * (started when {@code start}), and the highest-numbered workers beyond {@code n} are retired.
   */
  void scale(int n, AppSpec settings, boolean start, Duration stopBudget) {
    int current = workers.size();
    latest = Arrays.copyOf(latest, n);
    attempts = Arrays.copyOf(attempts, n);
    recycles = Arrays.copyOf(recycles, n);
    for (int i = current; i < n; i++) {
      ActorRef<WorkerCommand> w = spawn(i, 0, replacementName(i), settings);
      workers.add(w);
      if (start) {
        w.tell(WorkerCommand.Start.INSTANCE);
      }
    }
    for (int i = current - 1; i >= n; i--) {
      retire(workers.remove(i), stopBudget); // drained at the front, then stopped
    }
  }

  /** Stops a worker that is no longer in a slot, then (later) its actor. */
  void retire(ActorRef<WorkerCommand> worker, Duration stopBudget) {
    ctx.ask(WorkerCommand.Stopped.class, worker, stopBudget, WorkerCommand.Stop::new,
        (stopped, failure) -> new AppSupervisor.Retired(worker));
  }

  /** The worker of {@code slot} is retired for a new one (not started) running {@code settings}. */
  void respawn(int slot, AppSpec settings, Duration stopBudget) {
    retire(workers.get(slot), stopBudget);
    workers.set(slot, spawn(slot, 0, replacementName(slot), settings));
  }

  /**
   * Ends a stopped worker's actor, a little later: a front that had not yet heard it left
   * rotation may still send it a request, which a stopped worker refuses (and the front tries
   * another) while a gone one would leave unanswered.
   */
  void release(ActorRef<WorkerCommand> worker) {
    ctx.scheduleOnce(RELEASE_AFTER, ctx.getSelf(), new AppSupervisor.Release(worker));
  }

  /** The released worker's actor ends. */
  void forget(ActorRef<WorkerCommand> worker) {
    specs.remove(worker);
    ctx.stop(worker);
  }

  int ready() {
    int ready = 0;
    for (WorkerStatus s : latest) {
      ready += s != null && s.state() == WorkerState.READY ? 1 : 0;
    }
    return ready;
  }

  boolean allReady() {
    return ready() == latest.length;
  }

  /** Each slot's status, with its process tree's memory and CPU read now. */
  List<WorkerStatus> statuses() {
    List<WorkerStatus> statuses = new ArrayList<>();
    for (int i = 0; i < latest.length; i++) {
      WorkerStatus s = latest[i];
      if (s != null) {
        ProcFs.TreeUsage use = s.pid() == 0 ? null : ProcFs.treeUsage(s.pid());
        statuses.add(new WorkerStatus(s.app(), s.instance(), s.state(), s.pid(), s.port(), s.restarts(), s.since(),
            s.startedAt(), use == null ? 0 : use.rssBytes(), s.detail(), null, recycles[i],
            use == null ? null : use.cpuSeconds(), use == null ? null : use.cpuPercent()));
      }
    }
    return statuses;
  }

  /** The app is gone: the actor workers' threads end, their classes unload. */
  void close() {
    runtimes.values().forEach(ActorRuntime::close);
  }
}
