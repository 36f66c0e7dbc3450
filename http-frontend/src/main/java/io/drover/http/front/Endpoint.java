package io.drover.http.front;

import io.drover.supervisor.WorkerCommand;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One ready worker process as the data plane sees it: where it listens, how many requests it has
 * in flight, and whether it may be picked. Identity is the worker actor plus the port: a worker's
 * next process listens on another port and is another endpoint.
 */
public final class Endpoint {
  final ActorRef<io.drover.supervisor.WorkerCommand> worker;
  /** An actor worker: requests travel as messages to {@link #worker}, not over a socket. */
  final boolean actor;
  /** A worker on another node: requests travel as messages to {@link #worker} (see Remote). */
  final boolean remote;
  final String app;
  final int instance;
  final int port;
  final InetSocketAddress address;
  /** Requests sent and not yet answered in full; draining waits for 0. */
  final AtomicInteger inFlight = new AtomicInteger();
  /** Refused or reset a connection (passive health); cleared when it accepts again. */
  volatile boolean down;
  /** Being stopped: no new requests. */
  volatile boolean draining;
  /** Out of rotation for a while after failing too often in a row (outlier ejection). */
  volatile boolean ejected;
  /** Answers that failed in a row (5xx or none); reset by a good one. */
  final AtomicInteger failuresInRow = new AtomicInteger();
  /** Times the front actor ejected it (the next ejection lasts longer); the front actor's only. */
  int ejections;
  /** When its last ejection ended (System.nanoTime); the front actor's only. */
  long returnedAt;
  /** When it joined rotation (System.nanoTime), for slow start. */
  long since = System.nanoTime();
  /**
   * Requests handed to its process, counted for {@code recycle.max-requests} ({@link ServedReports});
   * null when they are not counted (its app does not recycle by requests, an actor worker, a
   * worker on another node).
   */
  volatile LongAdder served;
  /** What {@link #served} summed at its last report to the worker; the front actor's only. */
  long reported;
  /** Its open tunnels (WebSockets, other upgrades), which a drain closes after their grace. */
  final Tunnels tunnels = new Tunnels();
  /** What a sticky key's rendezvous hash mixes in: the worker's instance (and node), not its port. */
  final long stickyId;

  /**
   * @param selfNode this node's address ({@code host:port}; "" when not clustered): a worker is
   *     named by its node and instance alike on every node's front, so sticky keys hash the same
   */
  Endpoint(ActorRef<io.drover.supervisor.WorkerCommand> worker, String app, int instance, int port, boolean actor,
      String selfNode) {
    this.worker = worker;
    this.actor = actor;
    this.remote = !worker.path().address().hasLocalScope();
    this.app = app;
    this.instance = instance;
    this.port = port;
    this.address = new InetSocketAddress("127.0.0.1", port);
    String node = remote ? worker.path().address().hostPort() : selfNode;
    this.stickyId = Balancer.mix((app + "-" + instance + "@" + node).hashCode() * 0x9E3779B97F4A7C15L);
  }

  /** The one check every balancer shares: may this endpoint take a new request now? */
  boolean available() {
    return !down && !draining && !ejected;
  }

  /** A request was handed to its process: counted when its requests are. */
  void handedOver() {
    LongAdder s = served;
    if (s != null) {
      s.increment();
    }
  }

  boolean sameProcess(ActorRef<?> otherWorker, int otherPort) {
    return worker.equals(otherWorker) && port == otherPort;
  }

  /**
   * Counts a failed attempt toward its failures in a row (outlier ejection): the front actor hears
   * of it the moment it reaches the route's consecutive-failures.
   */
  void failed(io.drover.supervisor.config.OutlierSpec outlier, ActorRef<Front.Command> front,
      io.drover.supervisor.WorkerFailure failure, String detail) {
    failedInARow(outlier, front, () -> failure.name().toLowerCase(java.util.Locale.ROOT) + ": " + detail);
  }

  /** Its answer's status: a 5xx counts as a failure in a row, anything else ends a run of them. */
  void answered(int status, io.drover.supervisor.config.OutlierSpec outlier, ActorRef<Front.Command> front) {
    if (status < 500) {
      if (failuresInRow.get() != 0) {
        failuresInRow.set(0);
      }
    } else {
      failedInARow(outlier, front, () -> "status " + status);
    }
  }

  private void failedInARow(io.drover.supervisor.config.OutlierSpec outlier, ActorRef<Front.Command> front,
      java.util.function.Supplier<String> why) {
    if (outlier.enabled() && failuresInRow.incrementAndGet() == outlier.consecutiveFailures()) {
      front.tell(new Ejections.Failing(this, why.get()));
    }
  }

  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public String toString() {
    return remote ? app + "-" + instance + "@" + worker.path().address().hostPort() : app + "-" + instance + "@" + port;
  }
}
