package io.drover.supervisor.config;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The node's HTTP front.
 *
 * @param enabled whether the node listens at all
 * @param iface the address to listen on
 * @param port the port to listen on; 0 picks a free one
 * @param eventLoops event-loop threads; 0 means as many as the CPU cores with io_uring, half of them (at least one) with epoll or NIO
 * @param transport how the front does its I/O (falling back when it is not available)
 * @param loopScheduling how Linux schedules the event-loop threads
 * @param connectTimeout time to open a connection to a worker
 * @param idleTimeout a client connection idle this long is closed
 * @param maxInitialLine longest request line accepted (longer: 414)
 * @param maxHeaderSize largest request header block accepted (larger: 431)
 * @param poolIdleTimeout an idle keep-alive connection to a worker is closed after this (keep it
 *     below the workers' own keep-alive timeout, 5s in Node)
 * @param poolMaxIdle idle connections kept per worker per event loop
 * @param via whether a {@code Via: 1.1 drover} header is added
 * @param forwardHeaders the headers added to requests on their way to a worker
 * @param accessLog the access log: one line per request
 * @param redirectToHttps the plain listener answers every request with a 308 to its https URL
 * @param tls TLS termination (its own listener)
 * @param http2 HTTP/2 towards clients
 */
public record HttpSpec(
    boolean enabled,
    String iface,
    int port,
    int eventLoops,
    IoKind transport,
    LoopScheduling loopScheduling,
    Duration connectTimeout,
    Duration idleTimeout,
    int maxInitialLine,
    int maxHeaderSize,
    Duration poolIdleTimeout,
    int poolMaxIdle,
    boolean via,
    Set<ForwardedHeader> forwardHeaders,
    AccessLogSpec accessLog,
    boolean redirectToHttps,
    TlsSpec tls,
    Http2Spec http2) {
  public HttpSpec {
    // an EnumSet: forwards() runs for every request
    forwardHeaders = Collections.unmodifiableSet(
        forwardHeaders.isEmpty() ? EnumSet.noneOf(ForwardedHeader.class) : EnumSet.copyOf(forwardHeaders));
  }

  /** Whether {@code header} is added to requests on their way to a worker. */
  public boolean forwards(ForwardedHeader header) {
    return forwardHeaders.contains(header);
  }
}
