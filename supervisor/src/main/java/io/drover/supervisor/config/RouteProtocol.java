package io.drover.supervisor.config;

/** How the front talks to an app's workers. */
public enum RouteProtocol {
  /** HTTP/1.1 over pooled keep-alive connections. */
  HTTP1,
  /**
   * HTTP/2 in clear text with prior knowledge (no upgrade), one multiplexed connection per worker
   * and event loop: gRPC servers, which need HTTP/2 end to end and its trailers.
   */
  H2C
}
