package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * http.loop-scheduling: with batch, every event loop of the front runs under SCHED_BATCH (set by
 * chrt when the loop starts), as the kernel reports it; with normal, they keep SCHED_OTHER.
 */
class BatchSchedulingTest {
  private static final int SCHED_OTHER = 0;
  private static final int SCHED_BATCH = 3;

  @Test
  void batchLoopsRunUnderSchedBatch() throws Exception {
    assumeTrue(Files.isSymbolicLink(Path.of("/proc/thread-self")), "Linux only");
    assertEquals(List.of(SCHED_BATCH, SCHED_BATCH), policiesOfLoops(true, SCHED_BATCH));
  }

  @Test
  void normalLoopsKeepTheDefaultPolicy() throws Exception {
    assumeTrue(Files.isSymbolicLink(Path.of("/proc/thread-self")), "Linux only");
    assertEquals(List.of(SCHED_OTHER, SCHED_OTHER), policiesOfLoops(false, SCHED_OTHER));
  }

  /** Starts two loops, and returns their policies once both show {@code expected} (or after 10 s, as they are then). */
  private static List<Integer> policiesOfLoops(boolean batch, int expected) throws Exception {
    EventLoopGroup group = IoTransport.pick(io.drover.supervisor.config.IoKind.IO_URING).loops(2, "test-batch", batch);
    try {
      List<String> tids = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        EventLoop loop = group.next();
        tids.add(loop.submit(() -> Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString()).get(10, TimeUnit.SECONDS));
      }
      assertEquals(2, tids.stream().distinct().count(), "two loops, two threads");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      List<Integer> policies = policies(tids);
      // chrt runs apart from the loop: wait for it (bounded), on what the kernel reports
      while (!policies.stream().allMatch(p -> p == expected) && System.nanoTime() < deadline) {
        Thread.sleep(20);
        policies = policies(tids);
      }
      return policies;
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private static List<Integer> policies(List<String> tids) throws IOException {
    List<Integer> out = new ArrayList<>();
    for (String tid : tids) {
      out.add(policy(Files.readString(Path.of("/proc/self/task", tid, "stat"))));
    }
    return out;
  }

  /** Field 41 of /proc/[pid]/task/[tid]/stat, counting after the command name (which may hold spaces and parentheses). */
  private static int policy(String stat) {
    String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    return Integer.parseInt(after[41 - 3]);
  }
}
