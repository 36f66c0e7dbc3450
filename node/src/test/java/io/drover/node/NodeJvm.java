package io.drover.node;

import io.drover.supervisor.config.Signal;
import io.drover.supervisor.process.ProcFs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A node JVM started by a test ({@code java [jvmOptions] -cp <test classpath> io.drover.node.Main
 * <args>}), or any other process a test starts, with {@link #MARKER} in its environment (so that
 * what it leaves behind can be found) and every line of its output (stdout and stderr) kept.
 */
final class NodeJvm {
  /** The environment variable whose value marks a test's processes and their descendants. */
  static final String MARKER = "DROVER_TEST";

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final StringBuilder all = new StringBuilder();

  private NodeJvm(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          synchronized (all) {
            all.append(line).append('\n');
          }
          synchronized (lines) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        // process gone
      }
    });
    reader.setDaemon(true);
    reader.start();
  }

  /** {@code java [jvmOptions] -cp <test classpath> io.drover.node.Main <args>}, not started yet. */
  static ProcessBuilder command(List<String> jvmOptions, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.drover.node.Main"));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }

  /** Starts a node JVM marked with {@code marker}. */
  static NodeJvm start(String marker, List<String> jvmOptions, String... args) throws IOException {
    return start(command(jvmOptions, args), marker);
  }

  /** Starts {@code pb} (a node JVM or any other process) marked with {@code marker}. */
  static NodeJvm start(ProcessBuilder pb, String marker) throws IOException {
    pb.redirectErrorStream(true);
    pb.environment().put(MARKER, marker);
    return new NodeJvm(pb.start());
  }

  Process process() {
    return process;
  }

  /** All the output so far. */
  String all() {
    synchronized (all) {
      return all.toString();
    }
  }

  /** The first line so far, or to come within {@code within}, that contains the text. */
  String awaitLine(String contains, Duration within) throws InterruptedException {
    return await(line -> line.contains(contains) ? line : null, within, "no line containing '" + contains + "'");
  }

  /** Group 1 of the first line so far, or to come within {@code within}, in which the pattern is found. */
  String awaitGroup(Pattern pattern, Duration within) throws InterruptedException {
    return await(line -> {
      Matcher m = pattern.matcher(line);
      return m.find() ? m.group(1) : null;
    }, within, "no line matching " + pattern);
  }

  private String await(Function<String, String> match, Duration within, String failure) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      synchronized (lines) {
        for (String line : lines) {
          String found = match.apply(line);
          if (found != null) {
            return found;
          }
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError(failure + " within " + within + ":\n" + all());
  }

  /** Sends a signal ({@code TERM}, {@code INT}, {@code KILL}...) with {@code kill -s}. */
  void signal(String sig) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-s", sig, Long.toString(process.pid())).start().waitFor();
  }

  /** Sends the signal and waits for the process to end: false if it still runs after {@code within}. */
  boolean stop(String sig, Duration within) throws IOException, InterruptedException {
    signal(sig);
    return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The pids of the processes that carry the marker. */
  static List<Long> marked(String marker) {
    return ProcFs.withEnvironment(MARKER, marker);
  }

  /**
   * The common tear-down: SIGTERM every started process that still runs (30 s for each to end),
   * then SIGKILL it; SIGKILL whatever else carries the marker; delete {@code dir}. Returns the
   * pids that were left running (and are now killed), for the test to assert there were none.
   */
  static List<Long> cleanUp(List<NodeJvm> started, String marker, Path dir) throws IOException, InterruptedException {
    String keep = System.getProperty("drover.test.node-logs"); // a folder to keep every node's output in
    for (NodeJvm p : started) {
      if (p.process.isAlive()) {
        p.stop("TERM", Duration.ofSeconds(30));
      }
      p.process.destroyForcibly();
      p.process.waitFor(10, TimeUnit.SECONDS);
    }
    if (keep != null) {
      Files.createDirectories(Path.of(keep));
      for (int i = 0; i < started.size(); i++) {
        Files.writeString(Path.of(keep, marker + "-" + i + ".log"), started.get(i).all());
      }
    }
    List<Long> left = marked(marker);
    ProcFs.signal(Signal.KILL, 0, left);
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
    return left;
  }
}
