package io.drover.supervisor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a worker does once its process (or Worker instance) has ended: answers whoever asked it
 * to stop, restarts when a restart was asked for, and otherwise reports the exit to its app
 * supervisor, which applies the restart rules. Process and actor workers share it.
 */
final class AfterExit {
  /** A restart to do: after {@code delay}, for {@code reason}. */
  record Restart(Duration delay, String reason) {}

  private final List<ActorRef<WorkerCommand.Stopped>> stopRequesters = new ArrayList<>();
  private Restart restart;

  /** A stop was asked for: it wins over a restart asked for before. */
  void stop(ActorRef<WorkerCommand.Stopped> replyTo) {
    stopRequesters.add(replyTo);
    restart = null;
  }

  /** A restart was asked for; false (and nothing changes) when a stop is pending, which wins. */
  boolean restart(Duration delay, String reason) {
    if (!stopRequesters.isEmpty()) {
      return false;
    }
    restart = new Restart(delay, reason);
    return true;
  }

  /** A start arrived while a stop is under way: the stop completes (and is answered), then it starts. */
  void startOnceStopped() {
    restart = new Restart(Duration.ZERO, "start requested");
  }

  /** A new process or instance is starting: nothing is pending for it. */
  void clearRestart() {
    restart = null;
  }

  /**
   * The worker has exited: its stop requesters hear it. Returns the restart to do, or null to stay
   * stopped — after telling the app supervisor of an exit nobody asked for.
   */
  Restart exited(ActorRef<WorkerCommand> self, WorkerSetup setup, int instance,
      ExitKind kind, String reason, Duration uptime) {
    if (!stopRequesters.isEmpty()) {
      stopRequesters.forEach(r -> r.tell(new WorkerCommand.Stopped(instance)));
      stopRequesters.clear();
      if (restart == null) {
        return null;
      }
    }
    if (restart != null) {
      Restart r = restart;
      restart = null;
      return r;
    }
    if (kind != ExitKind.REQUESTED) {
      setup.parent().tell(new AppSupervisor.WorkerExited(self, instance, new WorkerExit(kind, reason, uptime)));
    }
    return null;
  }
}
