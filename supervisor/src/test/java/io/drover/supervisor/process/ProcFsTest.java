package io.drover.supervisor.process;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcFsTest {

  @Test
  void treeRssCountsDescendantsAndScansTheProcessTableOnceForManyCalls() throws Exception {
    // a shell with two children (real processes, ended below)
    Process sh = new ProcessBuilder("sh", "-c", "sleep 60 & sleep 60 & wait").start();
    try {
      long pid = sh.pid();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (ProcFs.descendants(pid).size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      List<Long> children = ProcFs.descendants(pid);
      assertTrue(children.size() >= 2, "children of the shell: " + children);
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(ProcFs.TABLE_MAX_AGE_NANOS) + 50); // a table taken before they existed is stale now

      long own = ProcFs.rss(pid);
      long childRss = children.stream().mapToLong(ProcFs::rss).sum();
      long tree = ProcFs.treeRss(pid);
      assertTrue(own > 0 && childRss > 0, "own " + own + ", children " + childRss);
      assertTrue(tree >= own + childRss / 2, "tree RSS " + tree + " counts the children (own " + own + ", children " + childRss + ")");

      // What a status of 200 workers does: before, each call scanned /proc (every process's stat)
      long scans = ProcFs.tableScans();
      for (int i = 0; i < 200; i++) {
        ProcFs.treeRss(pid);
      }
      assertTrue(ProcFs.tableScans() - scans <= 2, "200 calls scanned the process table " + (ProcFs.tableScans() - scans) + " times");
    } finally {
      ProcFs.descendants(sh.pid()).forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
      sh.destroyForcibly();
      sh.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aProcessWithoutChildrenIsItsOwnTree() throws Exception {
    Process sleep = new ProcessBuilder("sleep", "60").start();
    try {
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(ProcFs.TABLE_MAX_AGE_NANOS) + 50);
      long own = ProcFs.rss(sleep.pid());
      long tree = ProcFs.treeRss(sleep.pid());
      assertTrue(own > 0, "own RSS " + own);
      // the same figure, give or take a page or two touched between the two reads
      assertTrue(Math.abs(tree - own) <= 8 * 4096, "tree " + tree + " vs own " + own);
      assertTrue(ProcFs.treeRss(Long.MAX_VALUE / 2) == 0, "no such process: 0");
    } finally {
      sleep.destroyForcibly();
      sleep.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBusyTreeShowsItsCpuAndAnIdleOneAlmostNone() throws Exception {
    // the busy loop runs in a child of the shell: the tree's CPU is counted, not the root's alone
    Process busy = new ProcessBuilder("sh", "-c", "node -e 'for (;;) {}' & wait").start();
    Process idle = new ProcessBuilder("sleep", "60").start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      ProcFs.TreeUsage b = ProcFs.treeUsage(busy.pid());
      ProcFs.TreeUsage i = ProcFs.treeUsage(idle.pid());
      // waits for the figure (a rate between samples a second or more apart), polling it
      // (30 %, not 100: the machine that runs the tests may be busy with other work)
      while ((b == null || b.cpuPercent() < 30) && System.nanoTime() < deadline) {
        Thread.sleep(200);
        b = ProcFs.treeUsage(busy.pid());
        i = ProcFs.treeUsage(idle.pid());
      }
      assertTrue(b != null && b.cpuPercent() >= 30, "busy tree: " + b);
      assertTrue(b.cpuPercent() <= 100 * Runtime.getRuntime().availableProcessors() + 10, "busy tree: " + b);
      assertTrue(b.cpuSeconds() > 0.3, "busy tree's CPU time: " + b);
      assertTrue(i != null && i.cpuPercent() < 5, "idle process: " + i);
      assertTrue(b.cpuPercent() > i.cpuPercent() + 20, "busy " + b + " vs idle " + i);
      assertTrue(ProcFs.treeUsage(Long.MAX_VALUE / 2) == null, "no such process: none");
    } finally {
      ProcFs.descendants(busy.pid()).forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
      busy.destroyForcibly();
      idle.destroyForcibly();
      busy.waitFor(10, TimeUnit.SECONDS);
      idle.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
