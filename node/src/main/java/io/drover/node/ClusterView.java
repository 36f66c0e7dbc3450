package io.drover.node;

import io.drover.supervisor.AppStatus;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.WorkerState;
import io.drover.supervisor.WorkerStatus;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.DroverSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * What {@code GET /cluster} answers on a clustered node: the members as {@link ClusterMembership}
 * sees them, each with the slots of cluster-placed apps it runs, and for each cluster-placed app
 * its slots declared, ready and unplaced. The slots come from each cluster-placed app's status,
 * which {@link ClusterApp} gathers from every slot wherever it runs. Nothing waits on a thread:
 * the answer is a {@link CompletionStage}, and an app whose status does not come within
 * {@link #STATUS} is marked unknown while the rest is answered.
 */
final class ClusterView {
  /** Time the supervisor has to list its apps and settings. */
  static final Duration QUERY = Duration.ofSeconds(2);

  /**
   * Time a cluster-placed app has to report its slots: longer than {@link ClusterApp}'s ask of
   * each slot (3 s), so that a slot on a node that does not answer shows as such and the app's
   * other slots are still shown.
   */
  static final Duration STATUS = Duration.ofSeconds(5);

  private ClusterView() {}

  /**
   * One cluster-placed app as gathered.
   *
   * @param declared its instance count in the node's settings
   * @param status its status, or null when it did not come
   * @param unknown why the status did not come, or null
   */
  record AppSlots(String app, int declared, AppStatus status, String unknown) {}

  /**
   * What was gathered: every cluster-placed app in declaration order, or none and why (the
   * supervisor itself did not answer).
   */
  record Gathered(List<AppSlots> apps, String unknown) {}

  /** {@code GET /cluster}: {@code members} (the membership part) with the slots added. */
  static Supplier<CompletionStage<Map<String, Object>>> of(
      ActorSystem<?> system, ActorRef<Supervisor.Command> supervisor, Supplier<Map<String, Object>> members) {
    return () -> gather(system.scheduler(), supervisor).thenApply(gathered -> body(members.get(), gathered));
  }

  /** Asks the supervisor for its apps and settings, then each cluster-placed app for its status. */
  static CompletionStage<Gathered> gather(Scheduler scheduler, ActorRef<Supervisor.Command> supervisor) {
    CompletionStage<Supervisor.Apps> apps = AskPattern.ask(supervisor, Supervisor.GetApps::new, QUERY, scheduler);
    CompletionStage<DroverSettings> settings = AskPattern.ask(supervisor, Supervisor.GetSettings::new, QUERY, scheduler);
    return apps.thenCombine(settings, (a, s) -> {
          List<CompletableFuture<AppSlots>> asks = new ArrayList<>();
          for (AppSpec spec : s.appList()) {
            if (spec.clusterPlaced()) {
              asks.add(status(scheduler, spec, a.apps().get(spec.name())));
            }
          }
          return asks;
        })
        .thenCompose(asks -> CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
            .thenApply(v -> new Gathered(asks.stream().map(CompletableFuture::join).toList(), null)))
        .exceptionally(e -> new Gathered(List.of(), "the supervisor " + failure(e, QUERY)));
  }

  private static CompletableFuture<AppSlots> status(Scheduler scheduler, AppSpec spec, ActorRef<AppSupervisor.Command> app) {
    if (app == null) {
      return CompletableFuture.completedFuture(new AppSlots(spec.name(), spec.instances(), null, "the app is not set up on this node yet"));
    }
    return AskPattern.<AppSupervisor.Command, AppStatus>ask(app, AppSupervisor.GetStatus::new, STATUS, scheduler)
        .handle((status, e) -> status != null
            ? new AppSlots(spec.name(), status.spec().instances(), status, null)
            : new AppSlots(spec.name(), spec.instances(), null, "the app " + failure(e, STATUS)))
        .toCompletableFuture();
  }

  /**
   * The answer: each member of {@code members} gets {@code "slots"} (app to the slots it runs,
   * from the workers' {@code node}); {@code "apps"} sums up each cluster-placed app; a worker
   * without a node is an unplaced slot, with its detail as the reason.
   */
  static Map<String, Object> body(Map<String, Object> members, Gathered gathered) {
    Map<String, Map<String, TreeSet<Integer>>> byNode = new LinkedHashMap<>();
    Map<String, Object> apps = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    int declared = 0;
    int ready = 0;
    for (AppSlots a : gathered.apps()) {
      Map<String, Object> app = new LinkedHashMap<>();
      app.put("known", a.status() != null);
      app.put("declared", a.declared());
      if (a.status() == null) {
        app.put("detail", a.unknown());
        apps.put(a.app(), app);
        unknown.add(a.app());
        continue;
      }
      int appReady = 0;
      int placed = 0;
      List<Integer> unplaced = new ArrayList<>();
      Map<String, String> why = new LinkedHashMap<>();
      for (WorkerStatus w : a.status().workers()) {
        if (w.node() == null) {
          unplaced.add(w.instance());
          why.put(Integer.toString(w.instance()), w.detail());
          continue;
        }
        placed++;
        appReady += w.state() == WorkerState.READY ? 1 : 0;
        byNode.computeIfAbsent(w.node(), n -> new LinkedHashMap<>())
            .computeIfAbsent(a.app(), n -> new TreeSet<>())
            .add(w.instance());
      }
      app.put("ready", appReady);
      app.put("placed", placed);
      app.put("unplaced", unplaced);
      app.put("why", why);
      app.put("state", a.status().state().label());
      app.put("detail", a.status().detail());
      apps.put(a.app(), app);
      declared += a.declared();
      ready += appReady;
    }

    Map<String, Object> body = new LinkedHashMap<>(members);
    List<Map<String, Object>> withSlots = new ArrayList<>();
    if (body.get("members") instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof Map<?, ?> m) {
          Map<String, Object> member = new LinkedHashMap<>();
          m.forEach((k, v) -> member.put(String.valueOf(k), v));
          Map<String, List<Integer>> slots = new LinkedHashMap<>();
          byNode.getOrDefault(String.valueOf(member.get("address")), Map.of())
              .forEach((app, instances) -> slots.put(app, List.copyOf(instances)));
          member.put("slots", slots);
          withSlots.add(member);
        }
      }
    }
    body.put("members", withSlots);
    body.put("apps", apps);
    body.put("slotsKnown", gathered.unknown() == null && unknown.isEmpty());

    StringBuilder detail = new StringBuilder(String.valueOf(members.getOrDefault("detail", withSlots.size() + " members")));
    if (gathered.unknown() != null) {
      detail.append("; slots unknown: ").append(gathered.unknown());
    } else {
      if (declared > 0) {
        detail.append(", ").append(ready).append(" of ").append(declared).append(" slots ready");
      }
      if (!unknown.isEmpty()) {
        detail.append("; slots of ").append(String.join(", ", unknown)).append(" unknown (no answer within ")
            .append(STATUS.toSeconds()).append("s)");
      }
    }
    body.put("detail", detail.toString());
    return body;
  }

  /** "did not answer within 5s", or how the ask failed otherwise. */
  private static String failure(Throwable e, Duration timeout) {
    Throwable root = Causes.root(e);
    if (root instanceof java.util.concurrent.TimeoutException) {
      return "did not answer within " + timeout.toSeconds() + "s";
    }
    return "could not be asked: " + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
