package io.drover.supervisor;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * The restart rules applied to an exit of a slot's worker that nobody asked for: policy × exit
 * kind ({@link RestartRules}), the intensity window (unstable restarts only), the slot's backoff,
 * and the strategy's siblings. Giving up is the {@link AppSupervisor}'s: it hears the exit that
 * exceeded the intensity. Called only from the supervisor's actor.
 */
final class SlotRestarts {
  private final Logger log;
  private final WorkerTable table;
  /** The worker in each slot (the table's). */
  private final List<ActorRef<WorkerCommand>> workers;
  private final AppSettings settings;

  SlotRestarts(Logger log, WorkerTable table, AppSettings settings) {
    this.log = log;
    this.table = table;
    this.workers = table.workers;
    this.settings = settings;
  }

  /**
   * Restarts the worker in {@code slot} (and its siblings) after {@code exit}, or not, as the
   * policy says. Returns null, or, when the restarts exceeded the intensity, the exit to give up on.
   */
  String exited(int slot, int instance, WorkerExit exit) {
    String worker = settings.name() + "-" + instance;
    if (!RestartRules.restarts(settings.restart.policy(), exit.kind())) {
      log.info(
          "[{}] [{}] not restarted: policy {}, {}", settings.name(), worker,
          settings.restart.policy().name().toLowerCase(), exit.reason());
      return null;
    }
    // Intensity counts unstable restarts only (died before min-uptime): a worker that ran
    // fine and was then killed is replaced, not held against the app.
    boolean unstable = exit.uptime().compareTo(settings.restart.minUptime()) < 0;
    if (unstable && settings.window.recordAndCheck(System.nanoTime())) {
      return worker + " " + exit.reason();
    }
    if (exit.uptime().compareTo(settings.restart.minUptime()) >= 0) {
      table.attempts[slot] = 0; // stayed up for min-uptime: backoff starts over
    }
    Duration delay = Backoff.delay(settings.restart.backoff(), table.attempts[slot]++, ThreadLocalRandom.current()::nextDouble);
    workers.get(slot).tell(new WorkerCommand.StartAfter(delay, exit.reason()));
    for (int sibling : RestartRules.siblings(settings.restart.strategy(), slot, workers.size())) {
      String why = strategyName() + ": " + worker + " " + exit.reason();
      workers.get(sibling).tell(new WorkerCommand.Restart(delay, why));
    }
    return null;
  }

  private String strategyName() {
    return settings.restart.strategy().name().toLowerCase().replace('_', '-');
  }

  /** Why the app gave up after {@code lastExit}, and whether it tries again. */
  String givenUp(String lastExit) {
    return "gave up: more than " + settings.restart.maxRestarts() + " restarts within "
        + Durations.human(settings.restart.within()) + " (last: " + lastExit + ")"
        + settings.restart.retryAfterGiveUp().map(d -> "; retrying in " + Durations.human(d)).orElse("; staying failed until started");
  }
}
