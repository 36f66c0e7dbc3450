package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** readiness and liveness type = notify with real workers speaking the sd_notify protocol. */
class NotifyProbeTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration T = Duration.ofSeconds(20);
  static final Path SCRIPT = Path.of("src/test/resources/workers/notify.py").toAbsolutePath();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @Test
  void readyWhenTheWorkerSaysSoAndRestartedWhenItsWatchdogStops() throws Exception {
    String app = "notified {\n command = [\"python3\", \"" + SCRIPT + "\", \"400\", \"4\"]\n"
        + " readiness { type = notify, timeout = 10s }\n liveness { type = notify, interval = 900ms }\n"
        + " restart.backoff.min = 5s\n}\n";
    try (Harness h = new Harness(kit, app)) {
      WorkerEvent waiting = h.await("notified", 0, WorkerState.STARTING, T);
      WorkerEvent ready = h.await("notified", 0, WorkerState.READY, T);
      assertEquals("READY=1: warming up", ready.detail());
      assertTrue(Duration.between(waiting.at(), ready.at()).toMillis() >= 300, "ready before READY=1");
      WorkerEvent stuck = h.await("notified", 0, WorkerState.READY, T);
      assertEquals("ready: stuck", stuck.detail(), "STATUS= shows in the detail");
      // four watchdogs at 300 ms kept it alive past the 900 ms interval; then none came
      WorkerEvent draining = h.await("notified", 0, WorkerState.DRAINING, T);
      assertEquals("no WATCHDOG=1 within 900ms", draining.detail());
      assertTrue(Duration.between(ready.at(), draining.at()).toMillis() >= 1200, "restarted while it still sent WATCHDOG=1");
      h.await("notified", 0, WorkerState.FAILED, T);
      h.await("notified", 0, WorkerState.BACKOFF, T);
    }
  }

  @Test
  void systemdNotifyFromAShellWorkerMakesItReady() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-notify")), "systemd-notify is not installed");
    String app = "shell {\n command = [\"sh\", \"-c\", \"sleep 0.3; systemd-notify --ready --status=up; exec sleep 60\"]\n"
        + " readiness { type = notify, timeout = 10s }\n}\n";
    try (Harness h = new Harness(kit, app)) {
      WorkerEvent ready = h.await("shell", 0, WorkerState.READY, T);
      assertEquals("READY=1: up", ready.detail());
    }
  }

  @Test
  void aWorkerThatNeverSaysReadyFailsClosed() throws Exception {
    String app = "silent {\n command = [\"sleep\", \"60\"]\n readiness { type = notify, timeout = 800ms }\n restart.backoff.min = 5s\n}\n";
    try (Harness h = new Harness(kit, app)) {
      WorkerEvent draining = h.await("silent", 0, WorkerState.DRAINING, T);
      assertEquals("not ready within 800ms (READY=1 on NOTIFY_SOCKET)", draining.detail());
      h.await("silent", 0, WorkerState.FAILED, T);
    }
  }
}
