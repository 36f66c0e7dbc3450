package io.drover.supervisor.config;

import java.time.Duration;

/**
 * How a worker is stopped: {@code signal} to its whole process tree, then KILL after {@code
 * timeout}.
 */
public record StopSpec(Signal signal, Duration timeout) {}
