package io.drover.supervisor.config;

/** How a worker is probed. */
public enum ProbeType {
  /** Not probed: a started process counts as ready (readiness) or alive (liveness). */
  NONE,
  /** The worker's PORT accepts a TCP connection on loopback. */
  TCP,
  /** GET on a path of the worker's PORT answers 2xx. */
  HTTP
}
