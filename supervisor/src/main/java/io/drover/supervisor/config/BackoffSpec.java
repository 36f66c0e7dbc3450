package io.drover.supervisor.config;

import java.time.Duration;

/**
 * Exponential backoff between restarts: {@code min * 2^n}, capped at {@code max}, then spread by
 * up to {@code randomFactor} either way.
 */
public record BackoffSpec(Duration min, Duration max, double randomFactor) {}
