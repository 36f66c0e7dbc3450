package io.drover.http.front;

import io.drover.supervisor.RouteEvent;
import io.drover.supervisor.config.OutlierSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Outlier ejection, on the front actor's thread (Envoy's consecutive-5xx rule): the data plane
 * reports a worker whose answers failed {@code consecutive-failures} times in a row; it leaves
 * rotation for {@code base-ejection-time} times the number of its ejections (at most {@link
 * OutlierSpec#MAX_TIME}), unless {@code max-ejection-percent} of its app's workers are out
 * already, so a worker that fails fast does not soak up the traffic a least-busy pick sends it.
 * Each ejection and return is an event.
 */
final class Ejections {
  /** From the data plane: the endpoint's answers failed this many times in a row. */
  record Failing(Endpoint endpoint, String why) implements Front.Command {}

  /** Its ejection is over. */
  record Return(Endpoint endpoint) implements Front.Command {}

  /** What a decision needs of the endpoint's app. */
  record Rotation(OutlierSpec outlier, Collection<Endpoint> endpoints, AppMeters meters) {}

  private record Timer(Endpoint endpoint) {}

  private final ActorContext<Front.Command> ctx;
  private final TimerScheduler<Front.Command> timers;
  private final Predicate<Endpoint> current;
  private final Function<String, Rotation> rotation;
  private final Consumer<Endpoint> back;

  Ejections(ActorContext<Front.Command> ctx, TimerScheduler<Front.Command> timers, Predicate<Endpoint> current,
      Function<String, Rotation> rotation, Consumer<Endpoint> back) {
    this.ctx = ctx;
    this.timers = timers;
    this.current = current;
    this.rotation = rotation;
    this.back = back;
  }

  void failing(Failing m) {
    Endpoint e = m.endpoint();
    e.failuresInRow.set(0); // the next run of failures is judged afresh, ejected or not
    Rotation r = rotation.apply(e.app);
    if (r == null || !r.outlier().enabled() || e.ejected || !current.test(e)) {
      return;
    }
    long out = r.endpoints().stream().filter(x -> x.ejected).count();
    long allowed = (long) r.endpoints().size() * r.outlier().maxPercent() / 100;
    if (out + 1 > allowed) {
      ctx.getLog().info("[{}] [{}] failed {} times in a row ({}); not ejected: {} of {} workers are out already",
          e.app, e, r.outlier().consecutiveFailures(), m.why(), out, r.endpoints().size());
      return;
    }
    if (e.ejections > 0 && System.nanoTime() - e.returnedAt > OutlierSpec.MAX_TIME.toNanos()) {
      e.ejections = 0; // well for longer than the longest ejection: it starts again from the base time
    }
    e.ejections++;
    Duration time = r.outlier().baseTime().multipliedBy(e.ejections);
    if (time.compareTo(OutlierSpec.MAX_TIME) > 0) {
      time = OutlierSpec.MAX_TIME;
    }
    e.ejected = true;
    r.meters().ejected();
    String detail = "failed " + r.outlier().consecutiveFailures() + " times in a row (last: " + m.why()
        + "): out of rotation for " + io.drover.supervisor.Durations.human(time);
    ctx.getLog().warn("[{}] [{}] {}", e.app, e, detail);
    publish(e, false, detail);
    timers.startSingleTimer(new Timer(e), new Return(e), time);
  }

  void returned(Return m) {
    Endpoint e = m.endpoint();
    if (!e.ejected) {
      return;
    }
    e.ejected = false;
    e.returnedAt = System.nanoTime();
    e.failuresInRow.set(0);
    if (current.test(e)) {
      ctx.getLog().info("[{}] [{}] back in rotation after its ejection", e.app, e);
      publish(e, true, "back in rotation after its ejection");
      back.accept(e);
    }
  }

  private void publish(Endpoint e, boolean inRotation, String detail) {
    ctx.getSystem().eventStream().tell(new EventStream.Publish<>(new RouteEvent(Instant.now(), e.app, e.toString(), inRotation, detail)));
  }
}
