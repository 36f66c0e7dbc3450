package io.drover.http.front;

import io.drover.supervisor.WorkerCommand;
import io.drover.supervisor.config.AppSpec;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * The workers the front drains ({@link Front.Drain}): out of rotation, each is polled until its
 * requests in flight are done, or its drain timeout has passed. Its tunnels (WebSockets, other
 * upgrades) may hold it only for the app's {@code stop.tunnel-grace} (at most the drain timeout):
 * then they are closed ({@link Tunnels#closeAll}, a WebSocket with close code 1001), and the
 * drain completes once they are. Ordinary requests keep the whole drain timeout. The front
 * actor's only.
 */
final class Drains {
  /** Polls one drain. */
  record Check(Endpoint endpoint) implements Front.Command {}

  /** Timer key: a drain's polling (beside a health recheck of the same endpoint). */
  private record Poll(Endpoint endpoint) {}

  private static final Duration POLL = Duration.ofMillis(10);

  /** One drain in progress; deadlines are System.nanoTime values. */
  private static final class Draining {
    final Front.Drain request;
    final long deadline;
    final long tunnelDeadline;
    boolean tunnelsClosed;

    Draining(Front.Drain request, long deadline, long tunnelDeadline) {
      this.request = request;
      this.deadline = deadline;
      this.tunnelDeadline = tunnelDeadline;
    }
  }

  private final TimerScheduler<Front.Command> timers;
  private final Logger log;
  /** The front takes a drained endpoint out of its tables (and publishes), before the drain is answered. */
  private final Consumer<Endpoint> drained;
  private final Map<Endpoint, Draining> byEndpoint = new HashMap<>();
  /** Per app, kept after it stops being routed (its workers are drained then). */
  private final Map<String, Duration> tunnelGrace = new HashMap<>();
  /**
   * Endpoints that left the listing with requests still in flight: a drain that arrives after
   * the worker's deregistration must still find them and wait.
   */
  private final Map<ActorRef<WorkerCommand>, Endpoint> retired = new HashMap<>();

  Drains(TimerScheduler<Front.Command> timers, Logger log, Consumer<Endpoint> drained) {
    this.timers = timers;
    this.log = log;
    this.drained = drained;
  }

  /** A routed app, new or changed: its tunnel grace. */
  void app(AppSpec spec) {
    tunnelGrace.put(spec.name(), spec.stop().tunnelGrace());
  }

  boolean draining(Endpoint e) {
    return byEndpoint.containsKey(e);
  }

  /** The endpoint left rotation for good: kept findable while it has requests in flight. */
  void retire(Endpoint e) {
    if (e.inFlight.get() > 0) {
      retired.put(e.worker, e);
    }
  }

  /** Forgets the retired endpoints with nothing in flight and no drain. */
  void pruneRetired() {
    retired.values().removeIf(e -> e.inFlight.get() <= 0 && !draining(e));
  }

  Collection<Endpoint> retired() {
    return retired.values();
  }

  /** The endpoint of {@code worker}'s process on {@code port}, in rotation ({@code apps}: per app, by worker) or retired; or null. */
  Endpoint find(Collection<Map<ActorRef<WorkerCommand>, Endpoint>> apps, ActorRef<WorkerCommand> worker, int port) {
    for (Map<ActorRef<WorkerCommand>, Endpoint> app : apps) {
      Endpoint e = app.get(worker);
      if (e != null && e.port == port) {
        return e;
      }
    }
    Endpoint e = retired.get(worker);
    return e != null && e.port == port ? e : null;
  }

  /** The endpoint is out of rotation already: waits for its requests and tunnels, then answers {@code m}. */
  void start(Endpoint e, Front.Drain m) {
    long now = System.nanoTime();
    long timeout = m.timeout().toNanos();
    long grace = Math.min(tunnelGrace.getOrDefault(e.app, m.timeout()).toNanos(), timeout);
    byEndpoint.put(e, new Draining(m, now + timeout, now + grace));
    check(new Check(e));
  }

  void check(Check m) {
    Endpoint e = m.endpoint();
    Draining d = byEndpoint.get(e);
    if (d == null) {
      return;
    }
    long now = System.nanoTime();
    if (!d.tunnelsClosed && now >= d.tunnelDeadline) {
      d.tunnelsClosed = true;
      int closed = e.tunnels.closeAll(); // and any that opens from now on
      if (closed > 0) {
        log.info("[{}] [{}] tunnel grace over: closing {} tunnels", e.app, e, closed);
      }
    }
    boolean timedOut = now >= d.deadline;
    if (e.inFlight.get() > 0 && !timedOut) {
      timers.startSingleTimer(new Poll(e), new Check(e), POLL);
      return;
    }
    if (timedOut) {
      log.warn("[{}] [{}] drain timed out with {} requests in flight", e.app, e, e.inFlight.get());
    } else {
      log.debug("[{}] [{}] drained", e.app, e);
    }
    byEndpoint.remove(e);
    retired.remove(e.worker, e);
    drained.accept(e);
    d.request.replyTo().tell(Done.getInstance());
  }
}
