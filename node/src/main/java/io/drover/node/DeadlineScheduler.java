package io.drover.node;

import com.typesafe.config.Config;
import java.io.Closeable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.actor.SchedulerTask;
import org.apache.pekko.event.LoggingAdapter;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;

/**
 * The node's Pekko scheduler (timers, ask timeouts, the cluster's heartbeats): a JDK {@link
 * ScheduledThreadPoolExecutor} whose one thread sleeps until the next task is due. Pekko's default
 * scheduler wakes every {@code tick-duration} (10 ms) whether anything is due or not: 100 wake-ups
 * a second that cost an idle node ~6.4 ms of CPU a second on the 2-core box, the largest part of
 * what a node spends when nothing happens. Here a task runs when it is due, not on the tick after.
 *
 * <p>What Pekko asks of a scheduler is kept: a task is handed to its execution context, never run
 * on the scheduler's thread; a delay of zero or less runs at once; scheduling after {@link #close}
 * throws {@link IllegalStateException}; cancelling a {@link SchedulerTask} tells it ({@code
 * cancelled()}); {@link Scheduler.TaskRunOnClose} tasks still pending at close run then (the
 * dispatchers' shutdowns are such tasks).
 *
 * <p>Chosen by {@code pekko.scheduler.implementation} (drover-node.conf); Pekko builds it with
 * this constructor's three arguments.
 */
public final class DeadlineScheduler implements Scheduler, Closeable {
  private static final int PENDING = 0;
  private static final int RAN = 1;
  private static final int CANCELLED = 2;

  private final ScheduledThreadPoolExecutor executor;
  private final LoggingAdapter log;
  private final long shutdownTimeoutNanos;
  /** Tasks to run at close if they have not run by then. */
  private final Set<Task> runOnClose = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  /** The executor's thread, once it ran a task: close does not wait for itself. */
  private volatile Thread thread;

  public DeadlineScheduler(Config config, LoggingAdapter log, ThreadFactory threadFactory) {
    this.log = log;
    this.shutdownTimeoutNanos = config.getDuration("pekko.scheduler.shutdown-timeout").toNanos();
    executor = new ScheduledThreadPoolExecutor(1, threadFactory);
    executor.setRemoveOnCancelPolicy(true); // an ask answered in time leaves no timeout behind
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
  }

  @Override
  public Cancellable scheduleOnce(FiniteDuration delay, Runnable runnable, ExecutionContext ec) {
    if (delay.length() <= 0) {
      refuseIfClosed();
      ec.execute(runnable);
      return Done.INSTANCE;
    }
    Task task = new Task(runnable, ec, false);
    task.future = submit(task, () -> executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS));
    return task;
  }

  @Override
  public Cancellable schedule(FiniteDuration initialDelay, FiniteDuration interval, Runnable runnable, ExecutionContext ec) {
    if (interval.length() <= 0) {
      throw new IllegalArgumentException(
          "Task scheduled with [" + interval + "] interval, which means creating an infinite loop. The interval must be greater than 0.");
    }
    Task task = new Task(runnable, ec, true);
    task.future = submit(task, () -> executor.scheduleAtFixedRate(
        task, Math.max(0, initialDelay.toNanos()), interval.toNanos(), TimeUnit.NANOSECONDS));
    return task;
  }

  /** Sub-millisecond deadlines are kept; Pekko's cluster only asks for 1 / 33 ms. */
  @Override
  public double maxFrequency() {
    return 1000.0;
  }

  private Future<?> submit(Task task, Supplier<Future<?>> scheduling) {
    refuseIfClosed();
    if (task.runnable instanceof Scheduler.TaskRunOnClose) {
      runOnClose.add(task);
    }
    try {
      return scheduling.get();
    } catch (RejectedExecutionException e) {
      runOnClose.remove(task);
      throw new IllegalStateException("cannot enqueue after timer shutdown", e);
    }
  }

  private void refuseIfClosed() {
    if (closed) {
      throw new IllegalStateException("cannot enqueue after timer shutdown");
    }
  }

  /**
   * Stops the thread (waiting up to {@code pekko.scheduler.shutdown-timeout} for a task it is
   * handing over), then runs the {@link Scheduler.TaskRunOnClose} tasks that had not run.
   */
  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
    try {
      if (Thread.currentThread() != thread && !executor.awaitTermination(shutdownTimeoutNanos, TimeUnit.NANOSECONDS)) {
        log.warning("the scheduler's thread did not stop within the shutdown timeout");
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    for (Task task : runOnClose) {
      if (task.state.compareAndSet(PENDING, RAN)) {
        try {
          task.runnable.run();
        } catch (RuntimeException e) {
          log.error(e, "exception while running a timer task at close");
        }
      }
    }
    runOnClose.clear();
  }

  /** A scheduled runnable: the handle given back to Pekko, and what the executor runs when due. */
  private final class Task implements Cancellable, Runnable {
    final Runnable runnable;
    final ExecutionContext ec;
    final boolean repeated;
    final AtomicInteger state = new AtomicInteger(PENDING);
    volatile Future<?> future;

    Task(Runnable runnable, ExecutionContext ec, boolean repeated) {
      this.runnable = runnable;
      this.ec = ec;
      this.repeated = repeated;
    }

    /** Due: hands the runnable to its execution context (a repeated task, each time). */
    @Override
    public void run() {
      if (repeated ? state.get() != PENDING : !state.compareAndSet(PENDING, RAN)) {
        return;
      }
      runOnClose.remove(this);
      thread = Thread.currentThread();
      try {
        ec.execute(runnable);
      } catch (RuntimeException e) { // never thrown to the executor: a repeated task would stop
        ec.reportFailure(e);
      }
    }

    @Override
    public boolean cancel() {
      if (!state.compareAndSet(PENDING, CANCELLED)) {
        return false;
      }
      runOnClose.remove(this);
      Future<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
      if (runnable instanceof SchedulerTask t) {
        try {
          ec.execute(t::cancelled);
        } catch (RuntimeException e) {
          ec.reportFailure(e);
        }
      }
      return true;
    }

    @Override
    public boolean isCancelled() {
      return state.get() == CANCELLED;
    }
  }

  /** What a task run at once gives back: it cannot be cancelled any more. */
  private enum Done implements Cancellable {
    INSTANCE;

    @Override
    public boolean cancel() {
      return false;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }
  }
}
