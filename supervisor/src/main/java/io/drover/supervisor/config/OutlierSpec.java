package io.drover.supervisor.config;

import java.time.Duration;

/**
 * Outlier ejection ({@code route.outlier}): a worker whose answers fail this many times in a row
 * (5xx, or no answer at all) is taken out of rotation for {@code baseTime} times the number of
 * times it was ejected (at most {@link #MAX_TIME}), while at most {@code maxPercent} of the app's
 * workers are out at once.
 *
 * @param consecutiveFailures failures in a row that eject a worker; 0 turns ejection off
 */
public record OutlierSpec(int consecutiveFailures, Duration baseTime, int maxPercent) {
  public static final Duration MAX_TIME = Duration.ofMinutes(5);
  public static final OutlierSpec DEFAULT = new OutlierSpec(5, Duration.ofSeconds(10), 50);

  public boolean enabled() {
    return consecutiveFailures > 0 && maxPercent > 0;
  }
}
