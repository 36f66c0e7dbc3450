package io.drover.supervisor.config;

import java.time.Duration;
import java.util.Optional;

/**
 * What happens when a worker exits (after Erlang/OTP supervisors).
 *
 * @param policy which exits are restarted
 * @param strategy which workers are restarted with the one that exited
 * @param backoff delay before a restart
 * @param maxRestarts restarts allowed within {@code within} before the app gives up
 * @param within the sliding window for {@code maxRestarts}
 * @param minUptime a worker up this long has its backoff reset
 * @param retryAfterGiveUp after giving up, start the app again after this cool-down; empty to stay
 *     failed until an operator acts
 */
public record RestartSpec(
    RestartPolicy policy,
    RestartStrategy strategy,
    BackoffSpec backoff,
    int maxRestarts,
    Duration within,
    Duration minUptime,
    Optional<Duration> retryAfterGiveUp) {}
