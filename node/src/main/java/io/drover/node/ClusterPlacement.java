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
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.pattern.Patterns;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
 * every slot a {@link Slot.Keep} each second, which starts any slot no request has touched.
 */
final class ClusterPlacement implements ClusterApps {
  static final Duration KEEP_EVERY = Duration.ofSeconds(1);

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final Map<String, EntityTypeKey<Slot.Command>> types = new ConcurrentHashMap<>();
  private final ClusterApp.Scaler scaler;
  private volatile ActorRef<Supervisor.Command> supervisor;

  ClusterPlacement(ActorSystem<?> system, ClusterApp.Scaler scaler) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.scaler = scaler;
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
          Entity.of(key, ctx -> Slot.create(name, slotOf(ctx.getEntityId()), supervisor))
              .withStopMessage(Slot.Handoff.INSTANCE)
              .withMessageExtractor(new OneShardPerSlot());
      if (!spec.placementRole().isEmpty()) {
        entity = entity.withRole(spec.placementRole());
      }
      sharding.init(entity);
      return key;
    });
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

  static int slotOf(String entityId) {
    return Integer.parseInt(entityId.substring(entityId.lastIndexOf('#') + 1));
  }

  /** Every second: every slot of every cluster-placed app in this node's settings gets a Keep. */
  Behavior<Keeper> keeper(ActorRef<Supervisor.Command> supervisor) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Keeper.TICK, KEEP_EVERY);
      ActorRef<DroverSettings> settingsAdapter = ctx.messageAdapter(DroverSettings.class, Keeper.Settings::new);
      return Behaviors.receive(Keeper.class)
          .onMessageEquals(Keeper.TICK, () -> {
            supervisor.tell(new Supervisor.GetSettings(settingsAdapter));
            return Behaviors.same();
          })
          .onMessage(Keeper.Settings.class, m -> {
            for (AppSpec app : m.settings().appList()) {
              if (app.clusterPlaced() && types.containsKey(app.name())) {
                for (int i = 0; i < app.instances(); i++) {
                  slot(app.name(), i).tell(new Slot.Keep());
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
