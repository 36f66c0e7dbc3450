package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import org.apache.pekko.actor.typed.ActorRef;

/** What {@link Rollout} needs of the app supervisor whose slots it replaces. */
interface RolloutHost {
  /** The app's current settings (the deployment's target, while one runs). */
  AppSpec spec();

  /** How many slots the app has. */
  int slots();

  /** The settings the worker in {@code slot} runs. */
  AppSpec slotSpec(int slot);

  /** The worker's name, as in events: "web-0". */
  String workerName(int slot);

  /** Spawns and starts a replacement for {@code slot} running {@code spec}. */
  ActorRef<WorkerCommand> spawn(int slot, AppSpec spec);

  /** Drains and stops the worker in {@code slot}; then {@link AppSupervisor} hears ReplacedStopped. */
  void stopOld(int slot, ActorRef<WorkerCommand> replacement, String why);

  /** The old worker of {@code slot} was stopped and its replacement is ready: it takes the slot. */
  void swap(int slot, ActorRef<WorkerCommand> replacement, WorkerStatus status, boolean recycled);

  /** Stops a worker that is in no slot. */
  void retire(ActorRef<WorkerCommand> worker);

  /** The app's settings become {@code spec} (a revert or a rollback). */
  void retarget(AppSpec spec);

  /** A deployment started or ended: what the node's desired state keeps of the app changed. */
  void recorded();

  /** Tells what happened: the app's detail and an event. */
  void report(String what);
}
