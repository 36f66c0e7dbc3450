package io.drover.supervisor;

import io.drover.supervisor.config.BackoffSpec;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/** Exponential backoff with jitter: {@code min * 2^attempt}, capped at {@code max}, spread. */
public final class Backoff {
  private Backoff() {}

  /**
   * The delay before restart number {@code attempt} (0 for the first since the last reset).
   *
   * @param random a source of values in [0, 1)
   */
  public static Duration delay(BackoffSpec spec, int attempt, DoubleSupplier random) {
    double min = spec.min().toNanos();
    double max = spec.max().toNanos();
    double base = Math.min(max, min * Math.pow(2, Math.min(attempt, 62)));
    double spread = 1 + spec.randomFactor() * (2 * random.getAsDouble() - 1);
    return Duration.ofNanos((long) Math.max(0, base * spread));
  }
}
