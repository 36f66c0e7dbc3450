package io.drover.supervisor.process;

import io.drover.supervisor.config.Signal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What Linux's /proc tells about processes, and signals to process groups. */
public final class ProcFs {
  private static final Logger log = LoggerFactory.getLogger(ProcFs.class);
  private static final Path PROC = Path.of("/proc");
  private static final long PAGE_SIZE = 4096;
  /**
   * Clock ticks per second of /proc's CPU times (USER_HZ): 100 on every Linux the JVM runs on
   * (the kernel keeps it fixed for userspace, whatever its internal HZ).
   */
  static final long CLOCK_TICKS = 100;
  private static final CpuMeter CPU = new CpuMeter();

  private ProcFs() {}

  /** Fields of /proc/PID/stat after the command name; index 0 is field 3 (state). */
  private static String[] statFields(long pid) throws IOException {
    String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  /** The process's start time in clock ticks since boot (field 22), if it exists. */
  public static OptionalLong startTicks(long pid) {
    try {
      return OptionalLong.of(Long.parseLong(statFields(pid)[19]));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** The process group of a live, not-yet-reaped process, if it exists. */
  static OptionalLong processGroup(long pid) {
    try {
      String[] f = statFields(pid);
      return "Z".equals(f[0]) ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(f[2]));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** Resident set size of one process in bytes, 0 if it is gone. */
  public static long rss(long pid) {
    try {
      String statm = Files.readString(PROC.resolve(Long.toString(pid)).resolve("statm"));
      return Long.parseLong(statm.split(" ")[1]) * PAGE_SIZE;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * RSS of a process and all its descendants, in bytes. Which processes descend from which is
   * taken from one scan of /proc shared by every call within {@link #TABLE_MAX_AGE_NANOS} (the
   * RSS figures themselves are read fresh): the status of an app with N workers costs one scan
   * of the process table, not N. A scan per call made GET /apps/{app} of 200 workers take
   * seconds (each scan reads the stat of every process on the host) and blocked the app's
   * supervisor meanwhile.
   */
  public static long treeRss(long pid) {
    long total = rss(pid);
    for (long child : processTable(TABLE_MAX_AGE_NANOS).descendants(pid)) {
      total += rss(child);
    }
    return total;
  }

  /**
   * RSS and CPU of a process tree, as a status shows it.
   *
   * @param rssBytes RSS of the process and its descendants
   * @param cpuSeconds CPU time (user and system) the tree has used since the process started,
   *     its reaped children's included
   * @param cpuPercent the tree's CPU use since the previous sample at least a second back, 100 =
   *     one core (see {@link CpuMeter})
   */
  public record TreeUsage(long rssBytes, double cpuSeconds, double cpuPercent) {}

  /**
   * RSS and CPU of a process and all its descendants, or null when the process is gone. Shares
   * {@link #treeRss}'s scan of the process table; each call is also a CPU sample of the tree.
   */
  public static TreeUsage treeUsage(long pid) {
    long start;
    long ticks;
    try {
      String[] f = statFields(pid);
      start = Long.parseLong(f[19]);
      ticks = cpuTicks(f);
    } catch (IOException | RuntimeException e) {
      return null;
    }
    long rss = rss(pid);
    for (long child : processTable(TABLE_MAX_AGE_NANOS).descendants(pid)) {
      rss += rss(child);
      try {
        ticks += cpuTicks(statFields(child));
      } catch (IOException | RuntimeException e) {
        // gone meanwhile: its time is in its parent's once reaped
      }
    }
    long age = uptimeTicks() - start;
    CpuMeter.Usage cpu = CPU.sample(pid, start, ticks, age, System.nanoTime());
    return new TreeUsage(rss, cpu.seconds(), cpu.percent());
  }

  /** utime + stime + cutime + cstime (fields 14 to 17) of a process's stat fields. */
  private static long cpuTicks(String[] f) {
    return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
  }

  /** Time since boot in clock ticks, from /proc/uptime; 0 when it cannot be read. */
  private static long uptimeTicks() {
    try {
      String up = Files.readString(PROC.resolve("uptime"));
      return (long) (Double.parseDouble(up.substring(0, up.indexOf(' '))) * CLOCK_TICKS);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** How long one scan of the process table serves {@link #treeRss}. */
  static final long TABLE_MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private static ProcessTable table; // guarded by ProcFs.class
  private static long tableScans; // guarded by ProcFs.class

  /**
   * How long one scan serves {@link #recentDescendants} and {@link #recentGroupMembers}: stopping
   * an app of N workers scans the process table about once, not N times (200 workers took 16 s to
   * stop when each signal and each exit scanned it).
   */
  static final long SIGNAL_TABLE_MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private static synchronized ProcessTable processTable(long maxAgeNanos) {
    long now = System.nanoTime();
    if (table == null || now - table.takenAt() > maxAgeNanos) {
      table = ProcessTable.scan(now);
      tableScans++;
    }
    return table;
  }

  /** Scans of the process table so far (for tests). */
  static synchronized long tableScans() {
    return tableScans;
  }

  /** Children of every live process at one moment. */
  private record ProcessTable(long takenAt, Map<Long, List<Long>> children, Map<Long, List<Long>> groups) {
    static ProcessTable scan(long now) {
      Map<Long, List<Long>> children = new HashMap<>();
      Map<Long, List<Long>> groups = new HashMap<>();
      for (long pid : allPids()) {
        try {
          String[] f = statFields(pid);
          if (!"Z".equals(f[0])) {
            children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>()).add(pid);
            groups.computeIfAbsent(Long.parseLong(f[2]), k -> new ArrayList<>()).add(pid);
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile
        }
      }
      return new ProcessTable(now, children, groups);
    }

    List<Long> descendants(long root) {
      List<Long> found = new ArrayList<>();
      ArrayDeque<Long> queue = new ArrayDeque<>(List.of(root));
      Set<Long> seen = new HashSet<>(List.of(root));
      while (!queue.isEmpty()) {
        for (long child : children.getOrDefault(queue.poll(), List.of())) {
          if (seen.add(child)) {
            found.add(child);
            queue.add(child);
          }
        }
      }
      return found;
    }
  }

  /** Live descendants of a process. */
  public static List<Long> descendants(long pid) {
    return ProcessHandle.of(pid)
        .map(h -> h.descendants().map(ProcessHandle::pid).toList())
        .orElse(List.of());
  }

  /**
   * Descendants of a process from a scan at most {@link #SIGNAL_TABLE_MAX_AGE_NANOS} old, for
   * signalling a worker's tree (its group covers any child forked since).
   */
  public static List<Long> recentDescendants(long pid) {
    return processTable(SIGNAL_TABLE_MAX_AGE_NANOS).descendants(pid);
  }

  /**
   * Members of a process group from a scan at most {@link #SIGNAL_TABLE_MAX_AGE_NANOS} old, for
   * ending what a worker left in its group once its leader exited; a listed member that has
   * exited meanwhile is simply gone when signalled.
   */
  public static List<Long> recentGroupMembers(long pgid) {
    return processTable(SIGNAL_TABLE_MAX_AGE_NANOS).groups().getOrDefault(pgid, List.of());
  }

  /** Live (not zombie) processes whose process group is {@code pgid}. */
  public static List<Long> groupMembers(long pgid) {
    List<Long> members = new ArrayList<>();
    for (long pid : allPids()) {
      OptionalLong group = processGroup(pid);
      if (group.isPresent() && group.getAsLong() == pgid) {
        members.add(pid);
      }
    }
    return members;
  }

  /** Processes whose environment holds {@code name=value} exactly. */
  public static List<Long> withEnvironment(String name, String value) {
    byte[] wanted = (name + "=" + value).getBytes(StandardCharsets.UTF_8);
    List<Long> found = new ArrayList<>();
    for (long pid : allPids()) {
      try {
        byte[] environ = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
        if (containsEntry(environ, wanted)) {
          found.add(pid);
        }
      } catch (IOException | RuntimeException e) {
        // gone, or not ours to read
      }
    }
    return found;
  }

  private static boolean containsEntry(byte[] environ, byte[] entry) {
    int start = 0;
    for (int i = 0; i <= environ.length; i++) {
      if (i == environ.length || environ[i] == 0) {
        if (i - start == entry.length
            && java.util.Arrays.equals(environ, start, i, entry, 0, entry.length)) {
          return true;
        }
        start = i + 1;
      }
    }
    return false;
  }

  static List<Long> allPids() {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          pids.add(Long.parseLong(name));
        }
      }
    } catch (IOException e) {
      log.warn("cannot list /proc: {}", e.toString());
    }
    return pids;
  }

  /**
   * Sends {@code signal} to the process group {@code pgid} and to each pid in {@code extra}
   * (descendants that left the group). Blocks for the few milliseconds {@code kill} takes.
   */
  public static void signal(Signal signal, long pgid, List<Long> extra) {
    List<String> cmd = new ArrayList<>(List.of("kill", "-s", signal.name(), "--"));
    if (pgid > 0) {
      cmd.add("-" + pgid);
    }
    extra.stream().map(String::valueOf).forEach(cmd::add);
    if (cmd.size() == 4) {
      return;
    }
    try {
      Process kill =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!kill.waitFor(5, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
      }
    } catch (IOException e) {
      log.warn("cannot run kill: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether a process with this pid exists and is not a zombie. */
  public static boolean alive(long pid) {
    return processGroup(pid).isPresent();
  }

}
