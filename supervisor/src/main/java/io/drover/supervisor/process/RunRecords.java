package io.drover.supervisor.process;

import io.drover.supervisor.config.Signal;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live workers of this run of a node, on disk, so that the next start of a node that was
 * killed can end the workers it left behind — and only those.
 *
 * <p>Each run holds a lock on {@code <state-dir>/runs/<run-id>/lock} while it lives; a run
 * directory whose lock can be taken belongs to a dead node. Its workers are found two ways: a
 * recorded pid whose start time still matches (a recycled pid never does), and any process whose
 * environment carries {@code DROVER_RUN=<run-id>} (grandchildren too). Both are killed.
 */
public final class RunRecords implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunRecords.class);
  /** The environment variable that marks every worker process with its node's run. */
  public static final String RUN_VARIABLE = "DROVER_RUN";

  private final String runId;
  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private RunRecords(String runId, Path dir, FileChannel lockChannel, FileLock lock) {
    this.runId = runId;
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Ends what dead runs left behind, then opens the record of a new run. */
  public static RunRecords open(Path stateDir) throws IOException {
    Path runs = stateDir.resolve("runs");
    Files.createDirectories(runs);
    reapDeadRuns(runs);
    String id = UUID.randomUUID().toString();
    Path dir = Files.createDirectories(runs.resolve(id));
    FileChannel ch =
        FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    return new RunRecords(id, dir, ch, ch.lock());
  }

  public String runId() {
    return runId;
  }

  /** Records a live worker process. */
  public void record(String worker, long pid, long startTicks) {
    try {
      Files.writeString(dir.resolve(worker + ".pid"), pid + " " + startTicks + "\n");
    } catch (IOException e) {
      log.warn("cannot record worker [{}] pid {}: {}", worker, pid, e.toString());
    }
  }

  /** Forgets a worker whose process has ended. */
  public void forget(String worker) {
    try {
      Files.deleteIfExists(dir.resolve(worker + ".pid"));
    } catch (IOException e) {
      log.warn("cannot remove record of worker [{}]: {}", worker, e.toString());
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      lockChannel.close();
      deleteTree(dir);
    } catch (IOException e) {
      log.warn("cannot remove run record {}: {}", dir, e.toString());
    }
  }

  /** Kills the processes of every run whose node is gone; returns how many were killed. */
  static int reapDeadRuns(Path runs) throws IOException {
    int killed = 0;
    try (DirectoryStream<Path> all = Files.newDirectoryStream(runs)) {
      for (Path run : all) {
        if (Files.isDirectory(run) && isDead(run)) {
          killed += reap(run);
          deleteTree(run);
        }
      }
    }
    return killed;
  }

  private static boolean isDead(Path run) {
    try (FileChannel ch = FileChannel.open(run.resolve("lock"), StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) {
        return false;
      }
      l.release();
      return true;
    } catch (OverlappingFileLockException e) {
      return false; // held by this JVM
    } catch (IOException e) {
      return !Files.exists(run.resolve("lock"));
    }
  }

  private static int reap(Path run) throws IOException {
    String id = run.getFileName().toString();
    Set<Long> victims = new LinkedHashSet<>(ProcFs.withEnvironment(RUN_VARIABLE, id));
    try (DirectoryStream<Path> records = Files.newDirectoryStream(run, "*.pid")) {
      for (Path record : records) {
        String[] f = Files.readString(record).trim().split(" ");
        long pid = Long.parseLong(f[0]);
        long ticks = Long.parseLong(f[1]);
        if (ProcFs.startTicks(pid).orElse(-1) == ticks) {
          victims.add(pid);
          victims.addAll(ProcFs.groupMembers(pid));
        }
      }
    } catch (RuntimeException e) {
      log.warn("unreadable run record in {}: {}", run, e.toString());
    }
    victims.remove(ProcessHandle.current().pid());
    if (!victims.isEmpty()) {
      log.warn(
          "ending {} worker processes left by a node that was killed (run {}): {}",
          victims.size(),
          id,
          victims);
      ProcFs.signal(Signal.KILL, 0, victims.stream().toList());
    }
    return victims.size();
  }

  private static void deleteTree(Path root) throws IOException {
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
