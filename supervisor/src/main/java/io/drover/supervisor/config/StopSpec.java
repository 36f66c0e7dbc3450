package io.drover.supervisor.config;

import java.time.Duration;

/**
 * How a worker is stopped: out of rotation, then up to {@code drainTimeout} for its in-flight
 * requests to finish, then {@code signal} to its whole process tree, then KILL after {@code
 * timeout}.
 *
 * @param tunnelGrace how long its long-lived connections (WebSockets, other upgrades) may stay
 *     once it drains, before they are closed (a WebSocket with close code 1001 "going away"); a
 *     drain never waits longer than {@code drainTimeout} for them either
 */
public record StopSpec(Signal signal, Duration timeout, Duration drainTimeout, Duration tunnelGrace) {

  /** Without a tunnel grace of its own: tunnels may stay the whole drain. */
  public StopSpec(Signal signal, Duration timeout, Duration drainTimeout) {
    this(signal, timeout, drainTimeout, drainTimeout);
  }
}
