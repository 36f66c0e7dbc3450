package io.drover.supervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pump's accounting while its file cannot be written: every byte is written or counted. */
class LogPumpTest {
  static final Duration RETRY = Duration.ofMillis(200);
  static final Pattern NOTE =
      Pattern.compile("\\[drover\\] dropped (\\d+) bytes of output between \\S+ and \\S+: cannot write (.*)\n");

  @TempDir Path dir;

  @Test
  void everyByteIsWrittenOrCountedAsDroppedAndTheFailureIsReportedOnce() throws Exception {
    Path file = dir.resolve("web/web-0.out");
    Files.createDirectories(file.getParent());
    Files.createSymbolicLink(file, Path.of("/dev/full"));
    List<String> reports = new CopyOnWriteArrayList<>();
    LogPump pump = new LogPump(new RotatingLog(file, 1 << 20, 1), "web", "web-0", reports::add, RETRY);
    PipedInputStream in = new PipedInputStream(1 << 16);
    PipedOutputStream worker = new PipedOutputStream(in);
    CompletableFuture<Void> exited = new CompletableFuture<>();
    CompletableFuture<Void> finished = new OutputPoller("test-output").add(in, exited, pump);
    long sent = 0;
    int line = 0;
    long brokenUntil = System.nanoTime() + RETRY.multipliedBy(5).toNanos();
    while (System.nanoTime() < brokenUntil) { // several retries, all failing
      sent += say(worker, line++);
    }
    waitFor(() -> !reports.isEmpty(), Duration.ofSeconds(5), "the failure's report");
    assertEquals(
        List.of("logs: cannot write " + file + ": No space left on device (dropping output until it can)"), reports);
    Files.delete(file);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!Files.isRegularFile(file) && System.nanoTime() < deadline) {
      sent += say(worker, line++);
    }
    for (int i = 0; i < 10; i++) {
      sent += say(worker, line++);
    }
    worker.close();
    exited.complete(null);
    finished.get(10, TimeUnit.SECONDS);

    String text = Files.readString(file);
    Matcher note = NOTE.matcher(text);
    assertTrue(note.lookingAt(), "the file starts with a note of what was dropped: " + text);
    long dropped = Long.parseLong(note.group(1));
    assertEquals(file + ": No space left on device", note.group(2));
    assertTrue(dropped > 0);
    assertEquals(sent, dropped + text.length() - note.end(), "bytes written plus bytes dropped");
    assertEquals(2, reports.size(), reports.toString());
    assertTrue(reports.get(1).startsWith("logs: writing " + file + " again (" + dropped + " bytes of output dropped since "),
        reports.get(1));
  }

  static int say(PipedOutputStream worker, int line) throws IOException {
    byte[] bytes = ("line " + line + "\n").getBytes(StandardCharsets.US_ASCII);
    worker.write(bytes);
    worker.flush();
    sleep(Duration.ofMillis(5));
    return bytes.length;
  }

  static void waitFor(BooleanSupplier condition, Duration within, String what) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      sleep(Duration.ofMillis(20));
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
}
