package io.drover.supervisor.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.config.LogSpec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every worker's stdout and stderr are read by one thread of the JVM's: nothing a worker writes is
 * lost, a worker writing fast is never held up for long by a full pipe, and a stream ends once its
 * worker has, even while a descendant still holds the pipe open.
 */
class OutputPollerTest {
  static final Duration T = Duration.ofSeconds(15);

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killWhatWasStarted() throws InterruptedException {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aWorkerWritingMegabytesOnBothStreamsLosesNothingAndIsNotHeldUp() throws Exception {
    int lines = 1_200_000; // 8.3 MB a stream: 130 pipes full, each waiting up to MAX_WAIT were it polled only then
    WorkerLogs logs = new WorkerLogs("flood", dir, new LogSpec(64L << 20, 1));
    long t0 = System.nanoTime();
    Process p = start("seq 1 " + lines + " & seq 1 " + lines + " >&2; wait");
    OutputTail tail = logs.attach("flood-0", p);
    assertTrue(p.waitFor(T.toSeconds(), TimeUnit.SECONDS), "the worker did not finish writing");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    tail.closed().get(T.toSeconds(), TimeUnit.SECONDS);

    byte[] expected = seq(lines);
    Path out = dir.resolve("flood-0.out");
    Path err = dir.resolve("flood-0.err");
    waitForSize(out, expected.length);
    assertArrayEquals(expected, Files.readAllBytes(out), "stdout, byte for byte");
    assertArrayEquals(expected, Files.readAllBytes(err), "stderr, byte for byte");
    assertTrue(took.compareTo(Duration.ofSeconds(6)) < 0, "writing 2 x " + expected.length + " bytes took " + took);
  }

  @Test
  void rotatedFilesEndAtALinesEndThoughTheWriterCutsLinesBetweenWrites() throws Exception {
    int lines = 100_000; // 1.4 MB, written by seq's stdio in 4 KiB blocks that end mid-line
    WorkerLogs logs = new WorkerLogs("cut", dir, new LogSpec(16 * 1024, 1000));
    Process p = start("seq -f 'line %08.0f' 1 " + lines);
    OutputTail tail = logs.attach("cut-0", p);
    assertTrue(p.waitFor(T.toSeconds(), TimeUnit.SECONDS));
    tail.closed().get(T.toSeconds(), TimeUnit.SECONDS);
    StringBuilder expected = new StringBuilder();
    for (int i = 1; i <= lines; i++) {
      expected.append(String.format("line %08d\n", i));
    }
    long deadline = System.nanoTime() + T.toNanos();
    List<Path> files = filesOf("cut-0.out");
    while (files.stream().mapToLong(OutputPollerTest::sizeOrZero).sum() < expected.length()) {
      assertTrue(System.nanoTime() < deadline, "cut-0.out* hold less than " + expected.length() + " bytes");
      Thread.sleep(20);
      files = filesOf("cut-0.out");
    }
    StringBuilder all = new StringBuilder();
    for (Path f : files) { // oldest first
      String text = Files.readString(f);
      assertTrue(text.length() <= 16 * 1024, f + " has " + text.length() + " bytes");
      assertTrue(text.endsWith("\n"), f + " ends mid-line: ..." + text.substring(Math.max(0, text.length() - 20)));
      all.append(text);
    }
    assertTrue(files.size() > 50, files.size() + " files");
    assertEquals(expected.toString(), all.toString());
  }

  @Test
  void manyWorkersShareOneThreadAndEachStreamEndsWithItsWorker() throws Exception {
    int n = 40;
    WorkerLogs logs = new WorkerLogs("many", dir, new LogSpec(1 << 20, 1));
    logs.attach("warmup-0", start("echo warm")).closed().get(T.toSeconds(), TimeUnit.SECONDS);
    int before = ManagementFactory.getThreadMXBean().getThreadCount();
    List<OutputTail> tails = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tails.add(logs.attach("many-" + i, start("echo out-" + i + "; echo err-" + i + " >&2; exec sleep 60")));
    }
    for (int i = 0; i < n; i++) {
      waitForText(dir.resolve("many-" + i + ".out"), "out-" + i + "\n");
      waitForText(dir.resolve("many-" + i + ".err"), "err-" + i + "\n");
    }
    int during = ManagementFactory.getThreadMXBean().getThreadCount();
    // the JDK waits for each child on a thread of its own; a thread per pipe would add 2 more each
    assertTrue(during - before <= n + 4, n + " workers took " + (during - before) + " threads");
    assertIdlePipesWakeThePollerOnOneBeat(2 * n);

    for (Process p : started) {
      p.toHandle().destroy(); // a signal only: Process.destroy would close the streams as well
    }
    for (int i = 0; i < n; i++) {
      tails.get(i).closed().get(T.toSeconds(), TimeUnit.SECONDS);
      assertEquals("err-" + i, tails.get(i).lastLines(3));
    }
  }

