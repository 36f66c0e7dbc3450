package io.drover.supervisor.process;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the stdout and stderr of every process worker of the JVM on one daemon thread and hands
 * each chunk to the stream's {@link LogPump}. A thread per pipe blocked in {@code read} cost
 * ~90 KB of touched stack each: 36 MB of a node's RSS with 200 workers. Java cannot select on a
 * process's pipe, so the thread polls: {@link InputStream#available()} (FIONREAD on the pipe)
 * says how much is there, and only that much is read, so a read never blocks.
 *
 * <p>A stream that just gave bytes is polled again in the next pass, after the other streams
 * due, and so on until it is empty, so a chatty worker's pipe (64 KB) does not fill; one that gave nothing waits twice as
 * long each time, from {@link #MIN_WAIT} up to {@link #MAX_WAIT} (the longest a line written
 * after a quiet spell waits before it is in its file), so idle workers cost little CPU. Idle
 * streams are all polled on one beat (the multiples of {@code MAX_WAIT}), and streams due within
 * {@link #SLACK} of each other in one pass, to wake the thread less often: a node of idle workers
 * wakes it 4 times a second, however many they are.
 *
 * <p>A stream ends when its process has ended and it is empty: its end of file cannot be waited
 * for, since a blocking read would hang for as long as a descendant of the worker holds the pipe
 * open. Once the exit is seen the stream is polled at once (a worker's stop waits for its stderr);
 * everything the worker wrote is then in the pipe, or, once the JDK has drained the pipe on the
 * exit (under the stream's lock) and closed it, in memory, and is read from there. What a
 * descendant writes afterwards is not read: the worker's group is killed once it exits.
 *
 * <p>One file write stalled on a slow disk stalls the other workers' logs until it returns; their
 * pipes (64 KB each in the kernel) block a writer only once full.
 *
 * <p>Measured with 200 idle workers (402 streams) on the 2-core box: the thread takes 0.5-1 % of
 * a core; a line written after an idle spell of 0.5-1.5 s is in its file after 160 ms (median,
 * at most 250 ms); while a worker keeps writing, its stream is read every millisecond or two.
 */
final class OutputPoller {
  private static final Logger log = LoggerFactory.getLogger(OutputPoller.class);
  static final long MIN_WAIT = TimeUnit.MILLISECONDS.toNanos(1);
  /**
   * An idle stream's poll costs ~3 µs (fstat and ioctl): 200 idle workers polled every 250 ms
   * take ~0.5 % of a core. {@code drover logs -f} reads the files as often.
   */
  static final long MAX_WAIT = TimeUnit.MILLISECONDS.toNanos(250);
  private static final long SLACK = TimeUnit.MILLISECONDS.toNanos(10);
  /**
   * A pipe's capacity: what a stream holds is read in one read, so a chunk ends where one of the
   * worker's writes ended (at a line's end, for most), which is where rotation cuts a file.
   */
  private static final int BUFFER = 64 * 1024;
  /**
   * The longest end of a line held back after a chunk's last newline (a write the pipe split when
   * it was full) until the rest comes, so that a chunk, and so a rotated file, ends at a line's end.
   * Held {@link #MAX_WAIT} at most, and never past the stream's end (a prompt is written at last).
   */
  private static final int CARRY = 4096;

  /** The one poller of this JVM; its thread starts with the first stream. */
  static final OutputPoller SHARED = new OutputPoller("drover-output");

  private final String threadName;
  private final ConcurrentLinkedQueue<Stream> added = new ConcurrentLinkedQueue<>();
  private volatile Thread thread;

  OutputPoller(String threadName) {
    this.threadName = threadName;
  }

  /**
   * Reads {@code in} into {@code pump} until {@code ended} completes (the process exited) and
   * {@code in} is empty; the returned future completes once it is finished and closed.
   */
  CompletableFuture<Void> add(InputStream in, CompletionStage<?> ended, LogPump pump) {
    Stream s = new Stream(in, pump);
    added.add(s);
    ended.whenComplete((v, e) -> {
      s.ended = true;
      LockSupport.unpark(thread);
    });
    start();
    LockSupport.unpark(thread);
    return s.finished;
  }

  private synchronized void start() {
    if (thread == null) {
      Thread t = new Thread(null, this::run, threadName, 256 * 1024);
      t.setDaemon(true);
      thread = t;
      t.start();
    }
  }

  private void run() {
    List<Stream> streams = new ArrayList<>();
    byte[] buf = new byte[BUFFER];
    while (true) {
      for (Stream s = added.poll(); s != null; s = added.poll()) {
        s.pump.begin();
        streams.add(s);
      }
      long now = System.nanoTime();
      long next = now + MAX_WAIT;
      boolean read = false;
      for (int i = streams.size() - 1; i >= 0; i--) {
        Stream s = streams.get(i);
        if (s.due - now > SLACK && !s.ended) {
          next = s.due - next < 0 ? s.due : next;
          continue;
        }
        boolean gave = s.pollSafely(buf, now);
        read |= gave;
        if (s.done) {
          streams.set(i, streams.get(streams.size() - 1));
          streams.remove(streams.size() - 1);
        } else if (!gave) {
          next = s.due - next < 0 ? s.due : next;
        }
      }
      if (!read && added.isEmpty()) {
        LockSupport.parkNanos(this, next - System.nanoTime());
      }
    }
  }

  /** One pipe: when to poll it next, and whether its process has ended. Used by the poller's thread. */
  private static final class Stream {
    final InputStream in;
    final LogPump pump;
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    volatile boolean ended;
    /** The end of a line held back from the last chunk, {@code carried} bytes since {@code carriedSince}. */
    byte[] carry;
    int carried;
    long carriedSince;
    long wait = MIN_WAIT;
    long due = System.nanoTime();
    boolean done;

    Stream(InputStream in, LogPump pump) {
      this.in = in;
      this.pump = pump;
    }

    /** As {@link #poll}; a bug met on one stream ends that stream, never the thread all share. */
    boolean pollSafely(byte[] buf, long now) {
      try {
        return poll(buf, now);
      } catch (RuntimeException | Error e) {
        log.error("reading a worker's output failed; its output is no longer read", e);
        if (!done) {
          finish();
        }
        return false;
      }
    }

    /**
     * Reads what the pipe holds (one read: the next pass serves the other streams before this one
     * again); says whether it read anything.
     */
    boolean poll(byte[] buf, long now) {
      boolean ending = ended; // read before the pipe, so bytes written before the exit are all seen
      int got;
      try {
        int n = in.available();
        if (n > 0 && carried > 0) {
          System.arraycopy(carry, 0, buf, 0, carried);
        }
        got = n > 0 ? in.read(buf, carried, Math.min(n, buf.length - carried)) : 0;
      } catch (IOException e) {
        log.debug("reading a worker's output ended: {}", e.toString());
        finish();
        return false;
      }
      if (got < 0) {
        finish();
        return false;
      }
      if (got > 0) {
        takeLines(buf, carried + got, now);
        wait = MIN_WAIT;
        due = now;
        return true;
      }
      if (carried > 0 && (ending || now - carriedSince >= MAX_WAIT)) {
        pump.take(carry, carried);
        carried = 0;
      }
      if (ending) { // all it wrote before it exited was in the pipe, or in what the JDK drained it into
        finish();
        return false;
      }
      wait = Math.min(wait * 2, MAX_WAIT);
      // idle streams keep one beat (multiples of MAX_WAIT), so that one pass polls them all
      due = wait < MAX_WAIT ? now + wait : now + MAX_WAIT - Math.floorMod(now + MAX_WAIT, MAX_WAIT);
      return false;
    }

    /** Hands over {@code buf}'s first {@code n} bytes up to their last newline, carrying a short rest. */
    private void takeLines(byte[] buf, int n, long now) {
      int end = n;
      while (end > 0 && buf[end - 1] != '\n' && n - end < CARRY) {
        end--;
      }
      if (end == 0 || n - end >= CARRY) {
        end = n; // no line's end within reach: all of it
      }
      pump.take(buf, end);
      carried = n - end;
      if (carried > 0) {
        if (carry == null) {
          carry = new byte[CARRY];
        }
        System.arraycopy(buf, end, carry, 0, carried);
        carriedSince = now;
      }
    }

    private void finish() {
      if (carried > 0) {
        pump.take(carry, carried);
        carried = 0;
      }
      done = true;
      try {
        in.close();
      } catch (IOException ignored) {
        // nothing more is read from it
      }
      pump.end();
      finished.complete(null);
    }
  }
}
