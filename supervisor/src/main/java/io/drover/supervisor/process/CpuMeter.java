package io.drover.supervisor.process;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * CPU use of process trees as a rate between samples, the way top and PM2 show it: 100 % is one
 * core busy. Each tree is known by its root's pid and start time (a reused pid starts over). The
 * rate is taken over at least {@link #MIN_WINDOW_NANOS}, so a status asked twice in a row does
 * not divide a few ticks by a few milliseconds; the first sample of a tree has no earlier one and
 * gives its average since it started (what {@code ps} shows). The CPU time reported never goes
 * down for one tree: a child's time leaves the tree's sum while it is a zombie, and comes back in
 * its parent's {@code cutime} once reaped.
 *
 * <p>Thread-safe: the app supervisors sample their workers from several threads.
 */
final class CpuMeter {
  /** The shortest span a rate is measured over. */
  static final long MIN_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);
  /** A tree not sampled for this long is forgotten (its worker is gone, or nobody looks). */
  static final long FORGET_NANOS = TimeUnit.SECONDS.toNanos(120);

  /** CPU time and use of one tree: seconds since it started, percent of one core lately. */
  record Usage(double seconds, double percent) {}

  private record Reading(long nanos, long ticks) {}

  private static final class Track {
    final long startTicks;
    Reading older;
    Reading newer;
    long highest;

    Track(long startTicks) {
      this.startTicks = startTicks;
    }
  }

  private final Map<Long, Track> tracks = new HashMap<>();
  private long lastSweep;

  /**
   * Records a reading of a tree and answers its usage.
   *
   * @param pid the tree's root
   * @param startTicks the root's start time, clock ticks after boot
   * @param ticks CPU ticks of the whole tree now (user + system, with reaped children's)
   * @param ageTicks the root's age now, in clock ticks (for the first sample's average)
   * @param now {@link System#nanoTime()}
   */
  synchronized Usage sample(long pid, long startTicks, long ticks, long ageTicks, long now) {
    sweep(now);
    Track t = tracks.get(pid);
    if (t == null || t.startTicks != startTicks) {
      t = new Track(startTicks);
      tracks.put(pid, t);
    }
    t.highest = Math.max(t.highest, ticks);
    Reading r = new Reading(now, t.highest);
    Reading from;
    if (t.newer == null) {
      from = null;
      t.newer = r;
    } else if (now - t.newer.nanos() >= MIN_WINDOW_NANOS) {
      t.older = t.newer;
      t.newer = r;
      from = t.older;
    } else {
      // asked again within the window: measure from the reading before it (1 to 2 windows back)
      from = t.older;
    }
    double percent;
    if (from != null && now > from.nanos()) {
      percent = 100.0 * (r.ticks() - from.ticks()) / ProcFs.CLOCK_TICKS
          / ((now - from.nanos()) / 1e9);
    } else {
      percent = ageTicks > 0 ? 100.0 * r.ticks() / ageTicks : 0;
    }
    return new Usage((double) r.ticks() / ProcFs.CLOCK_TICKS, Math.max(0, percent));
  }

  /** Trees known now (for tests). */
  synchronized int tracked() {
    return tracks.size();
  }

  private void sweep(long now) {
    if (now - lastSweep < FORGET_NANOS / 4) {
      return;
    }
    lastSweep = now;
    for (Iterator<Track> it = tracks.values().iterator(); it.hasNext(); ) {
      Track t = it.next();
      if (now - t.newer.nanos() > FORGET_NANOS) {
        it.remove();
      }
    }
  }
}
