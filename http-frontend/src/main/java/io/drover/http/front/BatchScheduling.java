package io.drover.http.front;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front's event-loop threads under Linux's {@code SCHED_BATCH} ({@code http.loop-scheduling =
 * batch}): a loop that wakes does not preempt the worker running on its core, it runs when that
 * worker's time slice ends and then finds more work waiting. Each thread sets itself when it
 * starts, through {@code chrt} (util-linux's or BusyBox's; Java has no call for it); where that is
 * missing or refused, the loops keep the normal policy and the node logs it once.
 */
final class BatchScheduling {
  private static final Logger log = LoggerFactory.getLogger(BatchScheduling.class);
  private static final Path THREAD_SELF = Path.of("/proc/thread-self");
  private static final AtomicBoolean warned = new AtomicBoolean();

  private BatchScheduling() {}

  /** Daemon threads named {@code name-N-M}, each under SCHED_BATCH when {@code batch} (and Linux allows it). */
  static ThreadFactory threads(String name, boolean batch) {
    if (!batch || !Files.isSymbolicLink(THREAD_SELF)) {
      return new DefaultThreadFactory(name, true);
    }
    return new DefaultThreadFactory(name, true) {
      @Override
      protected Thread newThread(Runnable r, String threadName) {
        return super.newThread(() -> {
          batchSelf(threadName);
          r.run();
        }, threadName);
      }
    };
  }

  /** Puts the calling thread under SCHED_BATCH; does not wait for it. */
  private static void batchSelf(String threadName) {
    String tid;
    try {
      tid = Files.readSymbolicLink(THREAD_SELF).getFileName().toString(); // "PID/task/TID"
    } catch (IOException | UnsupportedOperationException e) {
      warnOnce("cannot read /proc/thread-self (" + e + ")");
      return;
    }
    try {
      // short options: BusyBox's chrt (Alpine) has no long ones
      new ProcessBuilder("chrt", "-b", "-p", "0", tid)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start()
          .onExit()
          .thenAccept(p -> {
            if (p.exitValue() != 0) {
              warnOnce("chrt -b -p 0 " + tid + " (" + threadName + ") exited with " + p.exitValue());
            }
          });
    } catch (IOException e) {
      warnOnce("chrt (util-linux, or BusyBox) cannot run: " + e.getMessage());
    }
  }

  private static void warnOnce(String why) {
    if (warned.compareAndSet(false, true)) {
      log.warn("front: event loops keep the normal scheduling policy, not SCHED_BATCH (http.loop-scheduling): {}", why);
    }
  }
}
