package io.drover.supervisor;

import io.drover.supervisor.config.AppSpec;
import io.drover.supervisor.config.RestartSpec;
import java.time.Duration;

/**
 * The settings one {@link AppSupervisor} runs and what follows from them: its restart rules, the
 * restart window they size (new settings start a new window; a scale keeps it), and how long a
 * worker's stop may take. Called only from the supervisor's actor.
 */
final class AppSettings {
  AppSpec spec;
  RestartSpec restart;
  RestartWindow window;

  AppSettings(AppSpec spec) {
    adopt(spec);
  }

  /** The app runs {@code spec} from now on: its restart rules and a new restart window follow it. */
  void adopt(AppSpec spec) {
    this.spec = spec;
    this.restart = spec.restart();
    this.window = new RestartWindow(restart.maxRestarts(), restart.within());
  }

  String name() {
    return spec.name();
  }

  /** The longest a worker's stop can take: drain, signal, kill, with a margin. */
  Duration stopBudget() {
    return spec.stop().drainTimeout().plus(spec.stop().timeout()).plusSeconds(10);
  }
}