  @Test
  void aStreamEndsWhenItsWorkerExitsThoughADescendantHoldsThePipe() throws Exception {
    WorkerLogs logs = new WorkerLogs("orphan", dir, new LogSpec(1 << 20, 1));
    Process p = start("sleep 60 & echo child $!; echo bye >&2");
    OutputTail tail = logs.attach("orphan-0", p);
    assertTrue(p.waitFor(T.toSeconds(), TimeUnit.SECONDS));
    Path out = dir.resolve("orphan-0.out");
    waitForText(out, "\n");
    ProcessHandle child = ProcessHandle.of(Long.parseLong(Files.readString(out).substring("child ".length()).strip()))
        .orElseThrow(() -> new AssertionError("the descendant is gone"));
    try {
      tail.closed().get(2, TimeUnit.SECONDS); // the sleep holds both pipes for a minute
      assertTrue(child.isAlive(), "the descendant is gone");
      assertEquals("bye", tail.lastLines(3));
    } finally {
      child.destroyForcibly();
    }
  }

  private Process start(String script) throws IOException {
    Process p = new ProcessBuilder("sh", "-c", script).start();
    started.add(p);
    return p;
  }

  /** The stream's files, oldest (highest number) first, the current one last. */
  private List<Path> filesOf(String name) throws IOException {
    List<Path> files = new ArrayList<>();
    for (int i = 1000; i >= 1; i--) {
      Path f = dir.resolve(name + "." + i);
      if (Files.exists(f)) {
        files.add(f);
      }
    }
    files.add(dir.resolve(name));
    return files;
  }

  private static long sizeOrZero(Path file) {
    try {
      return sizeOf(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private static byte[] seq(int lines) {
    StringBuilder s = new StringBuilder(lines * 8);
    for (int i = 1; i <= lines; i++) {
      s.append(i).append('\n');
    }
    return s.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static long sizeOf(Path file) throws IOException {
    try {
      return Files.size(file);
    } catch (NoSuchFileException notYet) {
      return 0;
    }
  }

  /**
   * Once the pipes are quiet (their waits grown to MAX_WAIT, half a second after their last
   * bytes), the poller's thread wakes 4 times a second for all of them: about 5 wake-ups in a
   * second, where each pipe at its own phase would wake it up to 4 times a second each.
   */
  private static void assertIdlePipesWakeThePollerOnOneBeat(int pipes) throws Exception {
    Path task = pollerThread();
    long woke = Long.MAX_VALUE;
    for (int window = 0; window < 8 && woke > 8; window++) { // the first windows see the waits grow
      long before = switches(task);
      Thread.sleep(1000); // a window of measurement, not a wait for an event
      woke = switches(task) - before;
    }
    assertTrue(woke <= 8, "with " + pipes + " idle pipes the poller woke " + woke + " times in a second");
  }

  /** /proc/self/task/TID of the poller's thread ("drover-output"). */
  private static Path pollerThread() throws IOException {
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      return tasks.filter(t -> {
        try {
          return Files.readString(t.resolve("comm")).trim().equals("drover-output");
        } catch (IOException e) {
          return false; // ended meanwhile
        }
      }).findFirst().orElseThrow(() -> new AssertionError("no thread drover-output"));
    }
  }

  private static long switches(Path task) throws IOException {
    return Files.readAllLines(task.resolve("status")).stream()
        .filter(l -> l.startsWith("voluntary_ctxt_switches:"))
        .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim()))
        .findFirst().orElseThrow();
  }

  private static void waitForSize(Path file, long size) throws Exception {
    long deadline = System.nanoTime() + T.toNanos();
    while (sizeOf(file) < size) {
      assertTrue(System.nanoTime() < deadline, file + " has " + sizeOf(file) + " of " + size + " bytes");
      Thread.sleep(20);
    }
  }

  private static void waitForText(Path file, String text) throws Exception {
    long deadline = System.nanoTime() + T.toNanos();
    while (!(Files.isRegularFile(file) && Files.readString(file).contains(text))) {
      assertTrue(System.nanoTime() < deadline, file + " never held " + text.strip());
      Thread.sleep(20);
    }
  }
}
