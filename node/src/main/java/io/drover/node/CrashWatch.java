package io.drover.node;

import io.drover.http.front.Front;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRefProvider;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.remote.RemoteActorRefProvider;
import scala.Option;

/**
 * Tells a crashed member from a paused one by what only a crash does: its cluster port refuses
 * connections (the process is gone while its host still answers). Every interval each other
 * member's cluster port is connected to, and the connection closed at once. A member whose port
 * refused {@link #REFUSALS} times in a row is lost: the front takes its workers out of rotation
 * and retries the requests in flight to them, and, while this node's side of the cluster holds a
 * majority of the members, the member is downed at once instead of after the failure detector
 * and the split brain resolver's {@code stable-after}. The majority is counted from the probes:
 * only this node and the members whose last probe was accepted (and that the failure detector
 * finds reachable) are on its side. Its incarnation is also quarantined, which
 * marks it terminated: the leader removes a downed member only once it is unreachable or
 * terminated, and the failure detector would take seconds more to say so.
 *
 * <p>A paused or overloaded JVM (SIGSTOP, a long GC) still accepts connections, since the kernel
 * does that, so it is never downed this way; a lost host or a partition answers nothing and is
 * left to the resolver. The majority rule keeps a partition whose links refuse (a REJECT rule)
 * from downing both sides: the minority side never downs the majority.
 */
final class CrashWatch extends AbstractBehavior<CrashWatch.Command> {
  /** Refusals in a row that make a member lost. */
  static final int REFUSALS = 2;

  interface Command {}

  private enum Tick implements Command {
    INSTANCE
  }

  /** What one probe of a member's cluster port found. */
  enum Outcome {
    ACCEPTED,
    REFUSED,
    NO_ANSWER
  }

  private record Probed(Address member, Outcome outcome) implements Command {}

