package io.drover.supervisor;

import static io.drover.supervisor.ProcessWorkerTest.app;
import static io.drover.supervisor.ProcessWorkerTest.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.drover.supervisor.process.ProcFs;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A worker's log file that cannot be written (a full disk, its directory gone) never stops the
 * worker: its output is dropped and counted, the trouble is told once, and writing resumes when it
 * can. A worker writing as fast as it can keeps its files within their rotation bounds.
 */
class WorkerLogFaultsTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration T = Duration.ofSeconds(15);
  /** Longer than a pump's retry period (5 s), with a margin for a loaded machine. */
  static final Duration RETRY_WITHIN = Duration.ofSeconds(15);
  static final String TICKING = "\"--tick\", \"20\"";
  static final String NO_READINESS = "readiness.type = none";
  static final Pattern DROPPED = Pattern.compile("^\\[drover\\] dropped (\\d+) bytes of output between ");

  private final ListAppender<ILoggingEvent> pumpLog = new ListAppender<>();

  @BeforeEach
  void capturePumpLog() {
    pumpLog.start();
    ((Logger) LoggerFactory.getLogger("io.drover.supervisor.process.LogPump")).addAppender(pumpLog);
  }

  @AfterEach
  void releasePumpLog() {
    ((Logger) LoggerFactory.getLogger("io.drover.supervisor.process.LogPump")).detachAppender(pumpLog);
  }

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @Test
  void aFullDiskDropsOutputWithOneWarningAndTheWorkerLivesOn() throws Exception {
    Harness.Setup fullDisk = dir -> {
      Path out = dir.resolve("logs/web/web-0.out");
      Files.createDirectories(out.getParent());
      Files.createSymbolicLink(out, Path.of("/dev/full"));
    };
    try (Harness h = new Harness(kit, app("web", TICKING, NO_READINESS), fullDisk)) {
      Path out = h.settings.logsDir().resolve("web/web-0.out");
      long pid = h.await("web", 0, WorkerState.READY, T).pid();
      AppEvent trouble = h.awaitAppDetail("web", "logs: cannot write " + out, T);
      assertEquals("logs: cannot write " + out + ": No space left on device (dropping output until it can)", trouble.detail());
      assertEquals(AppState.RUNNING, trouble.state());
      staysBrokenQuietly(h, pid, out);

      Files.delete(out);
      resumesWithANote(h, pid, out);
    }
  }

  @Test
  void aLogsDirectoryReplacedByAFileDropsOutputUntilItCanBeMadeAgain() throws Exception {
    try (Harness h = new Harness(kit, app("web", TICKING, NO_READINESS))) {
      Path dir = h.settings.logsDir().resolve("web");
      Path out = dir.resolve("web-0.out");
      long pid = h.await("web", 0, WorkerState.READY, T).pid();
      waitFor(() -> read(out).contains("tick 1\n"), T, "ticks in " + out);
      replaceWithFile(dir);
      AppEvent trouble = h.awaitAppDetail("web", "logs: cannot write " + out, RETRY_WITHIN);
      assertEquals("logs: cannot write " + out + ": " + dir + ": not a directory (dropping output until it can)", trouble.detail());
      staysBrokenQuietly(h, pid, out);

      Files.delete(dir);
      resumesWithANote(h, pid, out);
    }
  }

  @Test
  void aFloodingWorkerKeepsItsFilesWithinRotationBoundsAndItsSupervisorAnswering() throws Exception {
    long maxSize = 64 * 1024;
    long bound = maxSize * 3 + 8192;
    String cfg = NO_READINESS + "\n logs { max-size = 64K, keep = 2 }";
    try (Harness h = new Harness(kit, app("web", "\"--flood\", \"3000\"", cfg))) {
      Path dir = h.settings.logsDir().resolve("web");
      Path err = dir.resolve("web-0.err");
      long pid = h.await("web", 0, WorkerState.READY, T).pid();
      Thread pump = pumpThread("drover-output");
      long allocatedBefore = allocated(pump);
      ActorRef<AppSupervisor.Command> app = h.app("web");
      TestProbe<AppStatus> status = kit.createTestProbe(AppStatus.class);
      int answered = 0;
      long deadline = System.nanoTime() + T.toNanos();
      while (!read(err).contains("flooded ")) {
        assertTrue(System.nanoTime() < deadline, "the flood did not end");
        app.tell(new AppSupervisor.GetStatus(status.getRef()));
        assertEquals(pid, status.receiveMessage(Duration.ofSeconds(1)).workers().get(0).pid());
        answered++;
        assertWithinBounds(dir, maxSize, bound);
        Harness.sleep(Duration.ofMillis(100));
      }
      long allocatedDuring = allocated(pump) - allocatedBefore;
      Matcher m = Pattern.compile("flooded (\\d+) bytes").matcher(read(err));
      assertTrue(m.find());
      long flooded = Long.parseLong(m.group(1));
      assertTrue(answered >= 5, "status answered " + answered + " times during the flood");
      assertTrue(flooded >= 4 << 20, "the worker wrote only " + flooded + " bytes in 3 s");
      assertTrue(allocatedDuring < flooded / 4,
          "the pump allocated " + allocatedDuring + " bytes while copying " + flooded);
      assertWithinBounds(dir, maxSize, bound);
      assertTrue(ProcFs.alive(pid));
    }
  }

  // ------------------------------------------------------------ helpers

  /** For a few seconds the worker writes into a broken file: it lives on, and nothing more is said. */
  private void staysBrokenQuietly(Harness h, long pid, Path out) {
    List<DroverEvent> meanwhile = h.collectFor(Duration.ofSeconds(3));
    assertTrue(meanwhile.stream().noneMatch(e -> e instanceof WorkerEvent), "the worker changed: " + meanwhile);
    assertTrue(meanwhile.stream().noneMatch(e -> mentions(e, out)), "said again: " + meanwhile);
    assertTrue(ProcFs.alive(pid));
  }

  /** Once the file can be written, output goes on in it after a note of what was dropped; told once. */
  private void resumesWithANote(Harness h, long pid, Path out) {
    waitFor(() -> Files.isRegularFile(out) && read(out).contains("\ntick "), RETRY_WITHIN, "ticks in a new " + out);
    Matcher note = DROPPED.matcher(read(out));
    assertTrue(note.find(), "no note of dropped output in: " + read(out));
    assertTrue(Long.parseLong(note.group(1)) > 0);
    h.awaitAppDetail("web", "logs: writing " + out + " again (", T);

    assertEquals(1, count(h, "logs: cannot write " + out), h.describeSeen());
    assertEquals(1, count(h, "logs: writing " + out + " again"), h.describeSeen());
    assertEquals(1, pumpLog.list.stream()
        .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains(out.toString())).count(),
        pumpLog.list.toString());
    WorkerStatus worker = h.status("web").workers().get(0);
    assertEquals(pid, worker.pid());
    assertEquals(0, worker.restarts());
  }

  private static boolean mentions(DroverEvent e, Path file) {
    return e instanceof AppEvent a && a.detail().contains(file.toString());
  }

  private static long count(Harness h, String prefix) {
    return h.seen.stream().filter(e -> e instanceof AppEvent a && a.detail().startsWith(prefix)).count();
  }

  /** Deletes a directory and puts a plain file in its place (again, if a pump made it anew in between). */
  private static void replaceWithFile(Path dir) throws IOException {
    for (int i = 0; i < 10; i++) {
      Harness.deleteTree(dir);
      try {
        Files.createFile(dir);
        return;
      } catch (FileAlreadyExistsException remade) {
        // a pump opened its file again between the two steps
      }
    }
    throw new AssertionError("could not replace " + dir + " by a file");
  }

  /** The stream's files: only the current one and keep = 2 rotated ones, none over max-size. */
  private static void assertWithinBounds(Path dir, long maxSize, long bound) throws IOException {
    Set<String> allowed = Set.of("web-0.out", "web-0.out.1", "web-0.out.2");
    long total = 0;
    try (Stream<Path> list = Files.list(dir)) {
      for (String name : list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("web-0.out")).distinct().toList()) {
        assertTrue(allowed.contains(name), "unexpected file " + name);
        long size = sizeOf(dir.resolve(name));
        assertTrue(size <= maxSize, name + " has " + size + " bytes");
        total += size;
      }
    }
    assertTrue(total <= bound, "web-0.out* hold " + total + " bytes");
  }

  private static long sizeOf(Path file) throws IOException {
    try {
      return Files.size(file);
    } catch (NoSuchFileException rotatedMeanwhile) {
      return 0;
    }
  }

  private static Thread pumpThread(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name) && t.isAlive())
        .max(java.util.Comparator.comparingLong(Thread::getId)) // the newest: an earlier test's may be ending
        .orElseThrow(() -> new AssertionError("no thread " + name));
  }

  private static long allocated(Thread t) {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(t.getId());
  }

  static void waitFor(BooleanSupplier condition, Duration within, String what) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Harness.sleep(Duration.ofMillis(50));
    }
  }
}
