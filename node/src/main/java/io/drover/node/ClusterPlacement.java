package io.drover.node;

import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.ClusterApps;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.DroverSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.pattern.Patterns;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Places the slots of {@code placement = cluster} apps with Cluster Sharding: one entity type per
 * app ({@code drover-slot-<app>}, limited to nodes with the app's {@code placement-role}), one
 * entity and one shard per slot ({@code app#i}), so the coordinator spreads the slots evenly
 * over the nodes and moves a lost node's slots to the survivors. A keeper on every node sends
 * each slot that runs nowhere a {@link Slot.Keep}, which starts it.
 */
final class ClusterPlacement implements ClusterApps {
  static final Duration KEEP_EVERY = Duration.ofSeconds(1);

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final Map<String, EntityTypeKey<Slot.Command>> types = new ConcurrentHashMap<>();
  private final ClusterApp.Scaler scaler;
  private final Consumer<ReplicatedConfig.WentBack> wentBack;
  private volatile ActorRef<Supervisor.Command> supervisor;
  /** The cluster-placed apps the cluster wants stopped ({@link StoppedApps}), as this node's replica has them. */
  private volatile Set<String> stopped = Set.of();
  private volatile ActorRef<StoppedApps.Command> stoppedApps;

  /** @param wentBack hears when a slot hosted here went back to earlier settings (the replicated config follows) */
  ClusterPlacement(ActorSystem<?> system, ClusterApp.Scaler scaler, Consumer<ReplicatedConfig.WentBack> wentBack) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.scaler = scaler;
    this.wentBack = wentBack;
  }

  @Override
  public void wentBack(String app, AppSpec from, AppSpec to) {
    wentBack.accept(new ReplicatedConfig.WentBack(app, from, to));
  }

  @Override
  public Behavior<AppSupervisor.Command> app(AppSpec spec, ActorRef<Supervisor.Command> supervisor) {
    this.supervisor = supervisor;
    typeOf(spec);
    return ClusterApp.create(spec.name(), this, supervisor, scaler);
  }

  /** The entity type of the app's slots, set up on first use (a node without the role runs a proxy). */
  EntityTypeKey<Slot.Command> typeOf(AppSpec spec) {
    return types.computeIfAbsent(spec.name(), name -> {
      EntityTypeKey<Slot.Command> key = EntityTypeKey.create(Slot.Command.class, "drover-slot-" + name);
      Entity<Slot.Command, ShardingEnvelope<Slot.Command>> entity =
          Entity.of(key, ctx -> Slot.create(name, slotOf(ctx.getEntityId()), supervisor, this::isStopped))
              .withStopMessage(Slot.Handoff.INSTANCE)
              .withMessageExtractor(new OneShardPerSlot());
      if (!spec.placementRole().isEmpty()) {
        entity = entity.withRole(spec.placementRole());
      }
      sharding.init(entity);
      return key;
    });
  }

  /** Follows the apps the cluster wants stopped; spawned once by the node. */
  Behavior<StoppedApps.Command> stoppedApps() {
    return Behaviors.setup(ctx -> {
      stoppedApps = ctx.getSelf();
      return StoppedApps.create(apps -> stopped = apps);
    });
  }

  /** Whether the cluster wants {@code app} stopped, as a majority has it (this node's copy if that cannot be read). */
  CompletionStage<Boolean> isStopped(String app) {
    ActorRef<StoppedApps.Command> replica = stoppedApps;
    if (replica == null) {
      return CompletableFuture.completedFuture(stopped.contains(app)); // not started yet: nothing was stopped here
    }
    return AskPattern.<StoppedApps.Command, Set<String>>ask(replica, StoppedApps.Read::new, Duration.ofSeconds(3), system.scheduler())
        .handle((apps, e) -> (apps != null ? apps : stopped).contains(app));
  }

  /** Records in the cluster's desired state that {@code app} is stopped (or runs); completes when a majority has it. */
  CompletionStage<Boolean> markStopped(String app, boolean isStopped) {
    return AskPattern.<StoppedApps.Command, Boolean>ask(stoppedApps, r -> new StoppedApps.Mark(app, isStopped, r),
        Duration.ofSeconds(10), system.scheduler());
  }

  EntityRef<Slot.Command> slot(String app, int slot) {
    EntityTypeKey<Slot.Command> key = types.get(app);
    if (key == null) {
      throw new IllegalStateException("no slots of app " + app + " on this node");
    }
    return sharding.entityRefFor(key, app + "#" + slot);
  }

  /**
   * Moves every slot placed here to other nodes: each region hands its shards off (the slot's
   * worker drained and stopped first) and stops; completes when all have, or after the handoff
   * timeout.
   */
  CompletionStage<Done> handOff() {
    org.apache.pekko.cluster.sharding.ClusterSharding classic =
        org.apache.pekko.cluster.sharding.ClusterSharding.get(Adapter.toClassic(system));
    // as long as sharding lets a shard's entities take to stop (drover-cluster.conf)
    Duration handoff = system.settings().config().getDuration("pekko.cluster.sharding.handoff-timeout");
    List<CompletableFuture<Boolean>> stops = new ArrayList<>();
    for (EntityTypeKey<Slot.Command> key : types.values()) {
      org.apache.pekko.actor.ActorRef region = classic.shardRegion(key.name());
      stops.add(Patterns.gracefulStop(region, handoff, ShardRegion.gracefulShutdownInstance())
          .toCompletableFuture().exceptionally(e -> false));
    }
    return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance());
  }

  /** The slot a running entity (listed under {@link #placedKey}) stands for: its name is its entity id, URL-encoded. */
  static int slotOf(ActorRef<Slot.Command> entity) {
    return slotOf(URLDecoder.decode(entity.path().name(), StandardCharsets.UTF_8));
  }

  static int slotOf(String entityId) {
    return Integer.parseInt(entityId.substring(entityId.lastIndexOf('#') + 1));
  }

  /** The receptionist key every running slot entity of {@code app} is listed under. */
  static ServiceKey<Slot.Command> placedKey(String app) {
    return ServiceKey.create(Slot.Command.class, "drover-slot-" + app);
  }

  /**
   * Every second, each slot of a cluster-placed app in this node's settings that no node lists
   * as placed (its entity is not running anywhere: never started, its node lost, handed off, or
   * scaled up) gets a {@link Slot.Keep}, which starts it. Running slots get nothing: a message
   * to a shard that is being handed off would be dropped, and the traffic would grow with
   * nodes times slots.
   */
  Behavior<Keeper> keeper(ActorRef<Supervisor.Command> supervisor) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Keeper.TICK, KEEP_EVERY);
      ActorRef<DroverSettings> settingsAdapter = ctx.messageAdapter(DroverSettings.class, Keeper.Settings::new);
      ActorRef<Receptionist.Listing> listingAdapter = ctx.messageAdapter(Receptionist.Listing.class, Keeper.Placed::new);
      Map<String, Set<Integer>> placed = new HashMap<>(); // app -> running slots (null until the first listing)
      return Behaviors.receive(Keeper.class)
          .onMessageEquals(Keeper.TICK, () -> {
            // a stopping node starts nothing: its region would hold the message, and its stop wait for it
            if (CoordinatedShutdown.get(ctx.getSystem()).getShutdownReason().isEmpty()) {
              supervisor.tell(new Supervisor.GetSettings(settingsAdapter));
            }
            return Behaviors.same();
          })
          .onMessage(Keeper.Placed.class, m -> {
            String app = m.listing().getKey().id().substring("drover-slot-".length());
            Set<Integer> slots = new HashSet<>();
            for (ActorRef<Slot.Command> entity : m.listing().getServiceInstances(placedKey(app))) {
              slots.add(slotOf(entity));
            }
            placed.put(app, slots);
            return Behaviors.same();
          })
          .onMessage(Keeper.Settings.class, m -> {
            for (AppSpec app : m.settings().appList()) {
              if (app.clusterPlaced() && types.containsKey(app.name())) {
                if (!placed.containsKey(app.name())) {
                  ctx.getSystem().receptionist().tell(Receptionist.subscribe(placedKey(app.name()), listingAdapter));
                  placed.put(app.name(), null);
                }
                Set<Integer> running = placed.get(app.name());
                if (running == null) {
                  continue; // nothing is kept before the first listing: every slot may run already
                }
                for (int i = 0; i < app.instances(); i++) {
                  if (!running.contains(i)) {
                    slot(app.name(), i).tell(new Slot.Keep());
                  }
                }
              }
            }
            return Behaviors.same();
          })
          .build();
    }));
  }

  /** The keeper's messages. */
  interface Keeper {
    Keeper TICK = new Keeper() {};

    record Settings(DroverSettings settings) implements Keeper {}

    /** The slots of one app whose entities run, on any node. */
    record Placed(Receptionist.Listing listing) implements Keeper {}
  }

  /** Each slot is a shard of its own: the coordinator balances shards, so slots spread evenly. */
  private static final class OneShardPerSlot
      extends ShardingMessageExtractor<ShardingEnvelope<Slot.Command>, Slot.Command> {
    @Override
    public String entityId(ShardingEnvelope<Slot.Command> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public Slot.Command unwrapMessage(ShardingEnvelope<Slot.Command> envelope) {
      return envelope.message();
    }
  }
}
