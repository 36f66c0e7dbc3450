package io.drover.http.front;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One ready worker process as the data plane sees it: where it listens, how many requests it has
 * in flight, and whether it may be picked. Identity is the worker actor plus the port: a worker's
 * next process listens on another port and is another endpoint.
 */
public final class Endpoint {
  final ActorRef<io.drover.supervisor.ProcessWorker.Command> worker;
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

  Endpoint(ActorRef<io.drover.supervisor.ProcessWorker.Command> worker, String app, int instance, int port, boolean actor) {
    this.worker = worker;
    this.actor = actor;
    this.remote = !worker.path().address().hasLocalScope();
    this.app = app;
    this.instance = instance;
    this.port = port;
    this.address = new InetSocketAddress("127.0.0.1", port);
  }

  /** The one check every balancer shares: may this endpoint take a new request now? */
  boolean available() {
    return !down && !draining;
  }

  boolean sameProcess(ActorRef<?> otherWorker, int otherPort) {
    return worker.equals(otherWorker) && port == otherPort;
  }

  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public String toString() {
    return remote ? app + "-" + instance + "@" + worker.path().address().hostPort() : app + "-" + instance + "@" + port;
  }
}
