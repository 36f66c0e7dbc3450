package io.drover.supervisor.config;

import static io.drover.supervisor.config.Reader.anyNull;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads and validates {@code drover.http}, the node's HTTP front, into an {@link HttpSpec}. Each
 * bad key adds one problem and reading goes on, as in {@link AppReader}.
 */
final class HttpReader {
  static final String INTERFACE =
      "an IPv4 or IPv6 address (such as 127.0.0.1, 0.0.0.0 or \"::\") or localhost";
  static final int MAX_PORT = 65_535;
  static final int MAX_EVENT_LOOPS = 256;
  static final int MAX_POOL_IDLE = 10_000;
  static final long MIN_LIMIT = 1024;
  static final long MAX_LIMIT = 1024 * 1024;
  static final String LIMIT = "a size between 1K and 1M";

  private HttpReader() {}

  /**
   * The front read by {@code http}, or null when it is absent or a problem was found in it.
   *
   * @param baseDir directory relative certificate paths resolve against
   */
  static HttpSpec read(Reader http, Path baseDir) {
    if (http == null) {
      return null;
    }
    Boolean enabled = http.bool("enabled");
    String iface = iface(http);
    Long port = http.integer("port", 0, MAX_PORT, Reader.integerRange(0, MAX_PORT));
    Long eventLoops =
        http.integer(
            "event-loops", 0, MAX_EVENT_LOOPS, Reader.integerRange(0, MAX_EVENT_LOOPS));
    IoKind transport = http.choice("transport", IoKind.class, t -> t.toLowerCase(java.util.Locale.ROOT).replace('-', '_'), IoKind::configName);
    LoopScheduling loopScheduling = http.choice("loop-scheduling", LoopScheduling.class);
    Duration connectTimeout = http.duration("connect-timeout", false);
    Duration idleTimeout = http.duration("idle-timeout", false);
    Long maxInitialLine = http.size("max-initial-line", MIN_LIMIT, MAX_LIMIT, LIMIT);
    Long maxHeaderSize = http.size("max-header-size", MIN_LIMIT, MAX_LIMIT, LIMIT);
    Duration poolIdleTimeout = http.duration("pool-idle-timeout", false);
    Long poolMaxIdle =
        http.integer("pool-max-idle", 0, MAX_POOL_IDLE, Reader.integerRange(0, MAX_POOL_IDLE));
    Boolean via = http.bool("via");
    java.util.Set<ForwardedHeader> forwardHeaders = http.choices("forward-headers", ForwardedHeader.class);
    AccessLogSpec accessLog = accessLog(http.group("access-log"));
    Boolean redirect = http.bool("redirect-to-https");
    TlsSpec tls = TlsReader.tls(http, baseDir, port);
    Http2Spec http2 = TlsReader.http2(http);
    if (redirect != null && redirect && tls != null && !tls.enabled()) {
      http.problem("redirect-to-https", "on while drover.http.tls.enabled is off", "off, or tls enabled (the redirect points at its port)");
      redirect = null;
    }
    if (anyNull(enabled, iface, port, eventLoops, transport, loopScheduling, connectTimeout, idleTimeout)
        || anyNull(maxInitialLine, maxHeaderSize, poolIdleTimeout, poolMaxIdle, via, forwardHeaders, accessLog, redirect, tls, http2)) {
      return null;
    }
    return new HttpSpec(
        enabled,
        iface,
        port.intValue(),
        eventLoops.intValue(),
        transport,
        loopScheduling,
        connectTimeout,
        idleTimeout,
        maxInitialLine.intValue(),
        maxHeaderSize.intValue(),
        poolIdleTimeout,
        poolMaxIdle.intValue(),
        via,
        forwardHeaders,
        accessLog,
        redirect,
        tls,
        http2);
  }

  /** {@code http.access-log}, or null when a problem was found in it. */
  static AccessLogSpec accessLog(Reader log) {
    if (log == null) {
      return null;
    }
    Boolean enabled = log.bool("enabled");
    AccessLogSpec.Format format = log.choice("format", AccessLogSpec.Format.class);
    Long maxSize = log.size("max-size", MIN_LIMIT, Long.MAX_VALUE / 2, "a size of at least 1K, such as 512K, 100M or 1G");
    Long keep = log.integer("keep", 0, 1000, Reader.integerRange(0, 1000));
    if (anyNull(enabled, format, maxSize, keep)) {
      return null;
    }
    return new AccessLogSpec(enabled, format, new LogSpec(maxSize, keep.intValue()));
  }

  /** The listen address as written, when it is an IP literal or localhost (no DNS lookup). */
  static String iface(Reader http) {
    String text = http.string("interface", INTERFACE);
    if (text != null && !Addresses.isListenAddress(text)) {
      http.problem("interface", Reader.describe(http.raw("interface")), INTERFACE);
      return null;
    }
    return text;
  }
}
