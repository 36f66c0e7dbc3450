package io.drover.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.config.ProbeSpec;
import io.drover.supervisor.config.ProbeType;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Readiness probes of a starting worker come soon after its spawn, then less often, up to the interval. */
class ReadinessWaitTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration T = Duration.ofSeconds(15);

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static ProbeSpec readiness(Duration interval) {
    return new ProbeSpec(ProbeType.HTTP, "/health", interval, Duration.ofSeconds(30), 0);
  }

  @Test
  void theWaitStartsShortAndGrowsByATenthUpToTheInterval() {
    ProbeSpec p = readiness(Duration.ofMillis(200));
    assertEquals(Duration.ofMillis(10), p.readinessWait(1));
    assertEquals(Duration.ofMillis(11), p.readinessWait(2));
    assertEquals(Duration.ofMillis(12), p.readinessWait(3));
    long previous = 0;
    long before = 0; // time spent in waits shorter than the interval
    int fast = 0;
    for (int misses = 1; misses <= 60; misses++) {
      long wait = p.readinessWait(misses).toMillis();
      assertTrue(wait >= previous && wait <= 200, "miss " + misses + ": " + wait + " ms");
      if (wait < 200) {
        before += wait;
        fast++;
      }
      previous = wait;
    }
    assertEquals(200, previous, "a slow worker is probed every interval");
    assertTrue(fast <= 35 && before <= 2_500, "the quick probes end within about 2 s: " + fast + " probes, " + before + " ms");
    long at = 0;
    for (int misses = 1; at < 170; misses++) {
      at += p.readinessWait(misses).toMillis();
    }
    assertTrue(at <= 190, "a worker ready 170 ms after its spawn is probed by 190 ms, not 205 as with waits growing by half: " + at);
  }

  @Test
  void anIntervalShorterThanTheFirstWaitIsKept() {
    assertEquals(Duration.ofMillis(5), readiness(Duration.ofMillis(5)).readinessWait(1));
    assertEquals(Duration.ofMillis(5), readiness(Duration.ofMillis(5)).readinessWait(9));
  }

  @Test
  void aWorkerThatListensSoonIsReadySoonWhateverTheInterval() throws Exception {
    // one whole interval (5 s) after the spawn would be the first retry with a fixed interval
    String cfg = "readiness { type = http, path = \"/health\", interval = 5s }";
    try (Harness h = new Harness(kit, ProcessWorkerTest.app("quick", "\"--listen-after\", \"300\"", cfg))) {
      WorkerEvent starting = h.await("quick", 0, WorkerState.STARTING, T);
      WorkerEvent ready = h.await("quick", 0, WorkerState.READY, T);
      long ms = Duration.between(starting.at(), ready.at()).toMillis();
      assertTrue(ms >= 250, "not ready before it listens: " + ms + " ms");
      assertTrue(ms < 3000, "ready well before one interval after its spawn: " + ms + " ms");
    }
  }
}
