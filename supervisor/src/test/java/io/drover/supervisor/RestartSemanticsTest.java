package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Policy × exit kind and strategy × sibling restarts, with real worker processes. */
class RestartSemanticsTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration T = Duration.ofSeconds(15);

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static String app(String name, String args, String extra) {
    return name + " {\n command = [\"node\", \"$WORKER\", " + args + "]\n readiness.type = none\n " + extra + "\n}\n";
  }

  @Test
  void crashingWorkerIsRestartedWithGrowingDelays() throws Exception {
    String restart =
        "restart { backoff { min = 200ms, max = 5s, random-factor = 0 }, max-restarts = 100, min-uptime = 10s }";
    try (Harness h = new Harness(kit, app("crash", "\"--exit-after\", \"50\"", restart))) {
      List<Long> gaps = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        WorkerEvent failed = h.await("crash", 0, WorkerState.FAILED, T);
        WorkerEvent starting = h.await("crash", 0, WorkerState.STARTING, T);
        gaps.add(Duration.between(failed.at(), starting.at()).toMillis());
      }
      // 200, 400, 800, 1600 ms
      for (int i = 0; i < gaps.size(); i++) {
        long expected = 200L << i;
        assertTrue(gaps.get(i) >= expected - 20 && gaps.get(i) < expected + 400, "gaps " + gaps);
      }
    }
  }

  @Test
  void backoffResetsAfterMinUptime() throws Exception {
    String restart =
        "restart { backoff { min = 200ms, max = 5s, random-factor = 0 }, max-restarts = 100, min-uptime = 300ms }";
    try (Harness h = new Harness(kit, app("steady", "\"--exit-after\", \"600\"", restart))) {
      for (int i = 0; i < 4; i++) {
        WorkerEvent failed = h.await("steady", 0, WorkerState.FAILED, T);
        WorkerEvent starting = h.await("steady", 0, WorkerState.STARTING, T);
        long gap = Duration.between(failed.at(), starting.at()).toMillis();
        assertTrue(gap >= 180 && gap < 550, "restart " + i + " waited " + gap + "ms, expected ~200ms");
      }
    }
  }

  @Test
  void transientNormalExitIsNotRestarted() throws Exception {
    String cfg = "restart.policy = transient";
    try (Harness h = new Harness(kit, app("job", "\"--exit-after\", \"100\", \"--code\", \"0\"", cfg))) {
      WorkerEvent stopped = h.await("job", 0, WorkerState.STOPPED, T);
      assertEquals("exited with status 0", stopped.detail());
      assertNoEvent(h, "job", WorkerState.STARTING, Duration.ofMillis(1500), stopped.at());
    }
  }

  @Test
  void transientAbnormalExitIsRestarted() throws Exception {
    String cfg = "restart.policy = transient";
    try (Harness h = new Harness(kit, app("job", "\"--exit-after\", \"100\", \"--code\", \"3\"", cfg))) {
      WorkerEvent failed = h.await("job", 0, WorkerState.FAILED, T);
      assertEquals("exited with status 3 (stderr: stderr line from 0)", failed.detail(), "its last stderr lines say why");
      h.await("job", 0, WorkerState.BACKOFF, T);
      h.await("job", 0, WorkerState.STARTING, T);
    }
  }

  @Test
  void permanentNormalExitIsRestarted() throws Exception {
    try (Harness h = new Harness(kit, app("loop", "\"--exit-after\", \"100\", \"--code\", \"0\"", ""))) {
      h.await("loop", 0, WorkerState.STOPPED, T);
      h.await("loop", 0, WorkerState.BACKOFF, T);
      h.await("loop", 0, WorkerState.STARTING, T);
    }
  }

  @Test
  void temporaryNeverRestarts() throws Exception {
    String cfg = "restart.policy = temporary";
    try (Harness h = new Harness(kit, app("once", "\"--exit-after\", \"100\"", cfg))) {
      WorkerEvent failed = h.await("once", 0, WorkerState.FAILED, T);
      assertNoEvent(h, "once", WorkerState.STARTING, Duration.ofMillis(1500), failed.at());
      assertEquals(WorkerState.FAILED, h.status("once").workers().get(0).state());
    }
  }

  @Test
  void oneForAllRestartsSiblings() throws Exception {
    String cfg = "instances = 3\n restart { strategy = one-for-all, backoff.min = 50ms }";
    String args = "\"--exit-after\", \"800\", \"--only-instance\", \"1\", \"--once\", \"$DIR/crashed\"";
    try (Harness h = new Harness(kit, app("all", args, cfg))) {
      long pid0 = h.await("all", 0, WorkerState.READY, T).pid();
      long pid2 = h.await("all", 2, WorkerState.READY, T).pid();
      h.await("all", 1, WorkerState.FAILED, T);
      assertNotEquals(pid0, h.await("all", 0, WorkerState.READY, T).pid());
      assertNotEquals(pid2, h.await("all", 2, WorkerState.READY, T).pid());
      h.await("all", 1, WorkerState.READY, T);
    }
  }

  @Test
  void restForOneRestartsOnlyLaterOnes() throws Exception {
    String cfg = "instances = 3\n restart { strategy = rest-for-one, backoff.min = 50ms }";
    String args = "\"--exit-after\", \"800\", \"--only-instance\", \"1\", \"--once\", \"$DIR/crashed\"";
    try (Harness h = new Harness(kit, app("rest", args, cfg))) {
      long pid0 = h.await("rest", 0, WorkerState.READY, T).pid();
      long pid2 = h.await("rest", 2, WorkerState.READY, T).pid();
      h.await("rest", 1, WorkerState.FAILED, T);
      assertNotEquals(pid2, h.await("rest", 2, WorkerState.READY, T).pid());
      h.await("rest", 1, WorkerState.READY, T);
      h.collectFor(Duration.ofMillis(500));
      AppStatus status = h.status("rest");
      assertEquals(pid0, status.workers().get(0).pid(), "instance 0 must not be restarted");
      assertEquals(0, status.workers().get(0).restarts());
      assertEquals(1, status.workers().get(2).restarts());
    }
  }

  @Test
  void oneForOneLeavesSiblingsAlone() throws Exception {
    String cfg = "instances = 2\n restart.backoff.min = 50ms";
    String args = "\"--exit-after\", \"500\", \"--only-instance\", \"0\", \"--once\", \"$DIR/crashed\"";
    try (Harness h = new Harness(kit, app("one", args, cfg))) {
      long pid1 = h.await("one", 1, WorkerState.READY, T).pid();
      h.await("one", 0, WorkerState.FAILED, T);
      h.await("one", 0, WorkerState.READY, T);
      assertEquals(pid1, h.status("one").workers().get(1).pid());
    }
  }

  @Test
  void intensityExceededFailsTheAppThenRetriesAfterCoolDown() throws Exception {
    String cfg =
        "restart { backoff { min = 20ms, max = 50ms }, max-restarts = 3, within = 30s, on-give-up = \"retry-after 1s\" }";
    try (Harness h = new Harness(kit, app("flappy", "\"--exit-after\", \"30\"", cfg))) {
      AppEvent failed = h.awaitApp("flappy", AppState.FAILED, T);
      assertTrue(failed.detail().startsWith("gave up: more than 3 restarts within 30s"), failed.detail());
      assertTrue(failed.detail().endsWith("retrying in 1s"), failed.detail());
      assertEquals(AppState.FAILED, h.status("flappy").state());
      AppEvent retried = h.awaitApp("flappy", AppState.RUNNING, T);
      long coolDown = Duration.between(failed.at(), retried.at()).toMillis();
      assertTrue(coolDown >= 950, "cool-down was " + coolDown + "ms");
      h.await("flappy", 0, WorkerState.STARTING, T);
    }
  }

  @Test
  void workersThatRanPastMinUptimeDoNotCountTowardIntensity() throws Exception {
    String cfg = "restart { backoff { min = 20ms, max = 50ms }, max-restarts = 2, within = 30s, min-uptime = 300ms }";
    try (Harness h = new Harness(kit, app("sturdy", "\"--exit-after\", \"500\"", cfg))) {
      for (int i = 0; i < 5; i++) {
        h.await("sturdy", 0, WorkerState.FAILED, T);
        h.await("sturdy", 0, WorkerState.STARTING, T);
      }
      assertTrue(h.seen.stream().noneMatch(e -> e instanceof AppEvent a && a.state() == AppState.FAILED),
          "5 restarts of a worker that ran 500ms each must not give the app up: " + h.describeSeen());
    }
  }

  @Test
  void giveUpWithStayKeepsTheAppFailed() throws Exception {
    String cfg = "restart { backoff { min = 20ms, max = 50ms }, max-restarts = 2, within = 30s, on-give-up = stay }";
    try (Harness h = new Harness(kit, app("stays", "\"--exit-after\", \"30\"", cfg))) {
      AppEvent failed = h.awaitApp("stays", AppState.FAILED, T);
      assertTrue(failed.detail().endsWith("staying failed until started"), failed.detail());
      assertNoEvent(h, "stays", WorkerState.STARTING, Duration.ofMillis(1500), failed.at());
      assertEquals(AppState.FAILED, h.status("stays").state());
    }
  }

  /** No event of {@code state} for the app's workers after {@code after}, watching for {@code d}. */
  static void assertNoEvent(Harness h, String app, WorkerState state, Duration d, java.time.Instant after) {
    h.collectFor(d);
    for (DroverEvent e : h.seen) {
      if (e instanceof WorkerEvent w && w.app().equals(app) && w.state() == state && w.at().isAfter(after)) {
        throw new AssertionError("unexpected " + state + " event: " + w + h.describeSeen());
      }
    }
  }
}
