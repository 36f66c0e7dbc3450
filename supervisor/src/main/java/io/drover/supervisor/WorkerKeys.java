package io.drover.supervisor;

import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Receptionist keys: a worker registers under its app's key only while it is ready, so whoever
 * routes to the app (the HTTP front, on any node) sees exactly the ready workers.
 */
public final class WorkerKeys {
  private WorkerKeys() {}

  public static ServiceKey<WorkerCommand> of(String app) {
    return ServiceKey.create(WorkerCommand.class, "drover-app-" + app);
  }
}
