package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The slots of cluster-placed apps this node hosts (app name to slot number to its app
 * supervisor), and those of them that went back to earlier settings than the cluster's (a revert
 * or a rollback): the next apply of the app deploys the cluster's settings to them again. Only the
 * bookkeeping: the node's {@link Supervisor} spawns and stops the slots' supervisors, and is the
 * only one to use it (single-threaded by construction).
 */
final class HostedSlots {
  private final Map<String, Map<Integer, ActorRef<AppSupervisor.Command>>> slots = new LinkedHashMap<>();
  private final Map<ActorRef<AppSupervisor.Command>, AppSpec> reverted = new HashMap<>();

  /** The supervisor of {@code app}'s slot, or null when it is not hosted here. */
  ActorRef<AppSupervisor.Command> get(String app, int slot) {
    Map<Integer, ActorRef<AppSupervisor.Command>> bySlot = slots.get(app);
    return bySlot == null ? null : bySlot.get(slot);
  }

  void put(String app, int slot, ActorRef<AppSupervisor.Command> supervisor) {
    slots.computeIfAbsent(app, k -> new TreeMap<>()).put(slot, supervisor);
  }

  /** Forgets a slot (and that it went back); returns its supervisor, or null when not hosted here. */
  ActorRef<AppSupervisor.Command> remove(String app, int slot) {
    Map<Integer, ActorRef<AppSupervisor.Command>> bySlot = slots.get(app);
    ActorRef<AppSupervisor.Command> supervisor = bySlot == null ? null : bySlot.remove(slot);
    if (supervisor == null) {
      return null;
    }
    if (bySlot.isEmpty()) {
      slots.remove(app);
    }
    reverted.remove(supervisor);
    return supervisor;
  }

  /** The numbers of {@code app}'s slots hosted here, {@code from} and above. */
  List<Integer> numbersFrom(String app, int from) {
    return slots.getOrDefault(app, Map.of()).keySet().stream().filter(i -> i >= from).toList();
  }

  /** The numbers of the slots hosted here, by app. */
  Map<String, List<Integer>> numbers() {
    Map<String, List<Integer>> numbers = new LinkedHashMap<>();
    slots.forEach((app, bySlot) -> numbers.put(app, new ArrayList<>(bySlot.keySet())));
    return numbers;
  }

  /** The supervisors of {@code app}'s slots hosted here. */
  Collection<ActorRef<AppSupervisor.Command>> of(String app) {
    return slots.getOrDefault(app, Map.of()).values();
  }

  /** The supervisors of every slot hosted here. */
  List<ActorRef<AppSupervisor.Command>> all() {
    return slots.values().stream().flatMap(bySlot -> bySlot.values().stream()).toList();
  }

  /** A read-only copy: app name to slot number to its supervisor. */
  Map<String, Map<Integer, ActorRef<AppSupervisor.Command>>> snapshot() {
    Map<String, Map<Integer, ActorRef<AppSupervisor.Command>>> copy = new LinkedHashMap<>();
    slots.forEach((app, bySlot) -> copy.put(app, Collections.unmodifiableMap(new TreeMap<>(bySlot))));
    return Collections.unmodifiableMap(copy);
  }

  /** A slot of {@code app} hosted here went back to {@code to}; false (ignored) for one not hosted here. */
  boolean wentBack(String app, ActorRef<AppSupervisor.Command> slot, AppSpec to) {
    if (slots.getOrDefault(app, Map.of()).containsValue(slot)) {
      reverted.put(slot, to);
      return true;
    }
    return false;
  }

  /** The slot is given {@code app}'s settings again. */
  void retargeted(ActorRef<AppSupervisor.Command> slot) {
    reverted.remove(slot);
  }

  /** Whether a slot of this cluster-placed app hosted here went back to other settings than {@code app}'s. */
  boolean hostsReverted(AppSpec app) {
    return app.clusterPlaced() && of(app.name()).stream()
        .anyMatch(slot -> reverted.containsKey(slot) && !reverted.get(slot).sameWorkers(app));
  }
}
