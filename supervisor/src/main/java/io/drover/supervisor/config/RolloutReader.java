package io.drover.supervisor.config;

import static io.drover.supervisor.config.AppReader.MAX_INSTANCES;
import static io.drover.supervisor.config.Reader.anyNull;

import java.time.Duration;

/**
 * The groups of an app that say how its set of workers changes: {@code autoscale}, {@code update}
 * (rolling deployments) and {@code recycle}. Each reads one group of {@link AppReader}'s app, or
 * answers null when a problem was found in it; the cross-key rules against placement and the
 * instance count are checked here.
 */
final class RolloutReader {
  private RolloutReader() {}

  static AutoscaleSpec autoscale(Reader autoscale, Integer instances) {
    if (autoscale == null) {
      return null;
    }
    Long min = autoscale.integer("min", 1, MAX_INSTANCES, "an integer from 1 to " + MAX_INSTANCES);
    Long max = autoscale.integer("max", 0, MAX_INSTANCES, "an integer from 0 (off) to " + MAX_INSTANCES);
    Double target = autoscale.number("target", 0.01, 1_000_000, "a number greater than 0 (requests in flight or queued per worker)");
    Duration up = autoscale.duration("scale-up-window", true);
    Duration down = autoscale.duration("scale-down-window", true);
    Duration interval = autoscale.duration("interval", false);
    if (anyNull(min, max, target, up, down, interval)) {
      return null;
    }
    if (max > 0 && min > max) {
      autoscale.problem("min", min + " (max = " + max + ")", "min <= max");
      return null;
    }
    if (max > 0 && instances != null && (instances < min || instances > max)) {
      autoscale.problem("max", "instances = " + instances + " outside [" + min + ", " + max + "]",
          "min <= instances <= max (instances is the count the app starts with)");
      return null;
    }
    return new AutoscaleSpec(min.intValue(), max.intValue(), target, up, down, interval);
  }

  static RolloutSpec update(Reader update, Placement placement, Integer instances) {
    if (update == null) {
      return null;
    }
    Long maxParallel = update.integer("max-parallel", 1, MAX_INSTANCES, "an integer from 1 to " + MAX_INSTANCES);
    Duration minHealthy = update.duration("min-healthy-time", true);
    Duration deadline = update.duration("healthy-deadline", false);
    Boolean autoRevert = update.bool("auto-revert");
    Long canary = update.integer("canary", 0, MAX_INSTANCES, "an integer from 0 (none) to " + MAX_INSTANCES);
    Boolean autoPromote = update.bool("auto-promote");
    if (anyNull(maxParallel, minHealthy, deadline, autoRevert, canary, autoPromote)) {
      return null;
    }
    boolean ok = true;
    if (minHealthy.compareTo(deadline) >= 0) {
      update.problem("healthy-deadline",
          Reader.plainText(update.raw("healthy-deadline")) + " (min-healthy-time = " + Reader.plainText(update.raw("min-healthy-time")) + ")",
          "longer than min-healthy-time (a new worker must be able to become healthy in time)");
      ok = false;
    }
    if (canary > 0 && placement == Placement.CLUSTER) {
      update.problem("canary", Long.toString(canary), "0 for placement = cluster (each slot is updated on its own)");
      ok = false;
    } else if (instances != null && canary > instances) {
      update.problem("canary", canary + " (instances = " + instances + ")", "at most instances (each canary takes an old worker's place once promoted)");
      ok = false;
    }
    return ok ? new RolloutSpec(maxParallel.intValue(), minHealthy, deadline, autoRevert, canary.intValue(), autoPromote) : null;
  }

  static RecycleSpec recycle(Reader recycle) {
    if (recycle == null) {
      return null;
    }
    Long maxRequests = recycle.integer("max-requests", 0, Long.MAX_VALUE, "an integer of 0 (no limit) or more");
    Duration maxAge = recycle.duration("max-age", true);
    Double jitter = recycle.number("jitter", 0, 1, "a number from 0 to 1");
    return anyNull(maxRequests, maxAge, jitter) ? null : new RecycleSpec(maxRequests, maxAge, jitter);
  }
}
