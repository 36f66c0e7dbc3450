package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.drover.supervisor.config.ConfigLoader;
import io.drover.supervisor.config.DroverSettings;
import io.drover.supervisor.process.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.eventstream.EventStream;

/**
 * Runs a real {@link Supervisor} over a config written in a test, records every event it
 * publishes, and on close stops it and checks that no process it spawned is left running.
 */
final class Harness implements AutoCloseable {
  static final Path WORKER = Path.of("src/test/resources/workers/worker.js").toAbsolutePath();

  final Path dir;
  final String marker = UUID.randomUUID().toString();
  final DroverSettings settings;
  private final ActorTestKit kit;
  private final TestProbe<DroverEvent> events;
  final List<DroverEvent> seen = new ArrayList<>();
  private final java.util.Map<String, Integer> cursors = new java.util.HashMap<>();
  final ActorRef<Supervisor.Command> supervisor;

  /**
   * @param apps the body of {@code drover.apps { ... }}; {@code $WORKER} stands for the test
   *     worker script and {@code $DIR} for this harness's temporary directory
   */
  Harness(ActorTestKit kit, String apps) throws IOException {
    this(kit, apps, dir -> {});
  }

  /** Prepares files in a harness's directory before its supervisor starts. */
  interface Setup {
    void prepare(Path dir) throws IOException;
  }

  /** @param before runs on this harness's directory before the supervisor starts */
  Harness(ActorTestKit kit, String apps, Setup before) throws IOException {
    this.kit = kit;
    this.dir = Files.createTempDirectory("drover-test");
    try {
      this.settings = settings(apps);
      before.prepare(dir);
    } catch (RuntimeException | IOException e) {
      deleteTree(dir);
      throw e;
    }
    this.events = kit.createTestProbe(DroverEvent.class);
    kit.system().eventStream().tell(new EventStream.Subscribe<>(DroverEvent.class, events.getRef()));
    this.supervisor = kit.spawn(Supervisor.create(settings));
  }

  /** Settings with {@code apps} (as for the constructor) in this harness's directories: for an apply. */
  DroverSettings settings(String apps) {
    String hocon =
        "drover {\n  state-dir = \"" + dir.resolve("state") + "\"\n  logs-dir = \"" + dir.resolve("logs")
            + "\"\n  app-defaults.env.DROVER_TEST = \"" + marker + "\"\n  apps {\n"
            + apps.replace("$WORKER", WORKER.toString()).replace("$DIR", dir.toString())
            + "\n  }\n}\n";
    return ConfigLoader.parse(hocon, "test.conf", dir);
  }

  /**
   * Waits for the worker's next event in this state: the first one after the last event of this
   * worker that an await returned (events of other workers may interleave freely).
   */
  WorkerEvent await(String app, int instance, WorkerState state, Duration within) {
    return (WorkerEvent)
        awaitEvent(
            app + "-" + instance,
            e -> e instanceof WorkerEvent w && w.app().equals(app) && w.instance() == instance && w.state() == state,
            within,
            app + "-" + instance + " " + state);
  }

  /** Waits for the app's next event with this state. */
  AppEvent awaitApp(String app, AppState state, Duration within) {
    return (AppEvent)
        awaitEvent(
            "app " + app,
            e -> e instanceof AppEvent a && a.app().equals(app) && a.state() == state,
            within,
            app + " " + state);
  }

  /** Waits for the app's next event whose detail starts with {@code prefix}, in any state. */
  AppEvent awaitAppDetail(String app, String prefix, Duration within) {
    return (AppEvent)
        awaitEvent(
            "app " + app + " " + prefix,
            e -> e instanceof AppEvent a && a.app().equals(app) && a.detail().startsWith(prefix),
            within,
            app + " '" + prefix + "...'");
  }

  private DroverEvent awaitEvent(String cursorKey, Predicate<DroverEvent> match, Duration within, String what) {
    int from = cursors.getOrDefault(cursorKey, 0);
    for (int i = from; i < seen.size(); i++) {
      if (match.test(seen.get(i))) {
        cursors.put(cursorKey, i + 1);
        return seen.get(i);
      }
    }
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        fail("no event " + what + " within " + within + "; seen: " + describeSeen());
      }
      DroverEvent e;
      try {
        e = events.receiveMessage(Duration.ofNanos(left));
      } catch (AssertionError timeout) {
        fail("no event " + what + " within " + within + "; seen: " + describeSeen());
        return null;
      }
      seen.add(e);
      if (match.test(e)) {
        cursors.put(cursorKey, seen.size());
        return e;
      }
    }
  }

  /** Collects events for {@code d} and returns those seen in that time. */
  List<DroverEvent> collectFor(Duration d) {
    List<DroverEvent> got = new ArrayList<>();
    long deadline = System.nanoTime() + d.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        DroverEvent e = events.receiveMessage(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        seen.add(e);
        got.add(e);
      } catch (AssertionError timeout) {
        break;
      }
    }
    return got;
  }

  String describeSeen() {
    StringBuilder sb = new StringBuilder();
    for (DroverEvent e : seen) {
      if (e instanceof WorkerEvent w) {
        sb.append("\n  ").append(w.worker()).append(' ').append(w.state()).append(" pid=").append(w.pid()).append(' ').append(w.detail());
      } else if (e instanceof AppEvent a) {
        sb.append("\n  app ").append(a.app()).append(' ').append(a.state()).append(' ').append(a.detail());
      }
    }
    return sb.toString();
  }

  AppStatus status(String app) {
    TestProbe<AppStatus> probe = kit.createTestProbe(AppStatus.class);
    app(app).tell(new AppSupervisor.GetStatus(probe.getRef()));
    return probe.receiveMessage();
  }

  /** The app's supervisor. */
  ActorRef<AppSupervisor.Command> app(String app) {
    TestProbe<Supervisor.Apps> apps = kit.createTestProbe(Supervisor.Apps.class);
    supervisor.tell(new Supervisor.GetApps(apps.getRef()));
    return apps.receiveMessage().apps().get(app);
  }

  /** Live processes spawned by this harness (they carry its marker in their environment). */
  List<Long> liveProcesses() {
    return ProcFs.withEnvironment("DROVER_TEST", marker);
  }

  @Override
  public void close() throws IOException {
    try {
      TestProbe<Done> done = kit.createTestProbe(Done.class);
      supervisor.tell(new Supervisor.StopAll(done.getRef()));
      done.receiveMessage(Duration.ofSeconds(30));
      kit.stop(supervisor, Duration.ofSeconds(10));
      kit.system().eventStream().tell(new EventStream.Unsubscribe<>(events.getRef()));
      List<Long> left = liveProcesses();
      for (int i = 0; i < 50 && !left.isEmpty(); i++) {
        sleep(Duration.ofMillis(100));
        left = liveProcesses();
      }
      assertEquals(List.of(), left, "processes left running after the supervisor stopped");
    } finally {
      ProcFs.signal(io.drover.supervisor.config.Signal.KILL, 0, liveProcesses());
      deleteTree(dir);
    }
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
