package io.drover.supervisor.config;

/**
 * How the front does its I/O ({@code drover.http.transport}): Linux's io_uring or epoll, through
 * Netty's native transports, or the JDK's NIO (any OS). One that is not available here falls back
 * to the next (io_uring, then epoll, then NIO), and the node says at start which one runs.
 */
public enum IoKind {
  IO_URING,
  EPOLL,
  NIO;

  /** Its name in config: {@code io_uring}, {@code epoll}, {@code nio}. */
  public String configName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
