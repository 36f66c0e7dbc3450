package io.drover.supervisor;

import io.drover.supervisor.Replacement.Kind;
import io.drover.supervisor.config.AppSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The replacements a {@link Rollout} has under way, at most one per slot: starting one (with its
 * healthy-deadline for a deployment's), ending one (its timers cancelled, its worker retired), and
 * what the slots look like around them. {@link Rollout} decides which and when.
 */
final class Replacements {
  private final RolloutHost host;
  private final TimerScheduler<AppSupervisor.Command> timers;
  private final Map<Integer, Replacement> active = new TreeMap<>();

  Replacements(RolloutHost host, TimerScheduler<AppSupervisor.Command> timers) {
    this.host = host;
    this.timers = timers;
  }

  /** Spawns a replacement for {@code slot} running {@code spec}. */
  void start(int slot, Kind kind, String why, boolean canary, AppSpec spec) {
    ActorRef<WorkerCommand> worker = host.spawn(slot, spec);
    active.put(slot, new Replacement(slot, kind, why, worker, canary));
    if (kind == Kind.DEPLOY) {
      timers.startSingleTimer(new Rollout.Deadline(worker), new Rollout.Deadline(worker), spec.update().healthyDeadline());
    }
  }

  /** Ends a replacement: its timers are cancelled and its worker is stopped. */
  void drop(Replacement r) {
    active.remove(r.slot);
    timers.cancel(new Rollout.Healthy(r.worker));
    timers.cancel(new Rollout.Deadline(r.worker));
    host.retire(r.worker);
  }

  /** Ends the replacements of {@code kind} (all when null) whose old worker is not stopping yet. */
  void dropAll(Kind kind) {
    for (Replacement r : List.copyOf(active.values())) {
      if ((kind == null || r.kind == kind) && (!r.stopping || kind == null)) {
        drop(r);
      }
    }
  }

  /** The replacement running {@code worker}, or null. */
  Replacement find(ActorRef<WorkerCommand> worker) {
    for (Replacement r : active.values()) {
      if (r.worker.equals(worker)) {
        return r;
      }
    }
    return null;
  }

  Replacement get(int slot) {
    return active.get(slot);
  }

  /** Takes the slot's replacement out (it took its slot). */
  void remove(int slot) {
    active.remove(slot);
  }

  boolean containsKey(int slot) {
    return active.containsKey(slot);
  }

  int size() {
    return active.size();
  }

  boolean isEmpty() {
    return active.isEmpty();
  }

  /** A copy: the caller may drop replacements while it walks them. */
  Collection<Replacement> values() {
    return List.copyOf(active.values());
  }

  /** Starts up to {@code n} canaries of {@code d} on the first slots of {@code stale}; returns how many started. */
  int startCanaries(Deployment d, List<Integer> stale, long n) {
    int started = (int) Math.max(0, Math.min(n, stale.size()));
    for (int slot : stale.subList(0, started)) {
      start(slot, Kind.DEPLOY, d.id, true, d.target());
    }
    return started;
  }

  long canaries() {
    return active.values().stream().filter(r -> r.canary).count();
  }

  long healthyCanaries() {
    return active.values().stream().filter(c -> c.canary && c.healthy).count();
  }

  /** Slots whose worker runs other settings than {@code target}, and no replacement yet. */
  List<Integer> staleSlots(AppSpec target) {
    List<Integer> stale = new ArrayList<>();
    for (int i = 0; i < host.slots(); i++) {
      if (!active.containsKey(i) && !host.slotSpec(i).sameWorkers(target)) {
        stale.add(i);
      }
    }
    return stale;
  }

  /** Each slot's progress towards {@code target}, for a deployment's status. */
  List<DeploymentStatus.Slot> slotsOf(AppSpec target) {
    List<DeploymentStatus.Slot> slots = new ArrayList<>();
    for (int i = 0; i < host.slots(); i++) {
      Replacement r = active.get(i);
      long pid = r == null || r.status == null ? 0 : r.status.pid();
      String phase = r != null && r.kind == Kind.DEPLOY ? r.phase() : host.slotSpec(i).sameWorkers(target) ? "done" : "pending";
      slots.add(new DeploymentStatus.Slot(i, phase, pid));
    }
    return slots;
  }
}
