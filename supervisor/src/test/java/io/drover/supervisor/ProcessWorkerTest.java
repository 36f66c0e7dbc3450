package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.process.ProcFs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Spawning, readiness, liveness, memory, stopping and logs of real worker processes. */
class ProcessWorkerTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration T = Duration.ofSeconds(15);

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static String app(String name, String args, String extra) {
    return name + " {\n command = [\"node\", \"$WORKER\", " + args + "]\n " + extra + "\n}\n";
  }

  @Test
  void httpReadinessGatesReadyAndWorkerGetsItsEnvironment() throws Exception {
    String cfg = "instances = 2\n readiness { type = http, path = \"/health\" }\n env { GREETING = hi }";
    try (Harness h = new Harness(kit, app("web", "\"--listen-after\", \"300\"", cfg))) {
      WorkerEvent starting = h.await("web", 1, WorkerState.STARTING, T);
      WorkerEvent ready = h.await("web", 1, WorkerState.READY, T);
      assertTrue(Duration.between(starting.at(), ready.at()).toMillis() >= 250, "ready before listening");
      assertTrue(ready.port() > 0);
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ready.port() + "/")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals("hello from web-1\n", r.body());
      Path out = h.settings.logsDir().resolve("web/web-1.out");
      Path err = h.settings.logsDir().resolve("web/web-1.err");
      waitFor(() -> Files.exists(out) && read(out).contains("worker web-1 pid " + ready.pid() + " port " + ready.port()), "stdout log");
      waitFor(() -> Files.exists(err) && read(err).contains("stderr line from 1"), "stderr log");
    }
  }

  @Test
  void aServerTakingItsPortAsAnArgumentGetsItsOwnThroughThePortToken() throws Exception {
    String app = "py {\n command = [\"python3\", \"-m\", \"http.server\", \"$PORT\", \"--bind\", \"127.0.0.1\"]\n"
        + " instances = 2\n readiness { type = http, path = \"/\" }\n}\n";
    try (Harness h = new Harness(kit, app)) {
      WorkerEvent ready0 = h.await("py", 0, WorkerState.READY, T);
      WorkerEvent ready1 = h.await("py", 1, WorkerState.READY, T);
      assertTrue(ready0.port() != ready1.port(), "each worker its own port");
      for (WorkerEvent ready : java.util.List.of(ready0, ready1)) {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ready.port() + "/")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
      }
    }
  }

  @Test
  void readyWorkersAreRegisteredWithTheReceptionistAndDeregisteredOnStop() throws Exception {
    try (Harness h = new Harness(kit, app("reg", "\"--listen\"", "instances = 2"))) {
      TestProbe<Receptionist.Listing> listings = kit.createTestProbe(Receptionist.Listing.class);
      kit.system().receptionist().tell(Receptionist.subscribe(WorkerKeys.of("reg"), listings.getRef()));
      h.await("reg", 0, WorkerState.READY, T);
      h.await("reg", 1, WorkerState.READY, T);
      TestProbe<WorkerCommand.Stopped> stopped = kit.createTestProbe(WorkerCommand.Stopped.class);
      listingOf(listings, 2).iterator().next().tell(new WorkerCommand.Stop(stopped.getRef()));
      stopped.receiveMessage(T);
      awaitListing(listings, 1);
    }
  }

  @Test
  void readinessTimeoutFailsClosed() throws Exception {
    String cfg = "readiness { type = tcp, timeout = 600ms }\n restart.backoff.min = 5s";
    try (Harness h = new Harness(kit, app("mute", "\"--exit-after\", \"60000\"", cfg))) {
      WorkerEvent draining = h.await("mute", 0, WorkerState.DRAINING, T);
      assertEquals("not ready within 600ms (tcp)", draining.detail());
      WorkerEvent failed = h.await("mute", 0, WorkerState.FAILED, T);
      assertTrue(failed.detail().startsWith("not ready within 600ms (tcp)"), failed.detail());
      h.await("mute", 0, WorkerState.BACKOFF, T);
      assertFalse(h.seen.stream().anyMatch(e -> e instanceof WorkerEvent w && w.state() == WorkerState.READY));
    }
  }

  @Test
  void hungWorkerIsRestarted() throws Exception {
    String cfg =
        "readiness { type = http, path = \"/health\" }\n"
            + " liveness { type = http, path = \"/health\", interval = 200ms, timeout = 200ms, failures = 2 }";
    try (Harness h = new Harness(kit, app("hung", "\"--listen\", \"--hang-after\", \"500\"", cfg))) {
      long pid = h.await("hung", 0, WorkerState.READY, T).pid();
      WorkerEvent draining = h.await("hung", 0, WorkerState.DRAINING, T);
      assertTrue(draining.detail().startsWith("liveness failed 2 times in a row"), draining.detail());
      h.await("hung", 0, WorkerState.FAILED, T);
      WorkerEvent again = h.await("hung", 0, WorkerState.READY, T);
      assertTrue(again.pid() != pid);
      assertEquals(1, again.restarts());
    }
  }

  @Test
  void memoryHogIsRestartedGracefully() throws Exception {
    String cfg = "max-memory = 150M\n memory-check-interval = 100ms";
    try (Harness h = new Harness(kit, app("hog", "\"--listen\", \"--hog\", \"300\"", cfg))) {
      h.await("hog", 0, WorkerState.READY, T);
      WorkerEvent draining = h.await("hog", 0, WorkerState.DRAINING, T);
      assertTrue(draining.detail().matches("RSS [0-9.]+ MiB over max-memory 150.0 MiB"), draining.detail());
      WorkerEvent failed = h.await("hog", 0, WorkerState.FAILED, T);
      assertTrue(failed.detail().endsWith("(exited with status 0)"), "stopped with TERM: " + failed.detail());
      h.await("hog", 0, WorkerState.STARTING, T);
    }
  }

  @Test
  void workerIgnoringTermIsKilledAfterTimeout() throws Exception {
    String cfg = "stop.timeout = 700ms";
    try (Harness h = new Harness(kit, app("stubborn", "\"--listen\", \"--ignore-term\"", cfg))) {
      h.await("stubborn", 0, WorkerState.READY, T);
      TestProbe<org.apache.pekko.Done> done = kit.createTestProbe(org.apache.pekko.Done.class);
      long t0 = System.nanoTime();
      h.supervisor.tell(new Supervisor.StopAll(done.getRef()));
      WorkerEvent stopped = h.await("stubborn", 0, WorkerState.STOPPED, T);
      long took = (System.nanoTime() - t0) / 1_000_000;
      assertEquals("stop requested (killed by signal 9)", stopped.detail());
      assertTrue(took >= 650, "killed after " + took + "ms, before the stop timeout");
      done.receiveMessage(T);
      assertEquals(java.util.List.of(), h.liveProcesses());
    }
  }

  @Test
  void grandchildrenDieWithTheirWorker() throws Exception {
    String args = "\"--listen\", \"--grandchild\", \"$DIR/grandchild\", \"--exit-after\", \"1000\", \"--once\", \"$DIR/crashed\"";
    try (Harness h = new Harness(kit, app("family", args, "restart.backoff.min = 50ms"))) {
      h.await("family", 0, WorkerState.READY, T);
      Path file = h.dir.resolve("grandchild");
      waitFor(() -> Files.exists(file) && !read(file).isBlank(), "grandchild pid file");
      long grandchild = Long.parseLong(read(file).trim());
      assertTrue(ProcFs.alive(grandchild));
      h.await("family", 0, WorkerState.FAILED, T); // the worker crashed; its child must not live on
      waitFor(() -> !ProcFs.alive(grandchild), "grandchild " + grandchild + " to die");
      h.await("family", 0, WorkerState.READY, T);
    }
  }

  @Test
  void missingCommandIsReportedAndBackedOffWhileOtherAppsRun() throws Exception {
    String apps =
        "ghost { command = [\"no-such-program-xyz\"], readiness.type = none, restart.backoff.min = 2s }\n"
            + app("fine", "\"--listen\"", "");
    try (Harness h = new Harness(kit, apps)) {
      WorkerEvent failed = h.await("ghost", 0, WorkerState.FAILED, T);
      assertTrue(
          failed.detail().startsWith("could not start: command not found: \"no-such-program-xyz\" (searched PATH="),
          failed.detail());
      WorkerEvent backoff = h.await("ghost", 0, WorkerState.BACKOFF, T);
      assertTrue(backoff.detail().startsWith("restart in "), backoff.detail());
      h.await("fine", 0, WorkerState.READY, T);
    }
  }

  @Test
  void missingProgramPathIsReported() throws Exception {
    try (Harness h = new Harness(kit, "plain { command = [\"./worker.txt\"], readiness.type = none, cwd = \"$DIR\" }")) {
      WorkerEvent failed = h.await("plain", 0, WorkerState.FAILED, T);
      assertEquals("could not start: command not found: " + h.dir.resolve("worker.txt"), failed.detail());
    }
  }

  @Test
  void logsAreRotatedBySizeKeepingTheConfiguredNumberOfFiles() throws Exception {
    String cfg = "readiness.type = none\n logs { max-size = 16K, keep = 2 }";
    try (Harness h = new Harness(kit, app("chatty", "\"--spam\", \"100\"", cfg))) {
      h.await("chatty", 0, WorkerState.READY, T);
      Path dir = h.settings.logsDir().resolve("chatty");
      Path out = dir.resolve("chatty-0.out");
      // 100 KiB of 64-byte lines, the last one numbered 1599
      waitFor(() -> read(out).contains("line 00001599"), "the last line in the current file");
      assertTrue(Files.exists(dir.resolve("chatty-0.out.1")));
      assertTrue(Files.exists(dir.resolve("chatty-0.out.2")));
      assertFalse(Files.exists(dir.resolve("chatty-0.out.3")), "keep = 2");
      for (String f : new String[] {"chatty-0.out", "chatty-0.out.1", "chatty-0.out.2"}) {
        assertTrue(Files.size(dir.resolve(f)) <= 16 * 1024, f + " is " + Files.size(dir.resolve(f)) + " bytes");
      }
      assertTrue(read(dir.resolve("chatty-0.out.1")).endsWith("\n"));
    }
  }

  // ------------------------------------------------------------ helpers

  static void awaitListing(TestProbe<Receptionist.Listing> probe, int size) {
    listingOf(probe, size);
  }

  static Set<ActorRef<WorkerCommand>> listingOf(TestProbe<Receptionist.Listing> probe, int size) {
    long deadline = System.nanoTime() + T.toNanos();
    while (System.nanoTime() < deadline) {
      Receptionist.Listing l = probe.receiveMessage(T);
      Set<ActorRef<WorkerCommand>> refs = l.getServiceInstances(WorkerKeys.of("reg"));
      if (refs.size() == size) {
        return refs;
      }
    }
    throw new AssertionError("no listing of " + size);
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "";
    }
  }

  static void waitFor(java.util.function.BooleanSupplier cond, String what) {
    for (int i = 0; i < 100; i++) {
      if (cond.getAsBoolean()) {
        return;
      }
      Harness.sleep(Duration.ofMillis(100));
    }
    throw new AssertionError("timed out waiting for " + what);
  }
}
