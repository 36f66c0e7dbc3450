package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Workers replaced before they age: after max-age, after max-requests, one at a time, without losing capacity. */
class RecycleTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration T = Duration.ofSeconds(20);

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @Test
  void workersPastMaxAgeAreReplacedOneAtATimeWithoutLosingCapacity() throws Exception {
    String app = "aged {\n command = [\"node\", \"$WORKER\", \"--listen\"]\n instances = 2\n"
        + " recycle { max-age = 1500ms, jitter = 0.5 }\n}\n";
    try (Harness h = new Harness(kit, app)) {
      long first0 = h.await("aged", 0, WorkerState.READY, T).pid();
      long first1 = h.await("aged", 1, WorkerState.READY, T).pid();
      WorkerEvent drained0 = h.await("aged", 0, WorkerState.DRAINING, T);
      assertTrue(drained0.detail().startsWith("recycled: ran 1.5s or more (recycle.max-age)"), drained0.detail());
      assertEquals(first0, drained0.pid());
      h.await("aged", 1, WorkerState.DRAINING, T);
      h.await("aged", 0, WorkerState.STOPPED, T);
      h.await("aged", 1, WorkerState.STOPPED, T);
      // in rotation throughout: never fewer ready processes than instances once both were up
      Set<Long> ready = new HashSet<>();
      int least = Integer.MAX_VALUE;
      boolean counting = false;
      int replacingAtOnce = 0;
      int mostReplacingAtOnce = 0;
      for (DroverEvent e : h.seen) {
        if (!(e instanceof WorkerEvent w) || !w.app().equals("aged")) {
          continue;
        }
        if (w.state() == WorkerState.READY) {
          ready.add(w.pid());
          counting |= ready.size() == 2;
        } else if (w.state() == WorkerState.DRAINING) {
          ready.remove(w.pid());
        }
        if (w.state() == WorkerState.STARTING && w.detail().startsWith("spawning") && counting) {
          mostReplacingAtOnce = Math.max(mostReplacingAtOnce, ++replacingAtOnce);
        } else if (w.state() == WorkerState.STOPPED) {
          replacingAtOnce--;
        }
        if (counting) {
          least = Math.min(least, ready.size());
        }
      }
      assertEquals(2, least, "ready processes dropped below 2:" + h.describeSeen());
      assertEquals(1, mostReplacingAtOnce, "more than one worker replaced at once:" + h.describeSeen());
      WorkerStatus now0 = swappedIn(h, "aged", 0, first0);
      assertNotEquals(first0, now0.pid());
      assertNotEquals(first1, swappedIn(h, "aged", 1, first1).pid());
      assertTrue(now0.restarts() >= 1, "a replacement counts one restart: " + now0);
    }
  }

  @Test
  void aWorkerThatServedMaxRequestsIsReplaced() throws Exception {
    String app = "served {\n command = [\"node\", \"$WORKER\", \"--listen\"]\n recycle { max-requests = 5, jitter = 0 }\n}\n";
    try (Harness h = new Harness(kit, app)) {
      TestProbe<Receptionist.Listing> listings = kit.createTestProbe(Receptionist.Listing.class);
      kit.system().receptionist().tell(Receptionist.subscribe(WorkerKeys.of("served"), listings.getRef()));
      WorkerEvent ready = h.await("served", 0, WorkerState.READY, T);
      ActorRef<WorkerCommand> worker = listedWorker(listings);
      worker.tell(new WorkerCommand.Served(ready.port() + 1, 100)); // another process's port: not counted
      worker.tell(new WorkerCommand.Served(ready.port(), 3));
      worker.tell(new WorkerCommand.Served(ready.port(), 2));
      WorkerEvent draining = h.await("served", 0, WorkerState.DRAINING, T);
      assertEquals("recycled: served 5 requests (recycle.max-requests = 5)", draining.detail());
      assertEquals(ready.pid(), draining.pid());
      h.await("served", 0, WorkerState.STOPPED, T);
      WorkerStatus replaced = swappedIn(h, "served", 0, ready.pid());
      assertEquals(WorkerState.READY, replaced.state());
      assertNotEquals(ready.pid(), replaced.pid());
      assertEquals(1, replaced.restarts(), "a replacement is one restart");
      assertEquals(1, replaced.recycles(), "counted per slot");
      assertEquals(1, h.status("served").workers().size());
    }
  }

  /** The slot's worker once the app supervisor has swapped in a ready replacement of {@code oldPid}. */
  private static WorkerStatus swappedIn(Harness h, String app, int slot, long oldPid) throws InterruptedException {
    WorkerStatus s = h.status(app).workers().get(slot);
    long deadline = System.nanoTime() + T.toNanos();
    while ((s.state() != WorkerState.READY || s.pid() == oldPid) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      s = h.status(app).workers().get(slot);
    }
    return s;
  }

  private static ActorRef<WorkerCommand> listedWorker(TestProbe<Receptionist.Listing> listings) {
    long deadline = System.nanoTime() + T.toNanos();
    while (System.nanoTime() < deadline) {
      Set<ActorRef<WorkerCommand>> listed = listings.receiveMessage(T).getServiceInstances(WorkerKeys.of("served"));
      if (!listed.isEmpty()) {
        return listed.iterator().next();
      }
    }
    throw new AssertionError("no worker listed");
  }
}
