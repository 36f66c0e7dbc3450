package io.drover.http.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.supervisor.config.RetryBudgetSpec;
import org.junit.jupiter.api.Test;

/** The retry budget's arithmetic: a share of the requests plus a floor per second, over ten seconds. */
class RetryBudgetTest {
  static int allowed(RetryBudget b) {
    int n = 0;
    while (n < 10_000 && b.tryRetry()) {
      n++;
    }
    return n;
  }

  @Test
  void retriesStayBelowTheShareOfRequests() {
    RetryBudget b = new RetryBudget(new RetryBudgetSpec(20, 0));
    for (int i = 0; i < 100; i++) {
      b.request(System.nanoTime());
    }
    assertEquals(20, allowed(b), "20 % of 100 requests");
    assertFalse(b.tryRetry());
    for (int i = 0; i < 10; i++) {
      b.request(System.nanoTime());
    }
    assertEquals(2, allowed(b), "10 more requests earn 2 more retries");
  }

  @Test
  void theFloorAllowsRetriesWithoutTraffic() {
    RetryBudget b = new RetryBudget(new RetryBudgetSpec(0, 1));
    assertEquals(RetryBudget.SECONDS, allowed(b), "min-per-second = 1 over a 10 s window");
    RetryBudget none = new RetryBudget(new RetryBudgetSpec(0, 0));
    none.request(System.nanoTime());
    assertFalse(none.tryRetry());
    b.configure(new RetryBudgetSpec(100, 1));
    b.request(System.nanoTime());
    assertTrue(b.tryRetry(), "a new budget applies at once");
  }
}
