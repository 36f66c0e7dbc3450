package io.drover.supervisor.config;

import java.time.Duration;

/**
 * How a change to an app (an apply with new settings) rolls out, after Nomad's {@code update}
 * block: new workers replace old ones {@code maxParallel} at a time, each old worker serving
 * until its replacement has been ready for {@code minHealthyTime}; a replacement that is not
 * healthy within {@code healthyDeadline}, or exits or fails liveness within {@code
 * minHealthyTime}, fails the deployment, which then goes back to the last healthy settings when
 * {@code autoRevert} is on.
 *
 * @param maxParallel workers replaced at once (at least 1)
 * @param minHealthyTime how long a new worker must stay ready (not exit, not fail liveness) to
 *     count as healthy; zero: healthy once ready
 * @param healthyDeadline how long a new worker has from its start to become healthy
 * @param autoRevert a failed deployment goes back to the last healthy settings
 * @param canary new workers started first beside all the old ones (0: none)
 * @param autoPromote healthy canaries are promoted at once; off: they wait for a promote
 */
public record RolloutSpec(
    int maxParallel, Duration minHealthyTime, Duration healthyDeadline, boolean autoRevert, int canary, boolean autoPromote) {}
