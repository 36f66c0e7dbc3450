package io.drover.supervisor.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One declared app: what to run, how many, how to tell it is ready and alive, how to restart and
 * stop it, and where its logs go.
 *
 * @param name the app's key under {@code drover.apps}
 * @param kind what kind of worker runs the app
 * @param command the program and its arguments, run without a shell
 * @param cwd the working directory of every worker process
 * @param env variables added to the node's inherited environment
 * @param instances how many workers run (after {@code cores} was resolved)
 * @param route which HTTP requests the app serves, if any
 * @param readiness how a starting worker is judged ready
 * @param liveness how a ready worker is judged alive
 * @param restart what happens when a worker exits
 * @param stop how a worker is stopped
 * @param maxMemory RSS limit in bytes for a worker's whole process tree, if any
 * @param memoryCheckInterval how often that RSS is sampled
 * @param logs rotation of the worker's stdout and stderr files
 * @param actor for {@code kind = actor}: the worker class and how it runs; null otherwise
 * @param placement every node runs {@code instances} workers, or the cluster runs that many in all
 * @param placementRole for {@code placement = cluster}: only nodes with this role host slots ("" any)
 * @param maxBody largest request body carried as a message (to an actor worker, or to a worker on
 *     another node), in bytes; larger bodies are answered 413
 * @param recycle when a worker is replaced before it ages
 * @param autoscale how the worker count follows the load, if it does
 * @param update how a change of settings rolls out (a deployment)
 */
public record AppSpec(
    String name,
    WorkerKind kind,
    List<String> command,
    Path cwd,
    Map<String, String> env,
    int instances,
    RouteSpec route,
    ProbeSpec readiness,
    ProbeSpec liveness,
    RestartSpec restart,
    StopSpec stop,
    OptionalLong maxMemory,
    Duration memoryCheckInterval,
    LogSpec logs,
    ActorSpec actor,
    Placement placement,
    String placementRole,
    long maxBody,
    RecycleSpec recycle,
    AutoscaleSpec autoscale,
    RolloutSpec update) {

  public AppSpec {
    command = List.copyOf(command);
    env = Map.copyOf(env);
  }

  /** A copy with another instance count (scaling). */
  public AppSpec withInstances(int n) {
    return new AppSpec(
        name, kind, command, cwd, env, n, route, readiness, liveness, restart, stop, maxMemory,
        memoryCheckInterval, logs, actor, placement, placementRole, maxBody, recycle, autoscale, update);
  }

  /** Whether {@code other} runs the same workers as this, whatever the count of each. */
  public boolean sameWorkers(AppSpec other) {
    return other != null && withInstances(1).equals(other.withInstances(1));
  }

  /** Whether the app's workers are spread over the cluster (one slot each) rather than per node. */
  public boolean clusterPlaced() {
    return placement == Placement.CLUSTER;
  }
}
