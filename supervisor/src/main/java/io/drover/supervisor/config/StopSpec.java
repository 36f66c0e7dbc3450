package io.drover.supervisor.config;

import java.time.Duration;

/**
 * How a worker is stopped: out of rotation, then up to {@code drainTimeout} for its in-flight
 * requests to finish, then {@code signal} to its whole process tree, then KILL after {@code
 * timeout}.
 */
public record StopSpec(Signal signal, Duration timeout, Duration drainTimeout) {}
