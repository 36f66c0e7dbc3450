package io.drover.supervisor;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/** OTP restart intensity: a sliding window of monotonic restart timestamps. */
public final class RestartWindow {
  private final int maxRestarts;
  private final long withinNanos;
  private final Deque<Long> restarts = new ArrayDeque<>();

  public RestartWindow(int maxRestarts, Duration within) {
    this.maxRestarts = maxRestarts;
    this.withinNanos = within.toNanos();
  }

  /**
   * Records a restart at {@code nowNanos} (a {@link System#nanoTime()} reading).
   *
   * @return true when this restart is one too many: the app must give up
   */
  public boolean recordAndCheck(long nowNanos) {
    while (!restarts.isEmpty() && nowNanos - restarts.peekFirst() > withinNanos) {
      restarts.removeFirst();
    }
    restarts.addLast(nowNanos);
    return restarts.size() > maxRestarts;
  }

  /** Restarts inside the window as of the last record. */
  public int count() {
    return restarts.size();
  }

  public void clear() {
    restarts.clear();
  }
}
