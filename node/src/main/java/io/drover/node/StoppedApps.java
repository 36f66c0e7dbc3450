package io.drover.node;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.ORSetKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * Which cluster-placed apps the cluster wants stopped: a stop or start of such an app, asked on
 * any node, is written here (a replicated set, to a majority) before the slots are told, so that
 * a slot that later moves (its node lost, a rebalance) starts on its new node as it was left,
 * stopped or running. Like the replicated config, it lives as long as one node of the cluster.
 */
final class StoppedApps {
  static final Key<ORSet<String>> KEY = ORSetKey.create("drover-stopped-apps");
  private static final Duration WRITE = Duration.ofSeconds(5);

  interface Command {}

  /** Marks {@code app} stopped or running; replies with whether a majority has it. */
  record Mark(String app, boolean stopped, ActorRef<Boolean> replyTo) implements Command {}

  private record Changed(Replicator.SubscribeResponse<ORSet<String>> change) implements Command {}

  private record Written(Replicator.UpdateResponse<ORSet<String>> response, ActorRef<Boolean> replyTo) implements Command {}

  /** @param onChange gets the stopped apps each time they change */
  static Behavior<Command> create(Consumer<Set<String>> onChange) {
    return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, ORSet<String>> replicator) -> {
          SelfUniqueAddress self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
          replicator.subscribe(KEY, Changed::new);
          return Behaviors.receive(Command.class)
              .onMessage(Mark.class, m -> {
                replicator.askUpdate(
                    r -> new Replicator.Update<>(KEY, ORSet.empty(), new Replicator.WriteMajority(WRITE), r,
                        set -> m.stopped() ? set.add(self, m.app()) : set.remove(self, m.app())),
                    rsp -> new Written(rsp, m.replyTo()));
                return Behaviors.same();
              })
              .onMessage(Written.class, m -> {
                m.replyTo().tell(m.response() instanceof Replicator.UpdateSuccess);
                return Behaviors.same();
              })
              .onMessage(Changed.class, m -> {
                if (m.change() instanceof Replicator.Changed<ORSet<String>> changed) {
                  onChange.accept(Set.copyOf(changed.get(KEY).getElements()));
                }
                return Behaviors.same();
              })
              .build();
        }));
  }
}
