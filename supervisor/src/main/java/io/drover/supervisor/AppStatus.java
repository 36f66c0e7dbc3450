package io.drover.supervisor;

import java.util.List;

/** A snapshot of one app, its workers and its current settings. */
public record AppStatus(
    String app,
    AppState state,
    String detail,
    List<WorkerStatus> workers,
    io.drover.supervisor.config.AppSpec spec) {
  public AppStatus {
    workers = List.copyOf(workers);
  }
}
