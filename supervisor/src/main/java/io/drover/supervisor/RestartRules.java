package io.drover.supervisor;

import io.drover.supervisor.config.RestartPolicy;
import io.drover.supervisor.config.RestartStrategy;
import java.util.List;
import java.util.stream.IntStream;

/** The restart table: which exits are restarted, and which siblings go with them. */
public final class RestartRules {
  private RestartRules() {}

  /** Policy × exit kind, in one place (OTP child restart types). */
  public static boolean restarts(RestartPolicy policy, ExitKind kind) {
    return switch (policy) {
      case PERMANENT -> kind != ExitKind.REQUESTED;
      case TRANSIENT -> kind.abnormal();
      case TEMPORARY -> false;
    };
  }

  /**
   * The instances other than {@code exited} that are restarted with it, in start order.
   *
   * @param instances how many instances the app has, indexed 0..instances-1
   */
  public static List<Integer> siblings(RestartStrategy strategy, int exited, int instances) {
    return switch (strategy) {
      case ONE_FOR_ONE -> List.of();
      case ONE_FOR_ALL -> IntStream.range(0, instances).filter(i -> i != exited).boxed().toList();
      case REST_FOR_ONE -> IntStream.range(exited + 1, instances).boxed().toList();
    };
  }
}
