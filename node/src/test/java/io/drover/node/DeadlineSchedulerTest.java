package io.drover.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.actor.SchedulerTask;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.dispatch.ExecutionContexts;
import org.apache.pekko.event.NoLogging;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.concurrent.ExecutionContext;
import scala.concurrent.duration.FiniteDuration;

/**
 * The node's Pekko scheduler: tasks run when due and in deadline order, cancelled ones never,
 * repeated ones until cancelled; Pekko's close contract; typed timers on it; and its thread does
 * not wake while nothing is due.
 */
class DeadlineSchedulerTest {
  private static final Config CONFIG = ConfigFactory.parseString(
      "pekko.scheduler.implementation = io.drover.node.DeadlineScheduler").withFallback(ConfigFactory.load());
  /** Runs a task on the scheduler's own thread: tasks due in order are seen in that order. */
  private static final ExecutionContext SAME_THREAD = ExecutionContexts.fromExecutor(Runnable::run);
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("ds", CONFIG);
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static Scheduler scheduler() {
    return kit.system().classicSystem().scheduler();
  }

  private static FiniteDuration millis(long ms) {
    return FiniteDuration.create(ms, TimeUnit.MILLISECONDS);
  }

  @Test
  void pekkoBuildsItFromTheConfig() {
    assertInstanceOf(DeadlineScheduler.class, scheduler());
  }

  @Test
  void aTaskRunsOnceItIsDueAndACancelledOneNever() throws InterruptedException {
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch last = new CountDownLatch(1);
    long start = System.nanoTime();
    long[] ranAfter = new long[1];
    Cancellable b = scheduler().scheduleOnce(millis(100), () -> ran.add("b"), SAME_THREAD);
    scheduler().scheduleOnce(millis(150), () -> {
      ran.add("c");
      last.countDown();
    }, SAME_THREAD);
    scheduler().scheduleOnce(millis(50), () -> {
      ranAfter[0] = System.nanoTime() - start;
      ran.add("a");
    }, SAME_THREAD);
    assertTrue(b.cancel());
    assertTrue(b.isCancelled());
    assertFalse(b.cancel(), "a second cancel cancels nothing");
    assertTrue(last.await(10, TimeUnit.SECONDS));
    assertEquals(List.of("a", "c"), ran);
    assertTrue(ranAfter[0] >= TimeUnit.MILLISECONDS.toNanos(50), "ran before it was due: " + ranAfter[0] + " ns");
  }

  @Test
  void aDelayOfZeroRunsAtOnceAndARunTaskCannotBeCancelled() throws InterruptedException {
    CountDownLatch ran = new CountDownLatch(2);
    Cancellable now = scheduler().scheduleOnce(millis(0), ran::countDown, SAME_THREAD);
    assertFalse(now.cancel());
    Cancellable soon = scheduler().scheduleOnce(millis(1), ran::countDown, SAME_THREAD);
    assertTrue(ran.await(10, TimeUnit.SECONDS));
    assertFalse(soon.cancel());
    assertFalse(soon.isCancelled());
  }

  @Test
  void aRepeatedTaskRunsUntilCancelled() throws InterruptedException {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch three = new CountDownLatch(3);
    Cancellable repeated = scheduler().scheduleAtFixedRate(millis(10), millis(20), () -> {
      runs.incrementAndGet();
      three.countDown();
    }, SAME_THREAD);
    assertTrue(three.await(10, TimeUnit.SECONDS));
    assertTrue(repeated.cancel());
    int atCancel = runs.get();
    // a task due after three more periods runs after any the repeated one would still have had
    CountDownLatch later = new CountDownLatch(1);
    scheduler().scheduleOnce(millis(60), later::countDown, SAME_THREAD);
    assertTrue(later.await(10, TimeUnit.SECONDS));
    assertTrue(runs.get() <= atCancel + 1, "ran on after its cancel: " + atCancel + " then " + runs.get());
  }

