package io.drover.supervisor;

import java.time.Instant;

/** An app changed state (gave up, retried after its cool-down, stopped, started). */
public record AppEvent(Instant at, String app, AppState state, String detail)
    implements DroverEvent {}
