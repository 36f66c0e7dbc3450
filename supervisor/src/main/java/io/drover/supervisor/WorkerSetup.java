package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.process.RunRecords;
import io.drover.supervisor.process.WorkerLogs;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Everything a worker needs from its app supervisor.
 *
 * @param restarts the restarts its slot has had so far (a replacement starts from the count of
 *     the worker it replaces, plus one)
 */
record WorkerSetup(
    AppSpec spec,
    int instance,
    int restarts,
    ActorRef<AppSupervisor.Command> parent,
    WorkerLogs logs,
    RunRecords records,
    Drainer drainer) {}
