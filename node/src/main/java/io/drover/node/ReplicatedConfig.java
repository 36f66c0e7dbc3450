package io.drover.node;

import io.drover.http.management.ConfigApplier;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.AppSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.LWWRegisterKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * The cluster's desired state: the last config applied on any node, replicated to every node
 * with Pekko Distributed Data (a last-writer-wins register, written to a majority). Each node
 * applies every new write to itself (the same text written again too), so an apply on one node
 * reaches all, and a node that restarts converges on the cluster's current config instead of its
 * stale file.
 */
final class ReplicatedConfig {
  static final org.apache.pekko.cluster.ddata.Key<LWWRegister<String>> KEY = LWWRegisterKey.create("drover-config");
  private static final Duration WRITE = Duration.ofSeconds(5);

  interface Command {}

  /** Writes a (validated) config for every node; replies with whether a majority has it. */
  record Publish(String text, ActorRef<Boolean> replyTo) implements Command {}

  /** Replies with the last config the cluster agreed on, or null when none was applied yet. */
  record GetText(ActorRef<Optional<String>> replyTo) implements Command {}

  private record Changed(Replicator.SubscribeResponse<LWWRegister<String>> change) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWRegister<String>> response, ActorRef<Boolean> replyTo)
      implements Command {}

  /** @param local applies a config to this node */
  static Behavior<Command> create(ConfigApplier local) {
    return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWRegister<String>> replicator) -> {
          SelfUniqueAddress self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
          replicator.subscribe(KEY, Changed::new);
          String[] applied = {null};
          // the register, not its text: the same text applied again is a new write, and applies again
          // (an app that went back to earlier settings is deployed the applied ones anew)
          Object[] seen = {null};
          return Behaviors.receive(Command.class)
              .onMessage(Publish.class, m -> {
                replicator.askUpdate(
                    r -> new Replicator.Update<>(KEY, LWWRegister.create(self, m.text()),
                        new Replicator.WriteMajority(WRITE), r, reg -> reg.withValue(self, m.text())),
                    rsp -> new Written(rsp, m.replyTo()));
                return Behaviors.same();
              })
              .onMessage(GetText.class, m -> {
                m.replyTo().tell(Optional.ofNullable(applied[0]));
                return Behaviors.same();
              })
              .onMessage(Written.class, m -> {
                m.replyTo().tell(m.response() instanceof Replicator.UpdateSuccess);
                return Behaviors.same();
              })
              .onMessage(Changed.class, m -> {
                if (m.change() instanceof Replicator.Changed<LWWRegister<String>> changed) {
                  LWWRegister<String> register = changed.get(KEY);
                  String text = register.getValue();
                  if (!register.equals(seen[0])) {
                    seen[0] = register;
                    applied[0] = text;
                    local.apply(text, false).whenComplete((diff, e) -> {
                      if (e != null) {
                        ctx.getLog().warn("cannot apply the cluster's config on this node: {}", e.getMessage());
                      } else {
                        ctx.getLog().info("applied the cluster's config: {}", diff);
                      }
                    });
                  }
                }
                return Behaviors.same();
              })
              .build();
        }));
  }

  /**
   * {@code POST /config} on a clustered node: the slot counts scaled at run time that still hold
   * are carried over ({@link ScaledCounts}), then the text is validated and diffed here, then
   * handed to every node.
   *
   * @param apps the apps a config text declares
   */
  static ConfigApplier applier(ActorSystem<?> system, ConfigApplier local, ActorRef<Command> replicated,
      Function<String, Map<String, AppSpec>> apps) {
    return (posted, dryRun) -> {
      CompletionStage<Optional<String>> agreed = AskPattern.ask(replicated, GetText::new, WRITE, system.scheduler());
      return agreed.thenCompose(previous -> {
        String text = previous.map(p -> ScaledCounts.carry(p, posted, apps)).orElse(posted);
        CompletionStage<Supervisor.Applied> diff = local.apply(text, true); // validates; changes nothing
        if (dryRun) {
          return diff;
        }
        return diff.thenCompose(d -> {
          CompletionStage<Boolean> written =
              AskPattern.ask(replicated, r -> new Publish(text, r), WRITE.plusSeconds(2), system.scheduler());
          return written.exceptionally(e -> false).thenApply(majority -> {
            if (!majority) {
              system.log().warn("the config is applied here but not yet confirmed by a majority of nodes");
            }
            return d;
          });
        });
      });
    };
  }
}
