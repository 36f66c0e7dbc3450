package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * What {@link Rollout} does to the slots of one {@link AppSupervisor}: spawns replacements in its
 * {@link WorkerTable}, stops the old workers (the supervisor then hears ReplacedStopped), swaps a
 * ready replacement into its slot, and moves the app to other settings on a revert or a rollback
 * (telling the app's parent). What the app shows (its detail, events, readiness) stays with the
 * supervisor ({@link AppCondition}). Called only from the supervisor's actor.
 */
final class RolloutSlots implements RolloutHost {
  private final ActorContext<AppSupervisor.Command> ctx;
  private final AppSupervisor app;
  private final WorkerTable table;
  /** The worker in each slot (the table's). */
  private final List<ActorRef<WorkerCommand>> workers;
  private final AppSettings settings;
  /** Hears when the app goes back to earlier settings; null: nobody. */
  private final ActorRef<AppSupervisor.Notice> parent;

  RolloutSlots(ActorContext<AppSupervisor.Command> ctx, AppSupervisor app, WorkerTable table, AppSettings settings,
      ActorRef<AppSupervisor.Notice> parent) {
    this.ctx = ctx;
    this.app = app;
    this.table = table;
    this.workers = table.workers;
    this.settings = settings;
    this.parent = parent;
  }

  @Override
  public AppSpec spec() {
    return settings.spec;
  }

  @Override
  public int slots() {
    return workers.size();
  }

  @Override
  public AppSpec slotSpec(int slot) {
    return table.specOf(slot);
  }

  @Override
  public String workerName(int slot) {
    return table.name(slot);
  }

  @Override
  public ActorRef<WorkerCommand> spawn(int slot, AppSpec spec) {
    WorkerStatus old = table.latest[slot];
    ActorRef<WorkerCommand> worker = table.spawn(slot, old == null ? 1 : old.restarts() + 1, table.replacementName(slot), spec);
    worker.tell(WorkerCommand.Start.INSTANCE);
    return worker;
  }

  @Override
  public void stopOld(int slot, ActorRef<WorkerCommand> replacement, String why) {
    ctx.ask(WorkerCommand.Stopped.class, workers.get(slot), settings.stopBudget(),
        r -> new WorkerCommand.Stop(r, why), (stopped, failure) -> new AppSupervisor.ReplacedStopped(slot, replacement));
  }

  @Override
  public void swap(int slot, ActorRef<WorkerCommand> replacement, WorkerStatus status, boolean recycled) {
    ActorRef<WorkerCommand> old = workers.set(slot, replacement);
    table.latest[slot] = status;
    table.recycles[slot] += recycled ? 1 : 0;
    table.attempts[slot] = 0;
    table.release(old);
    app.announceReady();
  }

  @Override
  public void retire(ActorRef<WorkerCommand> worker) {
    table.retire(worker, settings.stopBudget());
  }

  @Override
  public void retarget(AppSpec spec) {
    AppSpec from = settings.spec;
    settings.adopt(spec.withInstances(workers.size()));
    if (parent != null && !from.sameWorkers(settings.spec)) {
      parent.tell(new AppSupervisor.Retargeted(ctx.getSelf(), from, settings.spec));
    }
  }

  @Override
  public void recorded() {
    app.recorded();
  }

  @Override
  public void report(String what) {
    app.report(what);
  }
}
