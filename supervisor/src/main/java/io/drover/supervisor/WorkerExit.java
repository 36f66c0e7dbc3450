package io.drover.supervisor;

import java.time.Duration;

/**
 * How a worker's process ended.
 *
 * @param kind the classification restart decisions are made on
 * @param reason a short human explanation ("exited with status 1", "killed by signal 9", ...)
 * @param uptime how long the process had run
 */
public record WorkerExit(ExitKind kind, String reason, Duration uptime) {}
