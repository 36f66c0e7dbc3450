package io.drover.supervisor.process;

import io.drover.supervisor.config.LogSpec;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Where an app's workers write: {@code <logs-dir>/<app>/<app>-<i>.out} and {@code .err}. A
 * stream whose file cannot be written keeps being drained (see {@link LogPump}); that it cannot,
 * and that it can again, goes to the {@link #reportingTo report}.
 */
public final class WorkerLogs {
  private final String app;
  private final Path dir;
  private final LogSpec spec;
  private final Consumer<String> report;

  public WorkerLogs(String app, Path dir, LogSpec spec) {
    this(app, dir, spec, detail -> {});
  }

  private WorkerLogs(String app, Path dir, LogSpec spec, Consumer<String> report) {
    this.app = app;
    this.dir = dir;
    this.spec = spec;
    this.report = report;
  }

  /**
   * The same logs, telling {@code report} (from the thread that reads the streams) when a worker's file
   * cannot be written and when it can again, in a sentence that starts with {@code "logs: "}.
   */
  public WorkerLogs reportingTo(Consumer<String> report) {
    return new WorkerLogs(app, dir, spec, report);
  }

  public Path dir() {
    return dir;
  }

  /**
   * Drains the process's stdout and stderr into the worker's rotated files; returns the last
   * bytes of its stderr, kept in memory as well.
   */
  public OutputTail attach(String worker, Process process) {
    OutputTail stderr = new OutputTail();
    CompletionStage<Process> exited = process.onExit(); // once: each call starts a task of its own
    pump(worker, "out", process.getInputStream(), exited, null);
    pump(worker, "err", process.getErrorStream(), exited, stderr);
    return stderr;
  }

  private void pump(String worker, String stream, InputStream in, CompletionStage<?> ended, OutputTail tail) {
    RotatingLog file = new RotatingLog(dir.resolve(worker + "." + stream), spec.maxSize(), spec.keep());
    LogPump.start(in, ended, file, app, worker, report, tail);
  }
}
