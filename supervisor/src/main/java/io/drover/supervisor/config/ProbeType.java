package io.drover.supervisor.config;

/** How a worker is probed. */
public enum ProbeType {
  /** Not probed: a started process counts as ready (readiness) or alive (liveness). */
  NONE,
  /** The worker's PORT accepts a TCP connection on loopback. */
  TCP,
  /** GET on a path of the worker's PORT answers 2xx. */
  HTTP,
  /**
   * The worker says so itself over the sd_notify protocol on {@code NOTIFY_SOCKET}: {@code
   * READY=1} (readiness), {@code WATCHDOG=1} at least once per interval (liveness).
   */
  NOTIFY
}
