package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.drover.http.management.ConfigApplier;
import io.drover.supervisor.Supervisor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a node follows the cluster's config register, on a real one-node cluster (Distributed Data
 * included): writes are applied one at a time and only the newest of those that came meanwhile
 * next; an apply that failed is made again at the next recheck; the same text written again is
 * applied again.
 */
class ReplicatedConfigTest {
  static final Duration WITHIN = Duration.ofSeconds(30);
  static final Supervisor.Applied NOTHING = new Supervisor.Applied(List.of(), List.of(), List.of(), List.of(), List.of());

  ActorTestKit kit;

  /** A node's apply: records each text it is given and how many run at once; each ends as the test says. */
  static final class Node implements ConfigApplier {
    final List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Long> startedAt = java.util.Collections.synchronizedList(new ArrayList<>());
    final Map<Integer, CompletableFuture<Supervisor.Applied>> ends = new ConcurrentHashMap<>();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    volatile boolean hold;
    volatile int failFirst;

    @Override
    public CompletionStage<Supervisor.Applied> apply(String text, boolean dryRun) {
      int n;
      synchronized (started) {
        n = started.size();
        started.add(text);
        startedAt.add(System.nanoTime());
      }
      mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
      CompletableFuture<Supervisor.Applied> end = new CompletableFuture<>();
      ends.put(n, end);
      if (n < failFirst) {
        end.completeExceptionally(new IllegalStateException("the supervisor did not answer within 10s"));
      } else if (!hold) {
        end.complete(NOTHING);
      }
      return end.whenComplete((d, e) -> running.decrementAndGet());
    }

    List<String> started() {
      synchronized (started) {
        return List.copyOf(started);
      }
    }
  }

  @BeforeEach
  void setUp() throws InterruptedException {
    kit = ActorTestKit.create("replicated-config", ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.enabled = off
        pekko.coordinated-shutdown.exit-jvm = off
        """).withFallback(ConfigFactory.load()));
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    await(() -> cluster.selfMember().status() == MemberStatus.up(), "this node up");
  }

  @AfterEach
  void tearDown() {
    kit.shutdownTestKit();
  }

  ActorRef<ReplicatedConfig.Command> follow(Node node) {
    return kit.spawn(ReplicatedConfig.create(node, null, text -> Map.of()));
  }

  Boolean publish(ActorRef<ReplicatedConfig.Command> config, String text) throws Exception {
    return org.apache.pekko.actor.typed.javadsl.AskPattern.<ReplicatedConfig.Command, Boolean>ask(
        config, r -> new ReplicatedConfig.Publish(text, r), Duration.ofSeconds(10), kit.scheduler()).toCompletableFuture().get();
  }

  Optional<String> text(ActorRef<ReplicatedConfig.Command> config) throws Exception {
    return org.apache.pekko.actor.typed.javadsl.AskPattern.<ReplicatedConfig.Command, Optional<String>>ask(
        config, ReplicatedConfig.GetText::new, Duration.ofSeconds(10), kit.scheduler()).toCompletableFuture().get();
  }

  static void await(BooleanSupplier done, String what) throws InterruptedException {
    long end = System.nanoTime() + WITHIN.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError(what + " not within " + WITHIN);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void writesAreAppliedOneAtATimeAndTheNewestOfThoseThatCameMeanwhileNext() throws Exception {
    Node node = new Node();
    node.hold = true;
    ActorRef<ReplicatedConfig.Command> config = follow(node);
    assertTrue(publish(config, "a"));
    await(() -> node.started().equals(List.of("a")), "a applied");
    assertTrue(publish(config, "b"));
    assertTrue(publish(config, "c"));
    // c is the newest write this node has seen, while a is still being applied
    for (long end = System.nanoTime() + WITHIN.toNanos(); !text(config).equals(Optional.of("c")) && System.nanoTime() < end; ) {
      Thread.sleep(20);
    }
    assertEquals(Optional.of("c"), text(config));
    assertEquals(List.of("a"), node.started(), "nothing else starts while a is applied");
    node.hold = false;
    node.ends.get(0).complete(NOTHING);
    await(() -> node.started().size() == 2, "the next apply");
    assertEquals(List.of("a", "c"), node.started(), "b was overtaken before it was applied");
    assertEquals(1, node.mostAtOnce.get());
  }

  @Test
  void anApplyThatFailedIsMadeAgainAtTheNextRecheck() throws Exception {
    Node node = new Node();
    node.failFirst = 1;
    ActorRef<ReplicatedConfig.Command> config = follow(node);
    long t0 = System.nanoTime();
    assertTrue(publish(config, "scaled to 4"));
    await(() -> node.started().size() == 2, "a second try");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(List.of("scaled to 4", "scaled to 4"), node.started());
    assertTrue(ms < 4 * ReplicatedConfig.RECHECK.toMillis(), "tried again after " + ms + " ms");
    Thread.sleep(ReplicatedConfig.RECHECK.toMillis() + 500); // one more recheck: what went through is not applied again
    assertEquals(2, node.started().size(), node.started().toString());
  }

  @Test
  void anApplyThatKeepsFailingIsTriedLessAndLessOften() throws Exception {
    Node node = new Node();
    node.failFirst = Integer.MAX_VALUE;
    ActorRef<ReplicatedConfig.Command> config = follow(node);
    assertTrue(publish(config, "a text this node cannot run"));
    await(() -> node.started().size() >= 3, "three tries");
    long first = node.startedAt.get(1) - node.startedAt.get(0);
    long second = node.startedAt.get(2) - node.startedAt.get(1);
    assertTrue(first <= ReplicatedConfig.RECHECK.toNanos() + 2_000_000_000L, "first retry after " + first / 1_000_000 + " ms");
    assertTrue(second >= 2 * ReplicatedConfig.RECHECK.toNanos() - 1_000_000_000L,
        "the second retry waits twice as long: " + second / 1_000_000 + " ms after the first (" + first / 1_000_000 + " ms before it)");
  }

  @Test
  void theSameTextWrittenAgainIsAppliedAgain() throws Exception {
    Node node = new Node();
    ActorRef<ReplicatedConfig.Command> config = follow(node);
    assertTrue(publish(config, "a"));
    await(() -> node.started().size() == 1, "a applied");
    assertTrue(publish(config, "a"));
    await(() -> node.started().size() == 2, "a applied again");
    assertEquals(List.of("a", "a"), node.started());
  }
}
