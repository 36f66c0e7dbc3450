package io.drover.supervisor;

import io.drover.supervisor.Replacement.Kind;
import io.drover.supervisor.Replacement.Pending;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The rolling restarts and recycles of a {@link Rollout} that wait their turn, and who waits for
 * a restart to end. A deployment picks its own slots and is not queued here.
 */
final class RestartQueue {
  private static final String WHY = "replaced (rolling restart)";

  private final String app;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final List<ActorRef<AppSupervisor.RollingResult>> requesters = new ArrayList<>();
  /** A restart of every worker is under way (replaced max-parallel at a time). */
  private boolean all;
  private boolean one;

  RestartQueue(String app) {
    this.app = app;
  }

  /** A restart of all or one worker is under way. */
  boolean restarting() {
    return all || one;
  }

  /**
   * Queues every slot of {@code slots} not being replaced already; false when a restart of all
   * is under way already (the requester hears when it ends).
   */
  boolean restartAll(int slots, IntPredicate replacing, ActorRef<AppSupervisor.RollingResult> replyTo) {
    requesters.add(replyTo);
    if (all) {
      return false;
    }
    all = true;
    pending.removeIf(p -> p.kind() == Kind.RECYCLE); // a recycle queued already becomes part of the restart
    for (int i = 0; i < slots; i++) {
      if (!replacing.test(i)) {
        pending.add(new Pending(i, Kind.RESTART, WHY));
      }
    }
    return true;
  }

  /** Queues one slot; false when it is being replaced already (that is the restart asked for). */
  boolean restartOne(int slot, boolean replacing, ActorRef<AppSupervisor.RollingResult> replyTo) {
    one = true;
    requesters.add(replyTo);
    if (replacing) {
      return false;
    }
    pending.removeIf(p -> p.slot() == slot);
    pending.add(new Pending(slot, Kind.RESTART, WHY));
    return true;
  }

  boolean queued(int slot) {
    return pending.stream().anyMatch(p -> p.slot() == slot);
  }

  void recycle(int slot, String reason) {
    pending.add(new Pending(slot, Kind.RECYCLE, reason));
  }

  /** The slots from {@code n} on are gone (a scale-down). */
  void scaled(int n) {
    pending.removeIf(p -> p.slot() >= n);
  }

  /** Nothing queued starts any more. */
  void clear() {
    pending.clear();
  }

  /**
   * Starts what is queued while fewer replacements than allowed run in {@code active}: {@code
   * update.max-parallel} for a restart of every worker, else one at a time. A slot scaled away or
   * being replaced already is passed over. True when nothing is queued or being replaced any more.
   */
  boolean startNext(Replacements active, RolloutHost host) {
    int limit = all ? host.spec().update().maxParallel() : 1;
    while (active.size() < limit && !pending.isEmpty()) {
      Pending p = pending.poll();
      if (p.slot() < host.slots() && !active.containsKey(p.slot())) {
        active.start(p.slot(), p.kind(), p.why(), false, host.spec());
      }
    }
    return active.isEmpty() && pending.isEmpty();
  }

  /** A replacement failed, or the app stops: nothing queued starts, and the restart under way ends, failed. */
  void abort(String why, Consumer<String> report) {
    pending.clear();
    finish(false, "rolling restart aborted, old workers kept: " + why, report);
  }

  /**
   * The restart ended: its requesters hear how; {@code report} hears it too when it failed or
   * was a restart of every worker. Nothing happens when no restart was under way.
   */
  void finish(boolean completed, String detail, Consumer<String> report) {
    if (!all && !one && requesters.isEmpty()) {
      return;
    }
    if (!completed || all) {
      report.accept(detail);
    }
    all = false;
    one = false;
    AppSupervisor.RollingResult result = new AppSupervisor.RollingResult(app, completed, detail);
    requesters.forEach(r -> r.tell(result));
    requesters.clear();
  }
}
