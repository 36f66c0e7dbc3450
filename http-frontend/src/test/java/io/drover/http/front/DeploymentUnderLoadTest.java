package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.AppEvent;
import io.drover.supervisor.AppStatus;
import io.drover.supervisor.AppSupervisor;
import io.drover.supervisor.Supervisor;
import io.drover.supervisor.WorkerStatus;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A deployment whose new workers crash soon after they become ready, under a steady stream of
 * requests through the front: it fails, reverts every worker to the old settings, and no request
 * fails on the way (GETs: one that a dying worker drops is retried on another); with POSTs too,
 * only a POST the crashing worker held fails (502), as nothing may send it twice.
 */
class DeploymentUnderLoadTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Path CRASHY = Path.of("../supervisor/src/test/resources/workers/worker.js").toAbsolutePath().normalize();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @Test
  void aRevertedDeploymentUnderLoadFailsNoRequest() throws Exception {
    String settings = "instances = 2, route.prefix = \"/\", update.min-healthy-time = 3s";
    try (FrontHarness h = new FrontHarness(kit, "web {\n command = [\"node\", \"$WEB\"]\n " + settings + "\n}\n")) {
      h.awaitReady("web", 2);
      TestProbe<AppEvent> events = kit.createTestProbe(AppEvent.class);
      kit.system().eventStream().tell(new EventStream.Subscribe<>(AppEvent.class, events.getRef()));
      Load load = Load.start(h, 4, Duration.ofSeconds(20), false);

      // the release: instance 1's new worker exits 2.5 s after it starts, instance 0's keeps running
      String release = "drover {\n state-dir = \"" + h.settings.stateDir() + "\"\n logs-dir = \"" + h.settings.logsDir() + "\"\n"
          + " app-defaults.env.DROVER_TEST = \"" + h.marker + "\"\n"
          + " app-defaults.readiness { type = http, path = \"/health\" }\n"
          + " apps.web {\n command = [\"node\", \"" + CRASHY + "\", \"--listen\", \"--exit-after\", \"2500\", \"--only-instance\", \"1\"]\n "
          + settings + "\n }\n}\n";
      DroverSettings next = ConfigLoader.parse(release, "release.conf", h.dir);
      h.supervisor.tell(new Supervisor.Apply(next, false, kit.createTestProbe(Supervisor.Applied.class).getRef()));

      awaitRevertOfWeb1(events);

      Load.Result r = load.await();
      assertTrue(r.ok() > 500, "too little load to mean anything: " + r);
      assertEquals(0, r.failed(), "failed requests: " + r);
      TestProbe<AppStatus> status = kit.createTestProbe(AppStatus.class);
      h.app("web").tell(new AppSupervisor.GetStatus(status.getRef()));
      for (WorkerStatus w : status.receiveMessage().workers()) {
        String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + w.pid() + "/cmdline")), StandardCharsets.UTF_8);
        assertTrue(cmdline.contains("web.js"), "web-" + w.instance() + " runs the old release again: " + cmdline);
      }
    }
  }

  /**
   * Issue 14, with POSTs: the release's new worker crashes on a request it holds (its first after
   * 2.5 s). Everything else reaches a worker or is retried; a GET the crash took is sent again,
   * but a POST it took cannot be (the worker may have acted on it): such a POST, and only it, is
   * answered 502. So a crash fails at most the requests its worker held, and only non-idempotent ones.
   */
  @Test
  void underPostsARevertFailsOnlyThePostTheCrashingWorkerHeld() throws Exception {
    String settings = "instances = 2, route.prefix = \"/\", update.min-healthy-time = 5s";
    try (FrontHarness h = new FrontHarness(kit, "web {\n command = [\"node\", \"$WEB\"]\n " + settings + "\n}\n")) {
      h.awaitReady("web", 2);
      TestProbe<AppEvent> events = kit.createTestProbe(AppEvent.class);
      kit.system().eventStream().tell(new EventStream.Subscribe<>(AppEvent.class, events.getRef()));
      Load load = Load.start(h, 4, Duration.ofSeconds(15), true);

      String release = "drover {\n state-dir = \"" + h.settings.stateDir() + "\"\n logs-dir = \"" + h.settings.logsDir() + "\"\n"
          + " app-defaults.env.DROVER_TEST = \"" + h.marker + "\"\n"
          + " app-defaults.readiness { type = http, path = \"/health\" }\n"
          + " apps.web {\n command = [\"node\", \"" + FrontHarness.WEB + "\"]\n env { CRASH_AFTER_MS = \"2500\", CRASH_INSTANCE = \"1\" }\n "
          + settings + "\n }\n}\n";
      h.supervisor.tell(new Supervisor.Apply(ConfigLoader.parse(release, "release.conf", h.dir), false,
          kit.createTestProbe(Supervisor.Applied.class).getRef()));

      awaitRevertOfWeb1(events);

      Load.Result r = load.await();
      System.out.println("revert under GETs and POSTs: " + r.ok() + " answered, " + r.posts() + " POSTs, " + r.failed()
          + " failed " + r.failures());
      assertTrue(r.ok() > 300 && r.posts() > 150, "too little load to mean anything: " + r);
      // what the crashing worker held: the 4 clients' requests in flight, and any a client sent it
      // again in the few ms between its first failed answer and the front taking it out of rotation
      // (seen: 5, the fifth 4 ms after the first); GETs are retried on the other worker
      assertTrue(r.failed() <= 12, "at most the requests the crashing worker held: " + r);
      String crashed = null;
      for (String f : r.failures()) {
        assertTrue(f.startsWith("POST 502 ") && f.contains("worker failed"), "only a POST the crash took fails, with 502: " + f);
        java.util.regex.Matcher worker = java.util.regex.Pattern.compile("\"worker\":\"(web-1@[0-9]+)\"").matcher(f);
        assertTrue(worker.find() && (crashed == null || crashed.equals(worker.group(1))), "only the crashing worker's: " + f);
        crashed = worker.group(1);
      }
    }
  }

  /** Issue 14: a failed config that also moved the app's route; after the revert the front routes the old prefix again. */
  @Test
  void aRevertRestoresTheRouteTheFailedConfigChanged() throws Exception {
    String settings = "instances = 2, update.min-healthy-time = 3s";
    try (FrontHarness h = new FrontHarness(kit, "web {\n command = [\"node\", \"$WEB\"]\n route.prefix = \"/old\"\n " + settings + "\n}\n")) {
      h.awaitReady("web", 2);
      assertEquals(200, h.get("/old/hello").statusCode());
      TestProbe<AppEvent> events = kit.createTestProbe(AppEvent.class);
      kit.system().eventStream().tell(new EventStream.Subscribe<>(AppEvent.class, events.getRef()));

      String release = "drover {\n state-dir = \"" + h.settings.stateDir() + "\"\n logs-dir = \"" + h.settings.logsDir() + "\"\n"
          + " app-defaults.env.DROVER_TEST = \"" + h.marker + "\"\n"
          + " app-defaults.readiness { type = http, path = \"/health\" }\n"
          + " apps.web {\n command = [\"node\", \"" + CRASHY + "\", \"--listen\", \"--exit-after\", \"1500\"]\n"
          + " route.prefix = \"/new\"\n " + settings + "\n }\n}\n";
      new io.drover.http.management.LocalConfigApplier(kit.system(), h.supervisor, h.front)
          .apply(release, new io.drover.http.management.ConfigApplier.Origin("release.conf", h.dir), false)
          .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);

      String end = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (end == null && System.nanoTime() < deadline) {
        AppEvent e = events.receiveMessage(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (e.detail().startsWith("web@1 reverted") || e.detail().startsWith("web@1 succeeded")) {
          end = e.detail();
        }
      }
      assertTrue(end != null && end.startsWith("web@1 reverted"), "ended: " + end);
      // the front hears the reverted settings shortly after: wait for its route, bounded
      int old = 0;
      for (long until = System.nanoTime() + Duration.ofSeconds(10).toNanos(); old != 200 && System.nanoTime() < until; ) {
        old = h.get("/old/hello").statusCode();
        if (old != 200) {
          Thread.sleep(50);
        }
      }
      assertEquals(200, old, "the old route serves again after the revert");
      assertEquals(404, h.get("/new/hello").statusCode(), "the failed config's route is gone");
    }
  }

  /** Waits (60 s at most) for deployment web@1 to end: it must fail on web-1's new worker exiting 1, and be reverted. */
  private static void awaitRevertOfWeb1(TestProbe<AppEvent> events) {
    String failed = null;
    String end = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (end == null && System.nanoTime() < deadline) {
      AppEvent e = events.receiveMessage(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (e.detail().startsWith("web@1 failed")) {
        failed = e.detail();
      } else if (e.detail().startsWith("web@1 reverted") || e.detail().startsWith("web@1 succeeded")) {
        end = e.detail();
      }
    }
    assertTrue(failed != null && failed.contains("web-1's new worker exited with status 1"), "failed: " + failed);
    assertTrue(end != null && end.startsWith("web@1 reverted"), "ended: " + end);
  }
}