  static Behavior<Command> create(Duration every, ActorRef<Front.Command> front) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, every);
      return new CrashWatch(ctx, every, front);
    }));
  }

  private final Duration every;
  private final ActorRef<Front.Command> front;
  private final Cluster cluster;
  private final Map<Address, Integer> refusals = new HashMap<>();
  /** Each member's last probe outcome. */
  private final Map<Address, Outcome> latest = new HashMap<>();
  /** Members found crashed (and reported); forgotten when they leave the membership or accept again. */
  private final Set<Address> lost = new HashSet<>();

  private CrashWatch(ActorContext<Command> ctx, Duration every, ActorRef<Front.Command> front) {
    super(ctx);
    ctx.setLoggerName(CrashWatch.class); // under io.drover, as logback.xml levels it
    this.every = every;
    this.front = front;
    this.cluster = Cluster.get(ctx.getSystem());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessage(Probed.class, this::onProbed)
        .build();
  }

  private Behavior<Command> onTick() {
    Address self = cluster.selfMember().address();
    Set<Address> members = new HashSet<>();
    for (Member m : cluster.state().getMembers()) {
      if (!m.address().equals(self) && probed(m.status()) && m.address().host().isDefined() && m.address().port().isDefined()) {
        members.add(m.address());
        InetSocketAddress target = new InetSocketAddress(m.address().host().get(), (Integer) m.address().port().get());
        getContext().pipeToSelf(probe(target, every), (outcome, e) -> new Probed(m.address(), outcome == null ? Outcome.NO_ANSWER : outcome));
      }
    }
    refusals.keySet().retainAll(members);
    latest.keySet().retainAll(members);
    lost.retainAll(members);
    return this;
  }

  /** Members that run, or should: a downed or exiting one is on its way out already. */
  private static boolean probed(MemberStatus status) {
    return status == MemberStatus.up() || status == MemberStatus.weaklyUp() || status == MemberStatus.joining()
        || status == MemberStatus.leaving();
  }

  private Behavior<Command> onProbed(Probed m) {
    latest.put(m.member(), m.outcome());
    if (m.outcome() != Outcome.REFUSED) {
      refusals.remove(m.member());
      if (m.outcome() == Outcome.ACCEPTED && lost.remove(m.member())) {
        // the same incarnation accepts again (a refusing link that healed): its workers may serve again
        front.tell(new Front.NodeBack(m.member().toString()));
      }
      return this;
    }
    int n = refusals.merge(m.member(), 1, Integer::sum);
    if (n >= REFUSALS && lost.add(m.member())) {
      onCrashed(m.member());
    }
    return this;
  }

  private void onCrashed(Address address) {
    front.tell(new Front.NodeLost(address.toString()));
    ClusterEvent.CurrentClusterState state = cluster.state();
    Address self = cluster.selfMember().address();
    // The side this node is on: itself and the members whose last probe was accepted and that
    // the failure detector finds reachable. Every other member counts as away, the downed ones
    // not yet removed included, so that members refusing together (a partition that rejects)
    // are counted together, however their probes' answers interleave.
    int voters = 0;
    int here = 0;
    Member member = null;
    for (Member m : state.getMembers()) {
      member = m.address().equals(address) ? m : member;
      if (m.status() == MemberStatus.up() || m.status() == MemberStatus.leaving() || m.status() == MemberStatus.down()) {
        voters++;
        boolean reachable = !state.getUnreachable().contains(m) && m.status() != MemberStatus.down();
        if (reachable && (m.address().equals(self) || latest.get(m.address()) == Outcome.ACCEPTED)) {
          here++;
        }
      }
    }
    if (member == null) {
      return; // removed meanwhile
    }
    if (2 * here > voters) {
      getContext().getLog().warn("member {} refuses connections on its cluster port: its process is gone; downing it now"
          + " ({} of {} members on this side)", address, here, voters);
      cluster.manager().tell(new Down(address));
      quarantine(member);
    } else {
      getContext().getLog().warn("member {} refuses connections on its cluster port, but this side holds {} of {} members:"
          + " left to the split brain resolver", address, here, voters);
    }
  }

  /**
   * Quarantines the crashed incarnation (its UID only: the node restarted on the same port joins
   * again), which the cluster takes as that member terminated. Remoting's quarantine is not part
   * of Pekko's public API; if it ever changes, the member is still downed and goes once the
   * failure detector marks it unreachable.
   */
  private void quarantine(Member member) {
    try {
      ActorRefProvider provider = ((ExtendedActorSystem) Adapter.toClassic(getContext().getSystem())).provider();
      if (provider instanceof RemoteActorRefProvider remote) {
        remote.quarantine(member.address(), Option.apply(member.uniqueAddress().longUid()),
            "its cluster port refuses connections: the process is gone");
      }
    } catch (RuntimeException | LinkageError e) {
      getContext().getLog().warn("cannot quarantine {}: {}; it leaves once found unreachable", member.address(), e.toString());
    }
  }

  /** Connects to {@code target} and closes at once: accepted, refused, or no answer within {@code timeout}. */
  static CompletionStage<Outcome> probe(InetSocketAddress target, Duration timeout) {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    AsynchronousSocketChannel ch;
    try {
      ch = AsynchronousSocketChannel.open();
    } catch (IOException e) {
      return CompletableFuture.completedFuture(Outcome.NO_ANSWER);
    }
    ch.connect(target, null, new CompletionHandler<Void, Void>() {
      @Override
      public void completed(Void v, Void attachment) {
        outcome.complete(Outcome.ACCEPTED);
      }

      @Override
      public void failed(Throwable e, Void attachment) {
        // ECONNREFUSED (ETIMEDOUT, the other errno a ConnectException stands for, takes the kernel
        // far longer than a probe waits; an unreachable host or net is another exception)
        outcome.complete(e instanceof ConnectException ? Outcome.REFUSED : Outcome.NO_ANSWER);
      }
    });
    return outcome.completeOnTimeout(Outcome.NO_ANSWER, timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((o, e) -> {
          try {
            ch.close();
          } catch (IOException ignored) {
            // closing a probe connection
          }
        });
  }
}
