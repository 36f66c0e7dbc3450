package io.drover.node;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import java.util.HashSet;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * Which cluster-placed apps the cluster wants stopped: a stop or start of such an app, asked on
 * any node, is written here (app to stopped, last writer wins, to a majority) before the slots
 * are told, so that a slot that later moves (its node lost, a rebalance) starts on its new node
 * as it was left, stopped or running; a slot reads it from a majority before it starts. Like the
 * replicated config, it lives as long as one node of the cluster.
 */
final class StoppedApps {
  static final Key<LWWMap<String, Boolean>> KEY = LWWMapKey.create("drover-stopped-apps");
  private static final Duration WRITE = Duration.ofSeconds(5);
  private static final Duration READ = Duration.ofSeconds(2);

  interface Command {}

  /** Marks {@code app} stopped or running; replies with whether a majority has it. */
  record Mark(String app, boolean stopped, ActorRef<Boolean> replyTo) implements Command {}

  /** Replies with the stopped apps as a majority of the nodes has them (this node's copy if they do not answer). */
  record Read(ActorRef<Set<String>> replyTo) implements Command {}

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, Boolean>> change) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, Boolean>> response, ActorRef<Boolean> replyTo) implements Command {}

  private record Got(Replicator.GetResponse<LWWMap<String, Boolean>> response, ActorRef<Set<String>> replyTo) implements Command {}

  /** @param onChange gets the stopped apps each time they change */
  static Behavior<Command> create(Consumer<Set<String>> onChange) {
    return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWMap<String, Boolean>> replicator) -> {
          SelfUniqueAddress self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
          replicator.subscribe(KEY, Changed::new);
          Set<String>[] local = new Set[] {Set.of()};
          return Behaviors.receive(Command.class)
              .onMessage(Mark.class, m -> {
                replicator.askUpdate(
                    r -> new Replicator.Update<>(KEY, LWWMap.create(), new Replicator.WriteMajority(WRITE), r,
                        map -> map.put(self, m.app(), m.stopped())),
                    rsp -> new Written(rsp, m.replyTo()));
                return Behaviors.same();
              })
              .onMessage(Read.class, m -> {
                replicator.askGet(r -> new Replicator.Get<>(KEY, new Replicator.ReadMajority(READ), r), rsp -> new Got(rsp, m.replyTo()));
                return Behaviors.same();
              })
              .onMessage(Got.class, m -> {
                if (m.response() instanceof Replicator.GetSuccess<LWWMap<String, Boolean>> got) {
                  m.replyTo().tell(stopped(got.get(KEY)));
                } else {
                  m.replyTo().tell(local[0]); // none written yet, or no majority answered in time
                }
                return Behaviors.same();
              })
              .onMessage(Written.class, m -> {
                m.replyTo().tell(m.response() instanceof Replicator.UpdateSuccess);
                return Behaviors.same();
              })
              .onMessage(Changed.class, m -> {
                if (m.change() instanceof Replicator.Changed<LWWMap<String, Boolean>> changed) {
                  local[0] = stopped(changed.get(KEY));
                  onChange.accept(local[0]);
                }
                return Behaviors.same();
              })
              .build();
        }));
  }

  private static Set<String> stopped(LWWMap<String, Boolean> map) {
    Set<String> apps = new HashSet<>();
    map.getEntries().forEach((app, isStopped) -> {
      if (isStopped) {
        apps.add(app);
      }
    });
    return Set.copyOf(apps);
  }
}
