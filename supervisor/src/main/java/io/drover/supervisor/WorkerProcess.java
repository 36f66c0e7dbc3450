package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.Signal;
import io.drover.supervisor.process.OutputTail;
import io.drover.supervisor.process.ProcFs;
import io.drover.supervisor.process.ProcessLauncher;
import io.drover.supervisor.process.ProcessLauncher.Spawned;
import io.drover.supervisor.process.RunRecords;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The OS side of a {@link ProcessWorker}'s processes: the environment a process gets (the node's,
 * less what the launcher set for the node's JVM alone, plus the app's and Drover's variables), its
 * spawn (killed at once if the worker's actor has stopped meanwhile), its run record, its output
 * wired to the app's logs and its exit seen once the last of its stderr is in, and signals to its
 * group and descendants. The worker's states and timers stay in {@link ProcessWorker}.
 */
final class WorkerProcess {
  /** Names (comma separated) of variables of the node's environment that its workers do not get. */
  static final String NODE_ONLY_ENV = "DROVER_NODE_ONLY_ENV";
  /** How long an exit waits for the last of its stderr (a child may hold the pipe open). */
  private static final long STDERR_WAIT_MS = 300;

  /** How a process ended: its exit status (-1 if unknown) and the last lines of its stderr, "" if none. */
  record Ended(int status, String stderr) {}

  private final ProcessLauncher launcher = ProcessLauncher.get();
  private final WorkerSetup setup;
  /** {@code app-instance}, as logs and run records name the worker. */
  private final String name;
  /** The worker's actor has stopped: a process whose spawn completes now is killed, not left unowned. */
  private volatile boolean gone;

  WorkerProcess(WorkerSetup setup, String name) {
    this.setup = setup;
    this.name = name;
  }

  /** The environment of a process of {@code spec}'s worker {@code instance} listening on {@code port}. */
  Map<String, String> environment(AppSpec spec, int instance, int port) {
    Map<String, String> env = new HashMap<>(System.getenv());
    // what the launcher set for the node's JVM alone (MALLOC_ARENA_MAX), unless the app declares it
    for (String nodeOnly : env.getOrDefault(NODE_ONLY_ENV, "").split(",")) {
      env.remove(nodeOnly.strip());
    }
    env.remove(NODE_ONLY_ENV);
    env.putAll(spec.env());
    env.put("DROVER_APP", spec.name());
    env.put("DROVER_INSTANCE", Integer.toString(instance));
    env.put("PORT", Integer.toString(port));
    env.put(RunRecords.RUN_VARIABLE, setup.records().runId());
    env.remove("NOTIFY_SOCKET"); // the node's own (under systemd) is not the worker's
    env.remove("WATCHDOG_USEC");
    env.remove("WATCHDOG_PID");
    return env;
  }

  /** Spawns the request's command; a process whose spawn completes after the actor stopped is killed. */
  CompletionStage<Spawned> spawn(ProcessLauncher.Request request) {
    CompletionStage<Spawned> spawn = launcher.spawn(request);
    spawn.thenAccept(spawned -> {
      if (gone) { // stopped while spawning: nobody would own it
        ProcFs.signal(Signal.KILL, spawned.pgid(), List.of(spawned.pid()));
      }
    });
    return spawn;
  }

  /**
   * The process was spawned: it is recorded as this run's, its output goes to the app's logs.
   * Completes (never exceptionally) when it has exited and the last of its stderr is in, or
   * {@link #STDERR_WAIT_MS} after its exit at the latest.
   */
  CompletionStage<Ended> started(Spawned process) {
    setup.records().record(name, process.pid(), process.startTicks());
    OutputTail stderr = setup.logs().attach(name, process.process());
    return process.process().onExit()
        .thenCompose(p -> stderr.closed().completeOnTimeout(null, STDERR_WAIT_MS, TimeUnit.MILLISECONDS).thenApply(v -> p))
        .handle((p, e) -> new Ended(p == null ? -1 : p.exitValue(), stderr.lastLines(3)));
  }

  /** Sends {@code signal} to the process's group and descendants. */
  void signal(Signal signal, Spawned process) {
    launcher.signal(signal, process.pgid(), extraPids(process));
  }

  /** The process has exited: whatever it left in its group (grandchildren) dies with it. */
  void exited(Spawned process) {
    if (process.pgid() > 0) {
      launcher.killGroupRemains(process.pgid());
    }
    setup.records().forget(name);
  }

  /** The worker's actor stopped: a process whose spawn completes from now on is killed. */
  void gone() {
    gone = true;
  }

  /** Kills the process's group and descendants at once, and forgets its run record. */
  void kill(Spawned process) {
    ProcFs.signal(Signal.KILL, process.pgid(), extraPids(process));
    setup.records().forget(name);
  }

  /** The process and its descendants; with a group of its own, the group covers them. */
  private static List<Long> extraPids(Spawned process) {
    List<Long> pids = new ArrayList<>(ProcFs.recentDescendants(process.pid()));
    pids.add(process.pid());
    return pids;
  }
}
