package io.drover.supervisor.config;

/**
 * How many retries an app's requests may cause ({@code route.retry-budget}): retries in the last
 * ten seconds stay below {@code percent} of the requests in them plus {@code minPerSecond} each
 * second, so a failing release cannot multiply the load by retrying every request.
 */
public record RetryBudgetSpec(int percent, int minPerSecond) {
  public static final RetryBudgetSpec DEFAULT = new RetryBudgetSpec(20, 10);
}
