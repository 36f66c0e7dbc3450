package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The lifecycle's transition table, its exit classification, and real workers keeping to both. */
class WorkerLifecycleTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration T = Duration.ofSeconds(20);

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @Test
  void theTableAllowsExactlyTheseTransitions() {
    Map<String, String> expected = new TreeMap<>(Map.of(
        "stopped", "starting backoff",
        "failed", "starting backoff stopped",
        "backoff", "starting backoff stopped",
        "starting", "starting ready draining stopped failed",
        "ready", "ready draining stopped failed",
        "draining", "stopped failed"));
    Map<String, String> actual = new TreeMap<>();
    for (WorkerState from : WorkerState.values()) {
      List<String> to = new ArrayList<>();
      for (WorkerState next : WorkerState.values()) {
        if (WorkerLifecycle.legal(from, next)) {
          to.add(next.label());
        }
      }
      actual.put(from.label(), String.join(" ", sortedAs(to, expected.get(from.label()))));
    }
    assertEquals(expected, actual);
  }

  /** {@code to} in the order {@code reference} lists them (unknown ones last), for a readable diff. */
  private static List<String> sortedAs(List<String> to, String reference) {
    List<String> order = List.of(reference == null ? new String[0] : reference.split(" "));
    List<String> sorted = new ArrayList<>(to);
    sorted.sort((a, b) -> Integer.compare(rank(order, a), rank(order, b)));
    return sorted;
  }

  private static int rank(List<String> order, String s) {
    int i = order.indexOf(s);
    return i < 0 ? Integer.MAX_VALUE : i;
  }

  @Test
  void anEndIsClassifiedOnce() {
    assertEquals(ExitKind.REQUESTED, WorkerLifecycle.classify(ExitKind.REQUESTED, 1));
    assertEquals(ExitKind.UNHEALTHY, WorkerLifecycle.classify(ExitKind.UNHEALTHY, 0));
    assertEquals(ExitKind.FAILED_START, WorkerLifecycle.classify(null, null));
    assertEquals(ExitKind.FAILED_START, WorkerLifecycle.classify(ExitKind.REQUESTED, null), "a failed start stays visible");
    assertEquals(ExitKind.NORMAL, WorkerLifecycle.classify(null, 0));
    assertEquals(ExitKind.ABNORMAL, WorkerLifecycle.classify(null, 1));
    assertEquals(ExitKind.ABNORMAL, WorkerLifecycle.classify(null, 137));
  }

  @Test
  void aWorkerThatCrashesIsStoppedAndStartedMakesOnlyLegalMoves() throws Exception {
    String app = "cycle {\n command = [\"node\", \"$WORKER\", \"--listen\", \"--exit-after\", \"600\"]\n"
        + " restart { backoff.min = 50ms, min-uptime = 100ms }\n}\n";
    try (Harness h = new Harness(kit, app)) {
      h.await("cycle", 0, WorkerState.READY, T);
      h.await("cycle", 0, WorkerState.FAILED, T);
      h.await("cycle", 0, WorkerState.BACKOFF, T);
      h.await("cycle", 0, WorkerState.READY, T);
      TestProbe<org.apache.pekko.Done> done = kit.createTestProbe(org.apache.pekko.Done.class);
      h.app("cycle").tell(new AppSupervisor.StopApp(done.getRef()));
      done.receiveMessage(T);
      h.app("cycle").tell(AppSupervisor.StartApp.INSTANCE);
      h.await("cycle", 0, WorkerState.READY, T);
      WorkerState previous = WorkerState.STOPPED;
      int moves = 0;
      for (DroverEvent e : h.seen) {
        if (e instanceof WorkerEvent w && w.app().equals("cycle")) {
          assertTrue(WorkerLifecycle.legal(previous, w.state()), previous + " -> " + w.state() + " in" + h.describeSeen());
          previous = w.state();
          moves++;
        }
      }
      assertTrue(moves >= 10, "moves seen: " + moves + h.describeSeen());
    }
  }
}
