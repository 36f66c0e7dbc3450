package io.drover.supervisor.process;

import io.drover.supervisor.config.LogSpec;
import java.nio.file.Path;

/** Where an app's workers write: {@code <logs-dir>/<app>/<app>-<i>.out} and {@code .err}. */
public final class WorkerLogs {
  private final Path dir;
  private final LogSpec spec;

  public WorkerLogs(Path dir, LogSpec spec) {
    this.dir = dir;
    this.spec = spec;
  }

  public Path dir() {
    return dir;
  }

  /** Drains the process's stdout and stderr into the worker's rotated files. */
  public void attach(String worker, Process process) {
    RotatingLog.pump(
        process.getInputStream(), dir.resolve(worker + ".out"), spec.maxSize(), spec.keep(),
        "drover-log-" + worker + "-out");
    RotatingLog.pump(
        process.getErrorStream(), dir.resolve(worker + ".err"), spec.maxSize(), spec.keep(),
        "drover-log-" + worker + "-err");
  }
}
