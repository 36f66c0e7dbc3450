package io.drover.node;

import io.drover.supervisor.Supervisor;
import io.drover.supervisor.config.DroverSettings;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * An actor's tick that runs only while the supervisor's settings call for it (an autoscaler with
 * no app to scale spends nothing). The actor's settings come from one ask at start and then from
 * {@link Supervisor.SettingsChanged}, subscribed before the ask so that no change falls between;
 * the actor hands each to {@link #take}, and its failed ask to {@link #askFailed}.
 *
 * @param <T> the actor's message type
 */
final class SettingsTicks<T> {
  private final ActorContext<T> context;
  private final TimerScheduler<T> timers;
  private final ActorRef<Supervisor.Command> supervisor;
  private final Duration askTimeout;
  private final T tick;
  private final Duration every;
  private final Predicate<DroverSettings> wanted;
  private final Function<DroverSettings, T> answered;
  /** Whether a published change came, after which the start's answer is stale. */
  private boolean changeHeard;

  /**
   * Subscribes to the changes ({@code changed} wraps them), asks once ({@code answered} wraps the
   * answer, null when none came within {@code askTimeout}), and from then on keeps {@code tick}
   * every {@code every} while {@code wanted} holds for the settings taken last.
   */
  SettingsTicks(ActorContext<T> context, TimerScheduler<T> timers, ActorRef<Supervisor.Command> supervisor, Duration askTimeout,
      T tick, Duration every, Predicate<DroverSettings> wanted, Function<DroverSettings, T> changed,
      Function<DroverSettings, T> answered) {
    this.context = context;
    this.timers = timers;
    this.supervisor = supervisor;
    this.askTimeout = askTimeout;
    this.tick = tick;
    this.every = every;
    this.wanted = wanted;
    this.answered = answered;
    context.getSystem().eventStream().tell(new EventStream.Subscribe<>(Supervisor.SettingsChanged.class,
        context.messageAdapter(Supervisor.SettingsChanged.class, c -> changed.apply(c.settings()))));
    ask();
  }

  private void ask() {
    context.ask(DroverSettings.class, supervisor, askTimeout, Supervisor.GetSettings::new, (settings, e) -> answered.apply(settings));
  }

  /** The start's ask got no answer in time: asks again, unless a change told the settings meanwhile. */
  void askFailed() {
    if (!changeHeard) {
      ask();
    }
  }

  /**
   * Settings from the start's ask ({@code asked}) or from a change: starts or stops the tick, and
   * says whether they are the current ones (false: a stale answer, to be ignored).
   */
  boolean take(DroverSettings settings, boolean asked) {
    if (asked && changeHeard) {
      return false;
    }
    changeHeard |= !asked;
    if (!wanted.test(settings)) {
      timers.cancel(tick);
    } else if (!timers.isTimerActive(tick)) {
      timers.startTimerWithFixedDelay(tick, every);
    }
    return true;
  }
}
