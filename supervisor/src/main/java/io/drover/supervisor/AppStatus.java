package io.drover.supervisor;

import java.util.List;

/** A snapshot of one app and its workers. */
public record AppStatus(String app, AppState state, String detail, List<WorkerStatus> workers) {
  public AppStatus {
    workers = List.copyOf(workers);
  }
}
