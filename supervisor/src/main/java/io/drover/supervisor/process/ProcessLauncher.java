package io.drover.supervisor.process;

import io.drover.supervisor.config.Signal;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spawns worker processes without a shell, each the leader of a process group of its own (so
 * its whole tree can be signalled), and set to be killed when the node dies: the leader by its
 * death signal, the rest of its group by the {@link GroupReaper}.
 *
 * <p>The death signal ({@code setpriv --pdeathsig KILL}) fires when the <em>thread</em> that
 * spawned the process exits, so every spawn runs on one long-lived thread that lives as long as
 * the JVM. Signals are sent from the same thread, which keeps "TERM, then KILL" in order.
 */
public final class ProcessLauncher {
  private static final Logger log = LoggerFactory.getLogger(ProcessLauncher.class);
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final ProcessLauncher INSTANCE = new ProcessLauncher();

  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "drover-spawner");
            t.setDaemon(true);
            return t;
          });
  private final boolean wrap = Files.isExecutable(SETPRIV) && Files.isExecutable(SETSID);
  private final GroupReaper reaper = new GroupReaper();

  private ProcessLauncher() {
    if (!wrap) {
      log.warn(
          "{} or {} not found: workers will not die with a killed node and share its process"
              + " group; the next start of the node still ends workers left behind",
          SETPRIV,
          SETSID);
    }
  }

  public static ProcessLauncher get() {
    return INSTANCE;
  }

  /**
   * What to spawn.
   *
   * @param command program and arguments; the program is looked up on the PATH of {@code env}
   * @param cwd working directory
   * @param env the complete environment of the process
   */
  public record Request(List<String> command, Path cwd, Map<String, String> env) {}

  /** A spawned process; {@code pgid} equals {@code pid} when the process leads its own group. */
  public record Spawned(Process process, long pid, long pgid, long startTicks) {}

  /** Spawns on the launcher thread; fails with {@link SpawnException} when it cannot. */
  public CompletionStage<Spawned> spawn(Request request) {
    return CompletableFuture.supplyAsync(() -> doSpawn(request), thread);
  }

  /** Signals a process group and extra pids, in order with other spawns and signals. */
  public CompletionStage<Void> signal(Signal signal, long pgid, List<Long> extra) {
    return CompletableFuture.runAsync(() -> ProcFs.signal(signal, pgid, extra), thread);
  }

  /**
   * Kills what is left in the process group of a worker whose leader has exited. The members are
   * looked up by pid rather than signalled by group id, which could be reused once empty.
   */
  public CompletionStage<Void> killGroupRemains(long pgid) {
    return CompletableFuture.runAsync(
        () -> {
          List<Long> members = ProcFs.recentGroupMembers(pgid);
          if (!members.isEmpty()) {
            ProcFs.signal(Signal.KILL, 0, members);
          }
          reaper.forget(pgid);
        },
        thread);
  }

  private Spawned doSpawn(Request request) {
    if (!Files.isDirectory(request.cwd())) {
      throw new SpawnException("working directory does not exist: " + request.cwd());
    }
    Path program = resolve(request.command().get(0), request.cwd(), request.env());
    List<String> argv = new ArrayList<>();
    if (wrap) {
      argv.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", SETSID.toString()));
    }
    argv.add(program.toString());
    argv.addAll(request.command().subList(1, request.command().size()));
    ProcessBuilder pb = new ProcessBuilder(argv).directory(request.cwd().toFile());
    pb.environment().clear();
    pb.environment().putAll(request.env());
    try {
      Process p = pb.start();
      long pid = p.pid();
      if (wrap) {
        reaper.watch(pid);
      }
      return new Spawned(p, pid, wrap ? pid : 0, ProcFs.startTicks(pid).orElse(0));
    } catch (Exception e) {
      throw new SpawnException("cannot start " + program + ": " + e.getMessage());
    }
  }

  /** Finds the program like execvp does, so a missing one is a clear error, not exit 127. */
  static Path resolve(String program, Path cwd, Map<String, String> env) {
    if (program.contains("/")) {
      Path p = cwd.resolve(program).normalize();
      if (!Files.isRegularFile(p)) {
        throw new SpawnException("command not found: " + p);
      }
      if (!Files.isExecutable(p)) {
        throw new SpawnException("command is not executable: " + p);
      }
      return p;
    }
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = cwd.resolve(dir).resolve(program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.normalize();
      }
    }
    throw new SpawnException("command not found: \"" + program + "\" (searched PATH=" + path + ")");
  }

  /** A worker process could not be spawned; the message says why, for users. */
  public static final class SpawnException extends RuntimeException {
    public SpawnException(String message) {
      super(message);
    }
  }
}
