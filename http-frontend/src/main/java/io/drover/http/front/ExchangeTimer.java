package io.drover.http.front;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One timer per client connection for the deadline of its exchange in progress (a wait in the
 * queue, a worker's time to answer), re-armed lazily: back-to-back requests schedule nothing.
 * When it fires, the connection checks the exchange's deadline and calls {@link #arm} again if
 * it lies ahead.
 */
final class ExchangeTimer {
  private final EventExecutor executor;
  private final Runnable check;
  private boolean armed;
  private long at;
  private Future<?> timer;

  ExchangeTimer(EventExecutor executor, Runnable check) {
    this.executor = executor;
    this.check = () -> {
      armed = false;
      check.run();
    };
  }

  /** Gives {@code e} a deadline {@code timeout} nanoseconds from now, and makes sure the check runs by then. */
  void deadline(Exchange e, long timeout) {
    e.deadline = System.nanoTime() + timeout;
    by(e.deadline);
  }

  /** Makes sure the check runs by {@code deadline} (System.nanoTime); a later timer is replaced. */
  void by(long deadline) {
    if (armed && deadline - at < 0) {
      timer.cancel(false); // a shorter time-out than the one armed
      armed = false;
    }
    if (!armed) {
      arm(deadline - System.nanoTime());
    }
  }

  /** Runs the check in {@code nanos}. */
  void arm(long nanos) {
    armed = true;
    at = System.nanoTime() + nanos;
    timer = executor.schedule(check, nanos, TimeUnit.NANOSECONDS);
  }

  /** The connection closed: do not keep its handler until the timer fires. */
  void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
