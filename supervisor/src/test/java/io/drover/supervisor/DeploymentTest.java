package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Deployments (an apply with new settings): replaced max-parallel at a time, each new worker
 * healthy only after min-healthy-time, a failed one reverted, canaries that wait for a promote, a
 * rollback, and a newer apply that supersedes — with real worker processes, never fewer ready than
 * the app's instances.
 */
class DeploymentTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration T = Duration.ofSeconds(30);

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static String web(int instances, String update, String extra) {
    return "web {\n command = [\"node\", \"$WORKER\", \"--listen\"" + extra + "]\n instances = " + instances
        + "\n update { " + update + " }\n stop.drain-timeout = 0s\n}\n";
  }

  @Test
  void aReleaseWhoseWorkersExitSoonAfterReadyIsRevertedWithoutLosingCapacity() throws Exception {
    String update = "min-healthy-time = 3s";
    try (Harness h = new Harness(kit, web(2, update, ""))) {
      long old0 = h.await("web", 0, WorkerState.READY, T).pid();
      long old1 = h.await("web", 1, WorkerState.READY, T).pid();
      // the new release: instance 1's workers exit 1.5 s after they start (about 1 s after ready)
      h.supervisor.tell(new Supervisor.Apply(
          h.settings(web(2, update, ", \"--exit-after\", \"1500\", \"--only-instance\", \"1\"")), false,
          kit.createTestProbe(Supervisor.Applied.class).getRef()));
      AppEvent failed = h.awaitAppDetail("web", "web@1 failed: ", T);
      assertTrue(failed.detail().contains("web-1's new worker exited with status 1"), failed.detail());
      assertTrue(failed.detail().contains("after it was ready (within update.min-healthy-time 3s)"), failed.detail());
      AppEvent reverted = h.awaitAppDetail("web", "web@1 reverted: ", T);
      assertTrue(reverted.detail().contains("back on the last healthy settings"), reverted.detail());

      AppStatus status = h.status("web");
      assertFalse(status.spec().command().contains("--exit-after"), "the app's settings went back: " + status.spec());
      for (WorkerStatus w : status.workers()) {
        assertEquals(WorkerState.READY, w.state(), w.toString());
        assertFalse(cmdline(w.pid()).contains("--exit-after"), "an old-settings worker in slot " + w.instance());
      }
      // slot 0 was replaced by the release, then back: a third process; slot 1 kept its own
      assertTrue(status.workers().get(0).pid() != old0, "slot 0 was replaced");
      assertEquals(old1, status.workers().get(1).pid(), "slot 1's old worker served throughout");
      assertLeastReady(h, 2);
      DeploymentStatus last = deployments(h).recent().get(0);
      assertEquals(DeploymentState.REVERTED, last.state());
      assertNotNull(last.finished());
      assertNull(deployments(h).current());
    }
  }

  @Test
  void maxParallelTwoReplacesTwoWorkersAtATime() throws Exception {
    String update = "max-parallel = 2, min-healthy-time = 500ms";
    try (Harness h = new Harness(kit, web(4, update, ""))) {
      for (int i = 0; i < 4; i++) {
        h.await("web", i, WorkerState.READY, T);
      }
      apply(h, web(4, update, ", \"--tick\", \"60000\""));
      h.awaitAppDetail("web", "web@1 succeeded", T);
      int replacingAtOnce = 0;
      int most = 0;
      boolean deploying = false;
      for (DroverEvent e : h.seen) {
        if (e instanceof AppEvent a && a.detail().startsWith("web@1 started")) {
          deploying = true;
        } else if (deploying && e instanceof WorkerEvent w && w.state() == WorkerState.STARTING && w.detail().startsWith("spawning")) {
          most = Math.max(most, ++replacingAtOnce);
        } else if (deploying && e instanceof WorkerEvent w && w.state() == WorkerState.STOPPED) {
          replacingAtOnce--;
        }
      }
      assertEquals(2, most, "replaced two at a time:" + h.describeSeen());
      assertLeastReady(h, 4);
      for (WorkerStatus w : h.status("web").workers()) {
        assertTrue(cmdline(w.pid()).contains("--tick"), "slot " + w.instance() + " runs the new settings");
      }
    }
  }

  @Test
  void aCanaryWaitsForPromoteThenTheRestFollowAndARollbackGoesBack() throws Exception {
    String update = "canary = 1, auto-promote = off, min-healthy-time = 500ms";
    try (Harness h = new Harness(kit, web(2, update, ""))) {
      long old0 = h.await("web", 0, WorkerState.READY, T).pid();
      long old1 = h.await("web", 1, WorkerState.READY, T).pid();
      TestProbe<AppSupervisor.DeploymentAnswer> answers = kit.createTestProbe(AppSupervisor.DeploymentAnswer.class);
      h.app("web").tell(new AppSupervisor.Rollback(answers.getRef()));
      AppSupervisor.DeploymentAnswer nothing = answers.receiveMessage(T);
      assertFalse(nothing.done());
      assertEquals("no earlier healthy settings to roll back to", nothing.detail());

      apply(h, web(2, update, ", \"--tick\", \"60000\""));
      h.awaitAppDetail("web", "web@1: 1 canaries healthy; waiting for a promote", T);
      DeploymentStatus waiting = deployments(h).current();
      assertEquals(DeploymentState.CANARY_WAITING, waiting.state());
      assertEquals(List.of("healthy", "pending"), waiting.slots().stream().map(DeploymentStatus.Slot::phase).toList());
      long canary = waiting.slots().get(0).pid();
      assertTrue(cmdline(canary).contains("--tick"));
      // the canary serves beside every old worker
      AppStatus during = h.status("web");
      assertEquals(List.of(old0, old1), during.workers().stream().map(WorkerStatus::pid).toList());
      assertEquals(3, h.liveProcesses().size());

      h.app("web").tell(new AppSupervisor.Promote(answers.getRef()));
      assertTrue(answers.receiveMessage(T).done());
      h.awaitAppDetail("web", "web@1 succeeded", T);
      List<Long> promoted = h.status("web").workers().stream().map(WorkerStatus::pid).toList();
      assertEquals(canary, promoted.get(0), "the canary took slot 0");
      assertTrue(cmdline(promoted.get(1)).contains("--tick"));
      assertLeastReady(h, 2);

      h.app("web").tell(new AppSupervisor.Rollback(answers.getRef()));
      assertTrue(answers.receiveMessage(T).done());
      h.awaitAppDetail("web", "web@2 started (rollback)", T);
      // a rollback is a deployment like any: its canary waits for a promote too
      h.awaitAppDetail("web", "web@2: 1 canaries healthy", T);
      h.app("web").tell(new AppSupervisor.Promote(answers.getRef()));
      assertTrue(answers.receiveMessage(T).done());
      h.awaitAppDetail("web", "web@2 succeeded", T);
      for (WorkerStatus w : h.status("web").workers()) {
        assertFalse(cmdline(w.pid()).contains("--tick"), "slot " + w.instance() + " is back on the first settings");
      }
      assertEquals(List.of("web@2", "web@1"), deployments(h).recent().stream().map(DeploymentStatus::id).toList());
    }
  }

  @Test
  void aNewerApplySupersedesTheDeploymentInProgress() throws Exception {
    String update = "min-healthy-time = 2s";
    try (Harness h = new Harness(kit, web(2, update, ""))) {
      h.await("web", 0, WorkerState.READY, T);
      h.await("web", 1, WorkerState.READY, T);
      apply(h, web(2, update, ", \"--tick\", \"60001\""));
      h.awaitAppDetail("web", "web@1: web-0's new worker is ready", T);
      apply(h, web(2, update, ", \"--tick\", \"60002\""));
      AppEvent superseded = h.awaitAppDetail("web", "web@1 superseded", T);
      assertEquals("web@1 superseded: superseded by web@2", superseded.detail());
      h.awaitAppDetail("web", "web@2 succeeded", T);
      for (WorkerStatus w : h.status("web").workers()) {
        assertTrue(cmdline(w.pid()).contains("60002"), "slot " + w.instance() + " runs the newest settings");
      }
      assertEquals(2, h.liveProcesses().size(), "the superseded deployment's worker was stopped");
      assertLeastReady(h, 2);
      assertEquals(List.of(DeploymentState.SUCCEEDED, DeploymentState.SUPERSEDED),
          deployments(h).recent().stream().map(DeploymentStatus::state).toList());
    }
  }

  @Test
  void stoppingMidDeploymentCancelsItAndTheNextStartRunsTheNewSettings() throws Exception {
    String update = "min-healthy-time = 5s";
    try (Harness h = new Harness(kit, web(2, update, ""))) {
      h.await("web", 0, WorkerState.READY, T);
      h.await("web", 1, WorkerState.READY, T);
      apply(h, web(2, update, ", \"--tick\", \"60003\""));
      h.awaitAppDetail("web", "web@1: web-0's new worker is ready", T);
      TestProbe<org.apache.pekko.Done> stopped = kit.createTestProbe(org.apache.pekko.Done.class);
      h.app("web").tell(new AppSupervisor.StopApp(stopped.getRef()));
      stopped.receiveMessage(T);
      assertEquals(DeploymentState.CANCELLED, deployments(h).recent().get(0).state());
      awaitNoProcesses(h);
      h.app("web").tell(AppSupervisor.StartApp.INSTANCE);
      h.awaitAppDetail("web", "2 workers ready", T); // the first start's
      h.awaitAppDetail("web", "2 workers ready", T);
      for (WorkerStatus w : h.status("web").workers()) {
        assertTrue(cmdline(w.pid()).contains("60003"), "slot " + w.instance() + " starts on the new settings");
      }
    }
  }

  @Test
  void aNewWorkerNotHealthyWithinTheDeadlineFailsTheDeployment() throws Exception {
    String update = "min-healthy-time = 0s, healthy-deadline = 1s";
    try (Harness h = new Harness(kit, web(1, update, ""))) {
      long old = h.await("web", 0, WorkerState.READY, T).pid();
      apply(h, web(1, update, "").replace("\"--listen\"", "\"--listen-after\", \"20000\""));
      AppEvent failed = h.awaitAppDetail("web", "web@1 failed: ", T);
      assertTrue(failed.detail().startsWith("web@1 failed: web-0's new worker was not healthy within update.healthy-deadline (1s)"),
          failed.detail());
      h.awaitAppDetail("web", "web@1 reverted", T);
      assertEquals(old, h.status("web").workers().get(0).pid(), "the old worker served throughout");
      awaitProcesses(h, 1);
    }
  }

  @Test
  void aScaleDuringADeploymentAddsWorkersOnTheNewSettings() throws Exception {
    String update = "min-healthy-time = 1s";
    try (Harness h = new Harness(kit, web(2, update, ""))) {
      h.await("web", 0, WorkerState.READY, T);
      h.await("web", 1, WorkerState.READY, T);
      apply(h, web(2, update, ", \"--tick\", \"60004\""));
      h.awaitAppDetail("web", "web@1: web-0's new worker is ready", T);
      TestProbe<AppSupervisor.Scaled> scaled = kit.createTestProbe(AppSupervisor.Scaled.class);
      h.app("web").tell(new AppSupervisor.Scale(3, scaled.getRef()));
      assertEquals(3, scaled.receiveMessage(T).instances());
      h.awaitAppDetail("web", "web@1 succeeded", T);
      List<WorkerStatus> workers = h.status("web").workers();
      assertEquals(3, workers.size());
      for (WorkerStatus w : workers) {
        assertTrue(cmdline(w.pid()).contains("60004"), "slot " + w.instance() + " runs the new settings");
      }
      assertLeastReady(h, 2);
    }
  }

  @Test
  void anApplyDuringARollingRestartTakesOverAndARestartWaitsForNoDeployment() throws Exception {
    String update = "min-healthy-time = 1s";
    try (Harness h = new Harness(kit, web(3, update, ""))) {
      for (int i = 0; i < 3; i++) {
        h.await("web", i, WorkerState.READY, T);
      }
      TestProbe<AppSupervisor.RollingResult> restarted = kit.createTestProbe(AppSupervisor.RollingResult.class);
      h.app("web").tell(new AppSupervisor.RestartRolling(restarted.getRef()));
      apply(h, web(3, update, ", \"--tick\", \"60005\""));
      AppSupervisor.RollingResult restart = restarted.receiveMessage(T);
      assertFalse(restart.completed());
      assertEquals("rolling restart superseded by web@1 (new settings)", restart.detail());
      h.app("web").tell(new AppSupervisor.RestartRolling(restarted.getRef()));
      AppSupervisor.RollingResult refused = restarted.receiveMessage(T);
      assertFalse(refused.completed());
      assertEquals("web@1 is in progress", refused.detail());
      h.awaitAppDetail("web", "web@1 succeeded", T);
      for (WorkerStatus w : h.status("web").workers()) {
        assertTrue(cmdline(w.pid()).contains("60005"), "slot " + w.instance() + " runs the new settings");
      }
      awaitProcesses(h, 3);
      assertLeastReady(h, 3);
    }
  }

  @Test
  void theRevertedSettingsAreTheAppliedOnesSoApplyingTheFailedOnesAgainDeploysThemAgain() throws Exception {
    String update = "min-healthy-time = 0s, healthy-deadline = 1s";
    String good = web(1, update, "");
    String bad = good.replace("\"--listen\"", "\"--listen-after\", \"20000\"");
    try (Harness h = new Harness(kit, good)) {
      long old = h.await("web", 0, WorkerState.READY, T).pid();
      assertEquals(List.of("web"), applyAndDiff(h, bad).changed());
      h.awaitAppDetail("web", "web@1 reverted", T);
      assertEquals(h.settings.apps().get("web"), settings(h).apps().get("web"), "the node holds the settings that run");

      // what runs is what the node holds: the good settings are unchanged, the failed ones a change
      Supervisor.Applied same = applyAndDiff(h, good);
      assertEquals(List.of("web"), same.unchanged(), same.toString());
      Supervisor.Applied again = applyAndDiff(h, bad);
      assertEquals(List.of("web"), again.changed(), again.toString());
      h.awaitAppDetail("web", "web@2 started (apply)", T);
      h.awaitAppDetail("web", "web@2 reverted", T);
      assertEquals(h.settings.apps().get("web"), settings(h).apps().get("web"));
      assertEquals(old, h.status("web").workers().get(0).pid(), "the old worker served throughout");
      assertEquals(List.of(DeploymentState.REVERTED, DeploymentState.REVERTED),
          deployments(h).recent().stream().map(DeploymentStatus::state).toList());
      awaitProcesses(h, 1);
    }
  }

  @Test
  void afterARollbackTheNodeHoldsTheSettingsThatRunWithTheAppliedCount() throws Exception {
    String update = "min-healthy-time = 0s";
    try (Harness h = new Harness(kit, web(1, update, ""))) {
      h.await("web", 0, WorkerState.READY, T);
      String ticking = web(2, update, ", \"--tick\", \"60006\"");
      assertEquals(List.of("web"), applyAndDiff(h, ticking).changed());
      h.awaitAppDetail("web", "web@1 succeeded", T);
      TestProbe<AppSupervisor.DeploymentAnswer> answers = kit.createTestProbe(AppSupervisor.DeploymentAnswer.class);
      h.app("web").tell(new AppSupervisor.Rollback(answers.getRef()));
      assertTrue(answers.receiveMessage(T).done());
      h.awaitAppDetail("web", "web@2 succeeded", T);
      io.drover.supervisor.config.AppSpec held = settings(h).apps().get("web");
      assertEquals(h.settings.apps().get("web").withInstances(2), held, "the first settings, at the count applied since");
      assertEquals(held, h.status("web").spec(), "the app shows the settings it runs");
      for (WorkerStatus w : h.status("web").workers()) {
        assertFalse(cmdline(w.pid()).contains("--tick"), "slot " + w.instance() + " is back on the first settings");
      }
      Supervisor.Applied again = applyAndDiff(h, ticking);
      assertEquals(List.of("web"), again.changed(), again.toString());
      h.awaitAppDetail("web", "web@3 succeeded", T);
      assertEquals(settings(h).apps().get("web"), h.status("web").spec());
    }
  }

  @Test
  void aScaleWhileCanariesAreOnTrialAddsOldWorkersAndDropsACanaryWhoseSlotGoes() throws Exception {
    String update = "canary = 2, auto-promote = off, min-healthy-time = 200ms";
    try (Harness h = new Harness(kit, web(3, update, ""))) {
      for (int i = 0; i < 3; i++) {
        h.await("web", i, WorkerState.READY, T);
      }
      apply(h, web(3, update, ", \"--tick\", \"60007\""));
      h.awaitAppDetail("web", "web@1: 2 canaries healthy; waiting for a promote", T);
      assertEquals(5, h.liveProcesses().size(), "two canaries beside three old workers");

      // an autoscaler's scale-up puts no untried settings beyond the canaries
      TestProbe<AppSupervisor.Scaled> scaled = kit.createTestProbe(AppSupervisor.Scaled.class);
      h.app("web").tell(new AppSupervisor.Scale(4, "autoscale: test", scaled.getRef()));
      assertEquals(4, scaled.receiveMessage(T).instances());
      long added = h.await("web", 3, WorkerState.READY, T).pid();
      assertFalse(cmdline(added).contains("--tick"), "the added slot runs the old settings while canaries are on trial");
      assertEquals(DeploymentState.CANARY_WAITING, deployments(h).current().state());

      // a scale-down that takes a canary's slot: the deployment waits for the canary it still has
      h.app("web").tell(new AppSupervisor.Scale(1, "autoscale: test", scaled.getRef()));
      assertEquals(1, scaled.receiveMessage(T).instances());
      h.awaitAppDetail("web", "web@1: a canary's slot was scaled away; 1 canaries on trial", T);
      awaitProcesses(h, 2);
      TestProbe<AppSupervisor.DeploymentAnswer> answers = kit.createTestProbe(AppSupervisor.DeploymentAnswer.class);
      h.app("web").tell(new AppSupervisor.Promote(answers.getRef()));
      AppSupervisor.DeploymentAnswer promoted = answers.receiveMessage(T);
      assertTrue(promoted.done(), promoted.detail());
      h.awaitAppDetail("web", "web@1 succeeded", T);
      List<WorkerStatus> workers = h.status("web").workers();
      assertEquals(1, workers.size());
      assertTrue(cmdline(workers.get(0).pid()).contains("60007"), "the canary took the slot");
      awaitProcesses(h, 1);

      // and a scale-up after the deployment runs the new settings
      h.app("web").tell(new AppSupervisor.Scale(2, scaled.getRef()));
      h.awaitAppDetail("web", "2 workers ready", T);
      assertTrue(cmdline(h.status("web").workers().get(1).pid()).contains("60007"));
    }
  }

  private static Supervisor.Applied applyAndDiff(Harness h, String apps) {
    TestProbe<Supervisor.Applied> diff = kit.createTestProbe(Supervisor.Applied.class);
    h.supervisor.tell(new Supervisor.Apply(h.settings(apps), false, diff.getRef()));
    return diff.receiveMessage(T);
  }

  private static io.drover.supervisor.config.DroverSettings settings(Harness h) {
    TestProbe<io.drover.supervisor.config.DroverSettings> probe = kit.createTestProbe(io.drover.supervisor.config.DroverSettings.class);
    h.supervisor.tell(new Supervisor.GetSettings(probe.getRef()));
    return probe.receiveMessage(T);
  }

  private static void awaitProcesses(Harness h, int n) throws InterruptedException {
    long deadline = System.nanoTime() + T.toNanos();
    while (h.liveProcesses().size() != n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(n, h.liveProcesses().size(), "live worker processes");
  }

  private static void apply(Harness h, String apps) {
    h.supervisor.tell(new Supervisor.Apply(h.settings(apps), false, kit.createTestProbe(Supervisor.Applied.class).getRef()));
  }

  private static AppSupervisor.Deployments deployments(Harness h) {
    TestProbe<AppSupervisor.Deployments> probe = kit.createTestProbe(AppSupervisor.Deployments.class);
    h.app("web").tell(new AppSupervisor.GetDeployments(probe.getRef()));
    return probe.receiveMessage(T);
  }

  /** Never fewer ready worker processes than {@code n} once {@code n} were first ready. */
  private static void assertLeastReady(Harness h, int n) {
    Set<Long> ready = new HashSet<>();
    boolean counting = false;
    int least = Integer.MAX_VALUE;
    for (DroverEvent e : h.seen) {
      if (!(e instanceof WorkerEvent w) || !w.app().equals("web")) {
        continue;
      }
      if (w.state() == WorkerState.READY) {
        ready.add(w.pid());
        counting |= ready.size() >= n;
      } else {
        ready.remove(w.pid());
      }
      if (counting) {
        least = Math.min(least, ready.size());
      }
    }
    assertTrue(counting, "never " + n + " ready:" + h.describeSeen());
    assertTrue(least >= n, "ready processes dropped to " + least + ":" + h.describeSeen());
  }

  private static void awaitNoProcesses(Harness h) throws InterruptedException {
    long deadline = System.nanoTime() + T.toNanos();
    while (!h.liveProcesses().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(List.of(), h.liveProcesses());
  }

  private static String cmdline(long pid) throws IOException {
    return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
  }
}
