package io.drover.node;

import io.drover.http.management.ConfigApplier;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.AppSpec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
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
 * stale file. When a slot hosted here goes back to earlier settings (a failed deployment
 * reverted), the text is written again with the app declared as it was ({@link RevertedApps}):
 * the text a majority holds is read, the block put on top of it unless it no longer declares the
 * failed settings (a newer apply stands; a count scaled since is kept), and written only if the
 * register still holds what was read (else read again). So the first node to revert writes it,
 * the others find it there, and every node applies it as any new config.
 */
final class ReplicatedConfig {
  static final org.apache.pekko.cluster.ddata.Key<LWWRegister<String>> KEY = LWWRegisterKey.create("drover-config");
  private static final Duration WRITE = Duration.ofSeconds(5);
  private static final Duration READ = Duration.ofSeconds(3);

  interface Command {}

  /** Writes a (validated) config for every node; replies with whether a majority has it. */
  record Publish(String text, ActorRef<Boolean> replyTo) implements Command {}

  /** Replies with the last config the cluster agreed on, or null when none was applied yet. */
  record GetText(ActorRef<Optional<String>> replyTo) implements Command {}

  /**
   * A slot of {@code app} hosted here went back from the settings {@code from} (the cluster's
   * config's) to {@code to}: the cluster's config is to declare {@code to}.
   */
  record WentBack(String app, AppSpec from, AppSpec to) implements Command {}

  private record Changed(Replicator.SubscribeResponse<LWWRegister<String>> change) implements Command {}

  /** A majority's copy was read (or not, then this node's is used): the app's block is written on top of it. */
  private record Refreshed(WentBack wentBack, int tries, Replicator.GetResponse<LWWRegister<String>> read) implements Command {}

  private record WroteBack(WentBack wentBack, int tries, Replicator.UpdateResponse<LWWRegister<String>> response)
      implements Command {}

  /** The register was written between the read and the write: nothing is written, the text is read again. */
  private static final class Superseded extends RuntimeException {
    Superseded() {
      super("the cluster's config was written meanwhile", null, false, false);
    }
  }

  /** Reads of the cluster's config a write-back makes before it gives up (each write raced by another). */
  private static final int TRIES = 3;

  private record Written(Replicator.UpdateResponse<LWWRegister<String>> response, ActorRef<Boolean> replyTo)
      implements Command {}

  /** Config texts kept to find the one an app went back to. */
  private static final int EARLIER = 8;

  /**
   * @param local applies a config to this node
   * @param fileText the node's config file, which its apps ran before the cluster's config reached it (null: none)
   * @param apps the apps a config text declares (throws when it is invalid)
   */
  static Behavior<Command> create(ConfigApplier local, String fileText, Function<String, Map<String, AppSpec>> apps) {
    return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWRegister<String>> replicator) -> {
          SelfUniqueAddress self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
          replicator.subscribe(KEY, Changed::new);
          String[] applied = {null};
          // the register, not its text: the same text applied again is a new write, and applies again
          // (an app that went back to earlier settings is deployed the applied ones anew)
          Object[] seen = {null};
          // the texts this node ran, newest first (the file last): where an app's earlier settings are declared
          Deque<String> earlier = new ArrayDeque<>();
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
                    if (!text.equals(earlier.peekFirst())) {
                      earlier.remove(text);
                      earlier.addFirst(text);
                      while (earlier.size() > EARLIER) {
                        earlier.removeLast();
                      }
                    }
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
              .onMessage(WentBack.class, m -> {
                if (applied[0] != null) { // else no config was applied to the cluster: the nodes run their files
                  refresh(replicator, m, 1);
                }
                return Behaviors.same();
              })
              .onMessage(Refreshed.class, m -> {
                // the text a majority holds (this node's if they do not answer): a newer apply stands,
                // a count scaled meanwhile is kept
                String holds = m.read() instanceof Replicator.GetSuccess<LWWRegister<String>> got ? got.get(KEY).getValue() : applied[0];
                List<String> texts = new ArrayList<>(earlier);
                texts.add(fileText);
                WentBack w = m.wentBack();
                RevertedApps.Outcome outcome = RevertedApps.writeBack(holds, w.app(), w.from(), w.to(), texts, apps);
                if (outcome.text() == null) {
                  ctx.getLog().info("[{}] went back to earlier settings here; {}", w.app(), outcome.why());
                  return Behaviors.same();
                }
                replicator.askUpdate(
                    r -> new Replicator.Update<>(KEY, LWWRegister.create(self, holds), new Replicator.WriteMajority(WRITE), r,
                        reg -> {
                          if (!reg.getValue().equals(holds)) {
                            throw new Superseded(); // written since it was read: read again
                          }
                          return reg.withValue(self, outcome.text());
                        }),
                    rsp -> new WroteBack(w, m.tries(), rsp));
                return Behaviors.same();
              })
              .onMessage(WroteBack.class, m -> {
                String app = m.wentBack().app();
                if (m.response() instanceof Replicator.UpdateSuccess) {
                  ctx.getLog().info("[{}] went back to earlier settings: the cluster's config declares them now (slots placed later start on them)", app);
                } else if (m.response() instanceof Replicator.ModifyFailure<?> && m.tries() < TRIES) {
                  refresh(replicator, m.wentBack(), m.tries() + 1);
                } else {
                  ctx.getLog().warn("[{}] went back to earlier settings: the cluster's config may not declare them yet ({})", app, m.response());
                }
                return Behaviors.same();
              })
              .build();
        }));
  }

  /** Reads the cluster's config from a majority (a newer write elsewhere is then seen), for a write-back. */
  private static void refresh(ReplicatorMessageAdapter<Command, LWWRegister<String>> replicator, WentBack wentBack, int tries) {
    replicator.askGet(r -> new Replicator.Get<>(KEY, new Replicator.ReadMajority(READ), r), rsp -> new Refreshed(wentBack, tries, rsp));
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
