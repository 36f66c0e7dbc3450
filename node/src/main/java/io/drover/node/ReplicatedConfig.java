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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
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
 *
 * <p>A node applies the register's writes one at a time, in the order it sees them (a write seen
 * while one is applied waits, and only the newest of those is applied). What it has applied is
 * checked against its replica every {@link #RECHECK}: a write it has not applied (an apply that
 * failed, such as a supervisor that did not answer in time, or a change whose notice did not
 * come) is applied then, so that a node does not keep running a config the cluster left behind.
 * An apply that keeps failing is tried less and less often (the wait doubles, up to {@link
 * #RETRY_AT_MOST}) and logged as a warning once per reason.
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

  /** An apply of {@code register} to this node ended: {@code failure} is null when it went through. */
  private record Applied(LWWRegister<String> register, Supervisor.Applied diff, Throwable failure) implements Command {}

  /** Time to compare what this node applied with its replica of the register. */
  private enum Recheck implements Command {
    INSTANCE
  }

  /** This node's replica of the register, read for {@link Recheck}. */
  private record Replica(Replicator.GetResponse<LWWRegister<String>> read) implements Command {}

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

  /** How often a node checks that it runs the register's last write (and applies it if not). */
  static final Duration RECHECK = Duration.ofSeconds(3);

  /** The longest wait between tries of an apply that keeps failing here (the wait doubles from {@link #RECHECK}). */
  static final Duration RETRY_AT_MOST = Duration.ofSeconds(60);

  /**
   * @param local applies a config to this node
   * @param fileText the node's config file, which its apps ran before the cluster's config reached it (null: none)
   * @param apps the apps a config text declares (throws when it is invalid)
   */
  static Behavior<Command> create(ConfigApplier local, String fileText, Function<String, Map<String, AppSpec>> apps) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWRegister<String>> replicator) -> {
          ctx.setLoggerName(ReplicatedConfig.class); // under io.drover, as logback.xml levels it
          SelfUniqueAddress self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
          replicator.subscribe(KEY, Changed::new);
          timers.startTimerWithFixedDelay(Recheck.INSTANCE, RECHECK);
          // the register, not its text: the same text applied again is a new write, and applies again
          // (an app that went back to earlier settings is deployed the applied ones anew)
          Applies applies = new Applies();
          // the texts this node ran, newest first (the file last): where an app's earlier settings are declared
          Deque<String> earlier = new ArrayDeque<>();
          // a write seen (notified, or found in the replica): it is the one to run here, after any apply under way
          Function<LWWRegister<String>, Behavior<Command>> seen = register -> {
            if (!applies.see(register)) {
              return Behaviors.same();
            }
            String text = register.getValue();
            if (!text.equals(earlier.peekFirst())) {
              earlier.remove(text);
              earlier.addFirst(text);
              while (earlier.size() > EARLIER) {
                earlier.removeLast();
              }
            }
            applyNext(ctx, local, applies);
            return Behaviors.same();
          };
          return Behaviors.receive(Command.class)
              .onMessage(Publish.class, m -> {
                replicator.askUpdate(
                    r -> new Replicator.Update<>(KEY, LWWRegister.create(self, m.text()),
                        new Replicator.WriteMajority(WRITE), r, reg -> reg.withValue(self, m.text())),
                    rsp -> new Written(rsp, m.replyTo()));
                return Behaviors.same();
              })
              .onMessage(GetText.class, m -> {
                m.replyTo().tell(Optional.ofNullable(applies.text()));
                return Behaviors.same();
              })
              .onMessage(Written.class, m -> {
                m.replyTo().tell(m.response() instanceof Replicator.UpdateSuccess);
                return Behaviors.same();
              })
              .onMessage(Changed.class, m -> m.change() instanceof Replicator.Changed<LWWRegister<String>> changed
                  ? seen.apply(changed.get(KEY))
                  : Behaviors.same())
              .onMessage(Applied.class, m -> {
                String why = m.failure() == null ? null : Causes.message(m.failure());
                if (why == null) {
                  ctx.getLog().info("applied the cluster's config: {}", m.diff());
                } else if (applies.failedBefore(m.register(), why)) {
                  ctx.getLog().debug("cannot apply the cluster's config on this node yet: {}", why);
                } else {
                  ctx.getLog().warn("cannot apply the cluster's config on this node: {} (tried again after {}s, then less and less often, every {}s at most)",
                      why, RECHECK.toSeconds(), RETRY_AT_MOST.toSeconds());
                }
                applies.ended(m.register(), why, System.nanoTime());
                if (applies.newerSeen()) {
                  applyNext(ctx, local, applies); // a newer write came meanwhile; a failed one waits for the recheck
                }
                return Behaviors.same();
              })
              .onMessage(Recheck.class, m -> {
                if (!applies.busy()) {
                  replicator.askGet(r -> new Replicator.Get<>(KEY, Replicator.readLocal(), r), Replica::new);
                }
                return Behaviors.same();
              })
              .onMessage(Replica.class, m -> {
                if (m.read() instanceof Replicator.GetSuccess<LWWRegister<String>> got) {
                  LWWRegister<String> register = got.get(KEY);
                  if (applies.unnoticed(register)) {
                    ctx.getLog().warn("the cluster's config changed {}s ago or more and no notice of it reached this node: applying it now",
                        RECHECK.toSeconds());
                    return seen.apply(register);
                  }
                  if (applies.retryDue(System.nanoTime())) {
                    applyNext(ctx, local, applies); // the last apply failed: once more
                  }
                }
                return Behaviors.same();
              })
              .onMessage(WentBack.class, m -> {
                if (applies.text() != null) { // else no config was applied to the cluster: the nodes run their files
                  refresh(replicator, m, 1);
                }
                return Behaviors.same();
              })
              .onMessage(Refreshed.class, m -> {
                // the text a majority holds (this node's if they do not answer): a newer apply stands,
                // a count scaled meanwhile is kept
                String holds = m.read() instanceof Replicator.GetSuccess<LWWRegister<String>> got ? got.get(KEY).getValue() : applies.text();
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
        })));
  }

  /** Applies the newest write seen, unless an apply is under way (it is applied after that one). */
  private static void applyNext(ActorContext<Command> ctx, ConfigApplier local, Applies applies) {
    LWWRegister<String> next = applies.start();
    if (next == null) {
      return;
    }
    CompletionStage<Supervisor.Applied> applying;
    try {
      applying = local.apply(next.getValue(), false);
    } catch (RuntimeException e) {
      applying = CompletableFuture.failedFuture(e);
    }
    ctx.pipeToSelf(applying, (diff, e) -> new Applied(next, diff, e));
  }

  /**
   * Which write of the register this node runs: the newest seen, the one being applied, the last
   * that went through and the last that failed. Writes are applied one at a time; of those seen
   * meanwhile only the newest is applied next. Pure, single-threaded: the actor owns it.
   */
  static final class Applies {
    private LWWRegister<String> seen;
    private LWWRegister<String> applying;
    private LWWRegister<String> done;
    private LWWRegister<String> failed;
    private String failedWhy;
    private int failures;
    private long retryAt;
    private LWWRegister<String> unnoticed;

    /** Notes a write seen; false when it is the one seen last (nothing to do). */
    boolean see(LWWRegister<String> register) {
      if (!isNew(register)) {
        return false;
      }
      seen = register;
      return true;
    }

    /** The text of the write seen last: the cluster's config as this node has it, or null when none was written yet. */
    String text() {
      return seen == null ? null : seen.getValue();
    }

    /** Whether {@code register} is not the write seen last. */
    boolean isNew(LWWRegister<String> register) {
      return !register.equals(seen);
    }

    /**
     * Whether {@code register}, read from this node's replica, is a write no notice brought: true
     * when two reads in a row find the same write unseen (a notice may lag a read by its
     * interval, not by a whole recheck).
     */
    boolean unnoticed(LWWRegister<String> register) {
      if (!isNew(register)) {
        unnoticed = null;
        return false;
      }
      if (register.equals(unnoticed)) {
        unnoticed = null;
        return true;
      }
      unnoticed = register;
      return false;
    }

    boolean busy() {
      return applying != null;
    }

    /** Whether a write newer than the last one tried was seen, and none is under way. */
    boolean newerSeen() {
      return applying == null && seen != null && !seen.equals(done) && !seen.equals(failed);
    }

    /**
     * Whether the write seen last failed here and its next try is due: {@link #RECHECK} after the
     * first failure, the wait doubling with each failure up to {@link #RETRY_AT_MOST}.
     */
    boolean retryDue(long now) {
      return applying == null && seen != null && seen.equals(failed) && now - retryAt >= 0;
    }

    /** Whether {@code register} already failed here for the same reason (its tries since need not be logged as loudly). */
    boolean failedBefore(LWWRegister<String> register, String why) {
      return register.equals(failed) && why.equals(failedWhy);
    }

    /** The write to apply now (it is under way then), or null: one is under way, or the newest went through. */
    LWWRegister<String> start() {
      if (applying != null || seen == null || seen.equals(done)) {
        return null;
      }
      applying = seen;
      return applying;
    }

    /** The apply of {@code register} ended: it went through when {@code why} is null, else failed for that reason. */
    void ended(LWWRegister<String> register, String why, long now) {
      applying = null;
      if (why == null) {
        done = register;
        failed = null;
        failedWhy = null;
        failures = 0;
        return;
      }
      failures = register.equals(failed) ? failures + 1 : 1;
      failed = register;
      failedWhy = why;
      long wait = Math.min(RETRY_AT_MOST.toNanos(), RECHECK.toNanos() << Math.min(failures - 1, 10));
      retryAt = now + wait - RECHECK.toNanos() / 2; // due at the recheck nearest to it
    }
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