  @Test
  void aCancelledSchedulerTaskIsTold() throws InterruptedException {
    CountDownLatch told = new CountDownLatch(1);
    SchedulerTask task = new SchedulerTask() {
      @Override
      public void run() {}

      @Override
      public void cancelled() {
        told.countDown();
      }
    };
    assertTrue(scheduler().scheduleOnce(millis(60_000), task, SAME_THREAD).cancel());
    assertTrue(told.await(10, TimeUnit.SECONDS));
  }

  @Test
  void typedTimersFireOnIt() {
    TestProbe<String> probe = kit.createTestProbe();
    Behavior<String> ticking = Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay("tick", Duration.ofMillis(20));
      return Behaviors.receiveMessage(m -> {
        probe.getRef().tell(m);
        return Behaviors.same();
      });
    });
    var ref = kit.spawn(ticking);
    probe.expectMessage("tick");
    probe.expectMessage("tick");
    kit.stop(ref); // its timer goes with it
  }

  @Test
  void closeRunsThePendingRunOnCloseTasksAndRefusesNewOnes() throws Exception {
    DeadlineScheduler own = new DeadlineScheduler(CONFIG, NoLogging.getInstance(), Executors.defaultThreadFactory());
    AtomicInteger onClose = new AtomicInteger();
    AtomicInteger plain = new AtomicInteger();
    Scheduler.TaskRunOnClose closing = onClose::incrementAndGet;
    own.scheduleOnce(millis(60_000), closing, SAME_THREAD);
    own.scheduleOnce(millis(60_000), plain::incrementAndGet, SAME_THREAD);
    Cancellable cancelled = own.scheduleOnce(millis(60_000), (Scheduler.TaskRunOnClose) onClose::incrementAndGet, SAME_THREAD);
    assertTrue(cancelled.cancel());
    own.close();
    assertEquals(1, onClose.get(), "the pending run-on-close task runs once, the cancelled one not");
    assertEquals(0, plain.get());
    assertThrows(IllegalStateException.class, () -> own.scheduleOnce(millis(10), plain::incrementAndGet, SAME_THREAD));
    assertThrows(IllegalStateException.class, () -> own.scheduleOnce(millis(0), plain::incrementAndGet, SAME_THREAD));
    assertThrows(IllegalArgumentException.class,
        () -> scheduler().scheduleAtFixedRate(millis(0), millis(0), plain::incrementAndGet, SAME_THREAD));
  }

  /**
   * With nothing due, the thread sleeps: over half a second it wakes a few times at most, where a
   * ticking scheduler (10 ms) wakes about 50 times.
   */
  @Test
  void itsThreadSleepsWhileNothingIsDue() throws Exception {
    CountDownLatch ran = new CountDownLatch(1);
    String[] name = new String[1];
    scheduler().scheduleOnce(millis(1), () -> { // on the scheduler's thread
      name[0] = Thread.currentThread().getName();
      ran.countDown();
    }, SAME_THREAD);
    assertTrue(ran.await(10, TimeUnit.SECONDS));
    Path task = thread(name[0]);
    long before = switches(task);
    CountDownLatch window = new CountDownLatch(1);
    // the window ends with a task of its own: one wake-up, counted below
    scheduler().scheduleOnce(millis(500), window::countDown, SAME_THREAD);
    assertTrue(window.await(10, TimeUnit.SECONDS));
    long woke = switches(task) - before;
    assertTrue(woke <= 10, "the scheduler's thread woke " + woke + " times in 500 ms with one task due");
  }

  /** /proc/self/task/TID of the thread of that name (the kernel keeps its first 15 characters). */
  private static Path thread(String name) throws IOException {
    String comm = name.length() > 15 ? name.substring(0, 15) : name;
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      List<Path> found = tasks.filter(t -> {
        try {
          return Files.readString(t.resolve("comm")).trim().equals(comm);
        } catch (IOException e) {
          return false; // ended meanwhile
        }
      }).toList();
      assertEquals(1, found.size(), "threads named " + comm + ": " + found);
      return found.get(0);
    }
  }

  private static long switches(Path task) throws IOException {
    return Files.readAllLines(task.resolve("status")).stream()
        .filter(l -> l.startsWith("voluntary_ctxt_switches:"))
        .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim()))
        .findFirst().orElseThrow();
  }
}
