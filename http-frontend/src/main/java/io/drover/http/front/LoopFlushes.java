package io.drover.http.front;

import io.netty.channel.Channel;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;

/**
 * Flushes that wait until the event loop has handled every event of its current pass: the
 * answers and requests written while it read from many connections then leave together, right
 * after the reads, instead of one socket write (and one wakeup of a worker or a client) in the
 * middle of each read. A process woken by the first of them finds the others already there, and
 * the loop is interrupted less often by the processes it wakes. Nothing waits longer than the
 * rest of one pass of its own loop: the flush is a task of that loop, which runs once the pass's
 * I/O is handled. One per event loop; used on that loop only.
 */
final class LoopFlushes implements Runnable {
  private static final FastThreadLocal<LoopFlushes> BY_LOOP =
      new FastThreadLocal<>() {
        @Override
        protected LoopFlushes initialValue() {
          return new LoopFlushes();
        }
      };

  private final ArrayList<Channel> pending = new ArrayList<>();
  private boolean scheduled;

  /** Flushes {@code ch} at the end of this pass of its event loop (the calling thread). */
  static void later(Channel ch) {
    BY_LOOP.get().add(ch);
  }

  private void add(Channel ch) {
    int n = pending.size();
    if (n > 0 && pending.get(n - 1) == ch) {
      return; // the same channel again (an answer's end, then its read's end)
    }
    pending.add(ch);
    if (!scheduled) {
      scheduled = true;
      ch.eventLoop().execute(this); // from the loop itself: queued after the pass's I/O, no wakeup
    }
  }

  @Override
  public void run() {
    // a flush may fail and end an attempt, which may flush again: those join this round
    for (int i = 0; i < pending.size(); i++) {
      pending.get(i).flush();
    }
    pending.clear();
    scheduled = false;
  }

  /** Channels waiting for their flush on the calling thread's loop (tests). */
  static int waiting() {
    return BY_LOOP.get().pending.size();
  }
}
