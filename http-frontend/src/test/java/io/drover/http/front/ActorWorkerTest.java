package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.Supervisor;
import io.drover.supervisor.WorkerEvent;
import io.drover.supervisor.WorkerState;
import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** kind = actor apps: Java Worker classes behind the front, on thread pools of their own. */
class ActorWorkerTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final String W = "io.drover.http.front.TestWorkers$";

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static String actor(String name, String cls, String extra) {
    return name + " {\n kind = actor\n class = \"" + W + cls + "\"\n readiness.type = none\n " + extra + "\n}\n";
  }

  @Test
  void requestsAreRoutedRoundRobinToActorWorkers() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, actor("hash", "Echo", "instances = 2, route { prefix = \"/hash\", strip-prefix = true }"))) {
      h.awaitReady("hash", 2);
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = h.client.send(
            HttpRequest.newBuilder(h.uri("/hash/x?y=1")).POST(HttpRequest.BodyPublishers.ofString("abc")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().endsWith(" POST /x?y=1 3"), r.body());
        seen.add(r.headers().firstValue("x-worker").orElse(""));
      }
      assertEquals(Set.of("hash-0", "hash-1"), seen);
    }
  }

  @Test
  void aBlockingAppDoesNotSlowAnotherApp() throws Exception {
    String apps = actor("slow", "Sleep", "route.prefix = \"/slow\", config.ms = 2000, max-in-flight = 4")
        + actor("fast", "Echo", "route.prefix = \"/fast\"");
    try (FrontHarness h = new FrontHarness(kit, apps)) {
      h.awaitReady("slow", 1);
      h.awaitReady("fast", 1);
      List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        slow.add(h.client.sendAsync(HttpRequest.newBuilder(h.uri("/slow")).build(), HttpResponse.BodyHandlers.ofString()));
      }
      Thread.sleep(300); // the slow app's threads are all blocked now
      long worst = 0;
      for (int i = 0; i < 20; i++) {
        long t0 = System.nanoTime();
        assertEquals(200, h.get("/fast").statusCode());
        worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
      }
      assertTrue(worst < 250, "the fast app took " + worst + "ms while the slow one blocked");
      for (CompletableFuture<HttpResponse<String>> f : slow) {
        assertEquals("slept 2000", f.get(10, TimeUnit.SECONDS).body());
      }
    }
  }

  @Test
  void anExceptionInStartIsAFailedStartWithBackoff() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, actor("broken", "FailStart", "route.prefix = \"/\", restart.backoff.min = 200ms"))) {
      WorkerEvent failed = awaitEvent(h, "broken", WorkerState.FAILED);
      assertEquals("could not start: java.lang.IllegalStateException: no database", failed.detail());
      awaitEvent(h, "broken", WorkerState.BACKOFF);
      assertEquals(503, h.get("/").statusCode());
    }
  }

  @Test
  void exceptionsInHandleAnswer500AndRestartPastTheThreshold() throws Exception {
    try (FrontHarness h = new FrontHarness(kit, actor("flaky", "FailHandle", "route.prefix = \"/\", failure-threshold = 3, restart.backoff.min = 50ms"))) {
      h.awaitReady("flaky", 1);
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = h.get("/boom");
        assertEquals(500, r.statusCode());
        assertTrue(r.body().contains("worker failed: java.lang.IllegalArgumentException: boom"), r.body());
      }
      WorkerEvent failed = awaitEvent(h, "flaky", WorkerState.FAILED);
      assertTrue(failed.detail().startsWith("3 exceptions in a row from handle"), failed.detail());
      h.awaitReady("flaky", 1);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (h.eventsIn("flaky", WorkerState.READY).size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(2, h.eventsIn("flaky", WorkerState.READY).size(), "restarted");
      assertEquals("fine", h.get("/ok").body());
    }
  }

  @Test
  void aSlowRequestAnswers504() throws Exception {
    String cfg = "route { prefix = \"/\", request-timeout = 300ms }, config.ms = 1500, liveness.failures = 5";
    try (FrontHarness h = new FrontHarness(kit, actor("sleepy", "Sleep", cfg))) {
      h.awaitReady("sleepy", 1);
      HttpResponse<String> r = h.get("/");
      assertEquals(504, r.statusCode());
      assertTrue(r.body().contains("did not answer within 300ms"), r.body());
    }
  }

  @Test
  void aHungWorkerIsRestartedAfterLivenessFailuresTimeouts() throws Exception {
    String cfg = "route { prefix = \"/\", request-timeout = 200ms }, config.ms = 3000, liveness.failures = 2, "
        + "restart.backoff.min = 50ms, stop.drain-timeout = 0s";
    try (FrontHarness h = new FrontHarness(kit, actor("stuck", "Sleep", cfg))) {
      h.awaitReady("stuck", 1);
      assertEquals(504, h.get("/").statusCode());
      assertEquals(504, h.get("/").statusCode());
      WorkerEvent failed = awaitEvent(h, "stuck", WorkerState.FAILED);
      assertTrue(failed.detail().startsWith("hung: 2 requests in a row took longer than 200ms"), failed.detail());
      awaitEvent(h, "stuck", WorkerState.BACKOFF);
    }
  }

  @Test
  void overflowAnswers503() throws Exception {
    String cfg = "route.prefix = \"/\", config.ms = 1000, max-in-flight = 1, max-queue = 1";
    try (FrontHarness h = new FrontHarness(kit, actor("narrow", "Sleep", cfg))) {
      h.awaitReady("narrow", 1);
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        all.add(h.client.sendAsync(HttpRequest.newBuilder(h.uri("/")).build(), HttpResponse.BodyHandlers.ofString()));
      }
      int ok = 0;
      int busy = 0;
      for (CompletableFuture<HttpResponse<String>> f : all) {
        HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
        if (r.statusCode() == 200) {
          ok++;
        } else if (r.statusCode() == 503 && r.body().contains("queue full")) {
          busy++;
        }
      }
      assertEquals(2, ok, "one running and one queued");
      assertEquals(2, busy);
    }
  }

  @Test
  void appsLoadTheirOwnVersionOfAClassAndLeaveNoThreadsWhenRemoved() throws Exception {
    Path v1 = compileVersion("v1");
    Path v2 = compileVersion("v2");
    String apps =
        "one { kind = actor, class = \"demo.Versioned\", classpath = [\"" + v1 + "\"], readiness.type = none, route.prefix = \"/one\" }\n"
            + "two { kind = actor, class = \"demo.Versioned\", classpath = [\"" + v2 + "\"], readiness.type = none, route.prefix = \"/two\" }\n";
    try (FrontHarness h = new FrontHarness(kit, apps)) {
      h.awaitReady("one", 1);
      h.awaitReady("two", 1);
      assertEquals("version v1", h.get("/one").body());
      assertEquals("version v2", h.get("/two").body());
      assertTrue(threadsOf("two") > 0);

      // remove app "two": its workers stop, its pool's threads end
      String only = "drover { state-dir = \"" + h.settings.stateDir() + "\", logs-dir = \"" + h.settings.logsDir() + "\"\n apps {\n"
          + "one { kind = actor, class = \"demo.Versioned\", classpath = [\"" + v1 + "\"], readiness.type = none, route.prefix = \"/one\" }\n}}";
      DroverSettings next = ConfigLoader.parse(only, "apply.conf", h.dir);
      TestProbe<Supervisor.Applied> applied = kit.createTestProbe(Supervisor.Applied.class);
      h.supervisor.tell(new Supervisor.Apply(next, false, applied.getRef()));
      assertEquals(List.of("two"), applied.receiveMessage().removed());
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (threadsOf("two") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(0, threadsOf("two"), "threads of a removed app");
      assertEquals("version v1", h.get("/one").body());
    } finally {
      FrontHarness.deleteTree(v1.getParent().getParent());
      FrontHarness.deleteTree(v2.getParent().getParent());
    }
  }

  static long threadsOf(String app) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("drover-" + app + "-")).count();
  }

  /** Compiles demo.Versioned answering "version <v>" into a directory of its own. */
  static Path compileVersion(String v) throws Exception {
    Path root = Files.createDirectories(Files.createTempDirectory("drover-cl").resolve(v));
    Path src = Files.createDirectories(root.resolve("src/demo")).resolve("Versioned.java");
    Files.writeString(src,
        "package demo;\n"
            + "import io.drover.worker.*;\n"
            + "public final class Versioned implements BlockingWorker {\n"
            + "  public Response handleBlocking(Request r) { return Response.text(200, \"version " + v + "\"); }\n"
            + "}\n");
    Path classes = Files.createDirectories(root.resolve("classes"));
    int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null,
        "-d", classes.toString(), "-cp", System.getProperty("java.class.path"), src.toString());
    assertEquals(0, rc, "compiling " + src);
    return classes;
  }

  static WorkerEvent awaitEvent(FrontHarness h, String app, WorkerState state) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      List<WorkerEvent> e = h.eventsIn(app, state);
      if (!e.isEmpty()) {
        return e.get(0);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no " + state + " event of " + app);
  }
}
