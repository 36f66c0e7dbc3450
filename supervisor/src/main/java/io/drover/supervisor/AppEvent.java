package io.drover.supervisor;

import java.time.Instant;

/**
 * An app changed state (gave up, retried after its cool-down, stopped, started), or something
 * happened to it that leaves its state as it was (a rolling restart aborted, a worker's log file
 * that cannot be written, or can again): {@code state} is the app's state at the time.
 */
public record AppEvent(Instant at, String app, AppState state, String detail)
    implements DroverEvent {}
