package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.WorkerCommand;
import io.drover.supervisor.WorkerKeys;
import io.drover.supervisor.WorkerState;
import io.drover.supervisor.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The front tells a process worker's actor how many requests it handed to its process
 * (recycle.max-requests), in batches ({@link WorkerCommand.Served}); an app that does not
 * recycle by requests is told nothing. The workers here are stand-in actors registered for their
 * apps, in front of a real worker process (another app's, whose port they report).
 */
class ServedReportsTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static String web(String name, String extra) {
    return name + " {\n command = [\"node\", \"$WEB\"]\n " + extra + "\n}\n";
  }

  @Test
  void requestsHandedToAProcessAreReportedToItsWorkerOnlyWhenItsAppRecyclesByRequests() throws Exception {
    // the stand-ins' own apps never get a ready worker of their own: only the stand-ins are listed
    String late = "env.READY_DELAY_MS = \"60000\"\n readiness.timeout = 60s";
    String apps = web("web", "route.prefix = \"/web\"")
        + web("counted", "route.prefix = \"/\"\n recycle.max-requests = 1000\n " + late)
        + web("plain", "route.prefix = \"/plain\"\n " + late);
    try (FrontHarness h = new FrontHarness(kit, apps)) {
      h.awaitReady("web", 1);
      int port = h.routeOf("web").endpoints()[0].port;
      TestProbe<WorkerCommand.Served> counted = kit.createTestProbe(WorkerCommand.Served.class);
      TestProbe<WorkerCommand.Served> plain = kit.createTestProbe(WorkerCommand.Served.class);
      ActorRef<WorkerCommand> countedWorker = standIn(h, "counted", port, counted);
      ActorRef<WorkerCommand> plainWorker = standIn(h, "plain", port, plain);

      int n = 25;
      for (int i = 0; i < n; i++) {
        assertEquals("hello from web-0", h.get("/x" + i).body().trim());
        assertEquals("hello from web-0", h.get("/plain/x" + i).body().trim());
      }
      long sum = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (sum < n) {
        long left = deadline - System.nanoTime();
        assertTrue(left > 0, "only " + sum + " of " + n + " requests reported within 10s");
        WorkerCommand.Served s = counted.receiveMessage(Duration.ofNanos(left));
        assertEquals(port, s.port());
        assertTrue(s.requests() > 0, "only deltas above 0 are reported: " + s);
        sum += s.requests();
      }
      assertEquals(n, sum);
      Duration ticks = ServedReports.EVERY.multipliedBy(3);
      counted.expectNoMessage(ticks); // nothing counted twice
      plain.expectNoMessage(Duration.ofMillis(1)); // its reports, had there been any, came in the same ticks
      kit.stop(countedWorker);
      kit.stop(plainWorker);
    }
  }

  /** An actor registered as {@code app}'s worker: ready on the real process at {@code port}; reports go to {@code probe}. */
  static ActorRef<WorkerCommand> standIn(FrontHarness h, String app, int port, TestProbe<WorkerCommand.Served> probe)
      throws InterruptedException {
    ActorRef<WorkerCommand> worker = kit.spawn(Behaviors.receiveMessage((WorkerCommand m) -> {
      if (m instanceof WorkerCommand.GetStatus g) {
        g.replyTo().tell(new WorkerStatus(app, 0, WorkerState.READY, 0, port, 0, Instant.now(), Instant.now(), 0, "", null));
      } else if (m instanceof WorkerCommand.Served s) {
        probe.getRef().tell(s);
      }
      return Behaviors.same();
    }));
    kit.system().receptionist().tell(Receptionist.register(WorkerKeys.of(app), worker));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (h.routeOf(app) == null || h.routeOf(app).endpoints().length == 0) {
      assertTrue(System.nanoTime() < deadline, app + ": the stand-in was not routed within 10s");
      Thread.sleep(10);
    }
    return worker;
  }
}
