package io.drover.supervisor.process;

import io.drover.supervisor.config.LogSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains one stream of a worker (stdout or stderr) into its {@link RotatingLog}, fed by the
 * JVM's one {@link OutputPoller} thread until the worker has ended; or, made by {@link #toFile},
 * takes what one thread of the caller's writes (the front's access log). The pipe is always read, so the worker never
 * blocks on a full pipe nor meets a closed one: while the file cannot be written (its directory
 * gone, a full disk) the output is counted and dropped, the file is tried again once per {@code
 * retry}, and once it can be written again a line in it says what was lost. The first failure and
 * the recovery are each logged once and reported once to {@code report}; retries are quiet.
 */
public final class LogPump {
  private static final Logger log = LoggerFactory.getLogger(LogPump.class);
  /** How long a failing file is left alone, and how often a working one is checked to be in place. */
  static final Duration RETRY = Duration.ofSeconds(5);

  private final RotatingLog sink;
  private final String app;
  private final String worker;
  private final Consumer<String> report;
  private final long retryNanos;
  /** When (in nanoTime) to try a failing file again, or to check that a working one is in place. */
  private long nextTry;
  /** Why the file cannot be written; null while it can. */
  private String failure;
  private Instant failingSince;
  private long dropped;
  /** Where the last bytes are kept as well (stderr), or null. */
  private OutputTail tail;

  LogPump(RotatingLog sink, String app, String worker, Consumer<String> report, Duration retry) {
    this.sink = sink;
    this.app = app;
    this.worker = worker;
    this.report = report;
    this.retryNanos = retry.toNanos();
  }

  /**
   * Copies {@code in} into {@code sink} (and {@code tail}, if not null) from the JVM's {@link
   * OutputPoller} until {@code ended} completes and {@code in} is empty; the returned future
   * completes once the stream is finished and its file closed.
   */
  static CompletableFuture<Void> start(InputStream in, CompletionStage<?> ended, RotatingLog sink, String app,
      String worker, Consumer<String> report, OutputTail tail) {
    LogPump pump = new LogPump(sink, app, worker, report, RETRY);
    pump.tail = tail;
    return OutputPoller.SHARED.add(in, ended, pump);
  }

  /**
   * A pump fed by {@link #write} from one thread of the caller's, into {@code file} rotated as
   * {@code rotation} says, with the same handling of a file that cannot be written: output
   * dropped and counted, the file tried again every few seconds, the failure and the recovery
   * logged and reported once each. {@code owner} and {@code name} tag its log lines.
   */
  public static LogPump toFile(Path file, LogSpec rotation, String owner, String name, Consumer<String> report) {
    return new LogPump(new RotatingLog(file, rotation.maxSize(), rotation.keep()), owner, name, report, RETRY);
  }

  /** Writes the first {@code n} bytes of {@code buf} (whole lines), or drops them while the file is failing. */
  public void write(byte[] buf, int n) {
    copy(buf, n);
  }

  /** Closes the file; a later write opens it again. */
  public void close() {
    sink.close();
  }

  /** Opens the file before the first bytes come (the poller's thread). */
  void begin() {
    try {
      sink.open();
      nextTry = System.nanoTime() + retryNanos;
    } catch (IOException | RuntimeException e) {
      failed(e, 0, System.nanoTime());
    }
  }

  /** Takes {@code n} bytes read from the pipe (the poller's thread). */
  void take(byte[] buf, int n) {
    if (tail != null) {
      tail.add(buf, n);
    }
    copy(buf, n);
  }

  /** The stream has ended: closes the file and the tail (the poller's thread). */
  void end() {
    sink.close();
    if (tail != null) {
      tail.close();
    }
  }

  /** Writes one chunk read from the pipe, or drops it while the file is failing. */
  private void copy(byte[] buf, int n) {
    long now = System.nanoTime();
    boolean due = now - nextTry >= 0;
    if (failure != null && !due) {
      dropped += n;
      return;
    }
    if (due) {
      nextTry = now + retryNanos;
    }
    long before = -1;
    try {
      if (failure != null) {
        byte[] note = droppedNote();
        sink.write(note, 0, note.length);
      } else if (due && sink.reopenIfMoved()) {
        log.info("[{}] [{}] {} was moved or removed: writing a new one", app, worker, sink.file());
      }
      before = sink.written();
      sink.write(buf, 0, n);
    } catch (IOException | RuntimeException e) { // whatever it is, the worker's pipe stays drained
      failed(e, before < 0 ? n : n - (sink.written() - before), now);
      return;
    }
    if (failure != null) {
      recovered();
    }
  }

  private void failed(Exception e, long lost, long now) {
    sink.close();
    dropped += lost;
    nextTry = now + retryNanos;
    if (failure != null) {
      return; // reported when it began
    }
    failure = describe(e);
    failingSince = Instant.now();
    log.warn("[{}] [{}] cannot write {}: {} (dropping output until it can)", app, worker, sink.file(), failure);
    report.accept("logs: cannot write " + sink.file() + ": " + failure + " (dropping output until it can)");
  }

  private void recovered() {
    log.info("[{}] [{}] writing {} again, {} bytes of output dropped since {}", app, worker, sink.file(), dropped, failingSince);
    report.accept("logs: writing " + sink.file() + " again (" + dropped + " bytes of output dropped since " + failingSince + ")");
    failure = null;
    failingSince = null;
    dropped = 0;
  }

  private byte[] droppedNote() {
    return ("[drover] dropped " + dropped + " bytes of output between " + failingSince + " and " + Instant.now()
            + ": cannot write " + sink.file() + ": " + failure + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Why a file could not be written, in a few words, naming the path when it is not the log file. */
  private String describe(Exception e) {
    if (!(e instanceof FileSystemException f)) {
      return e instanceof IOException && e.getMessage() != null ? e.getMessage() : e.toString();
    }
    String reason =
        f.getReason() != null ? f.getReason()
            : f instanceof NoSuchFileException ? "No such file or directory"
            : f instanceof AccessDeniedException ? "Permission denied"
            : f instanceof FileAlreadyExistsException ? "not a directory"
            : f.getClass().getSimpleName();
    return f.getFile() == null || f.getFile().equals(sink.file().toString()) ? reason : f.getFile() + ": " + reason;
  }
}
