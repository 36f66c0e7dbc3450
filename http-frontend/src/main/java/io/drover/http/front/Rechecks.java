package io.drover.http.front;

import io.drover.supervisor.process.Probes;
import java.time.Duration;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Passive health, on the front actor's thread: an endpoint that refused or reset a connection
 * is out of rotation ({@link Endpoint#down}) and is probed every {@link #AFTER} until it accepts
 * connections again, for as long as it is still the app's current endpoint of its worker.
 */
final class Rechecks {
  static final Duration AFTER = Duration.ofMillis(500);

  /** From the data plane: the endpoint refused or reset a connection. */
  record Failed(Endpoint endpoint) implements Front.Command {}

  record Recheck(Endpoint endpoint) implements Front.Command {}

  record Checked(Endpoint endpoint, boolean accepting) implements Front.Command {}

  /** Timer key: a recheck of one endpoint runs beside its drain's polling. */
  private record Timer(Endpoint endpoint) {}

  private final ActorContext<Front.Command> ctx;
  private final TimerScheduler<Front.Command> timers;
  private final Predicate<Endpoint> current;
  private final java.util.function.Consumer<Endpoint> back;

  Rechecks(ActorContext<Front.Command> ctx, TimerScheduler<Front.Command> timers, Predicate<Endpoint> current,
      java.util.function.Consumer<Endpoint> back) {
    this.ctx = ctx;
    this.timers = timers;
    this.current = current;
    this.back = back;
  }

  void failed(Failed m) {
    Endpoint e = m.endpoint();
    if (current.test(e)) {
      ctx.getLog().info("[{}] [{}] refused a connection: out of rotation until it accepts again", e.app, e);
      timers.startSingleTimer(new Timer(e), new Recheck(e), AFTER);
    }
  }

  void recheck(Recheck m) {
    Endpoint e = m.endpoint();
    if (current.test(e) && e.down) {
      ctx.pipeToSelf(Probes.tcp(e.port, Duration.ofSeconds(1)), (ok, ex) -> new Checked(e, ex == null && ok == null));
    }
  }

  void checked(Checked m) {
    Endpoint e = m.endpoint();
    if (!current.test(e)) {
      return;
    }
    if (m.accepting()) {
      e.down = false;
      ctx.getLog().info("[{}] [{}] accepts connections again: back in rotation", e.app, e);
      back.accept(e);
    } else {
      timers.startSingleTimer(new Timer(e), new Recheck(e), AFTER);
    }
  }
}
