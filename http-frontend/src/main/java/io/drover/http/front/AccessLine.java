package io.drover.http.front;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * One request as the access log writes it, taken on the event loop when the request ends (a
 * tunnel: when it closes); formatted on the log's own thread ({@link AccessLogFormat}).
 *
 * @param timeMillis when it ended (epoch milliseconds)
 * @param app the app routed to, or null when none was
 * @param worker the last worker tried (the one that answered, or failed last), or null when none was
 * @param uri the request target as the client sent it
 * @param status the status answered; 499 when the client left before any answer
 * @param bytes body bytes passed to the client (a tunnel: every byte from the worker after the 101)
 * @param durationNanos from the request's head to its end
 * @param upstreamNanos from picking the last attempt's worker to that attempt's end, or -1 when none was made
 * @param retries attempts after the first
 * @param upgrade the protocol a tunnel switched to (websocket), or null
 */
record AccessLine(
    long timeMillis,
    String app,
    Endpoint worker,
    String method,
    String uri,
    String protocol,
    int status,
    long bytes,
    long durationNanos,
    long upstreamNanos,
    int retries,
    CharSequence client,
    String requestId,
    String referer,
    String userAgent,
    String upgrade) {

  /** The status logged for a request whose client left before it was answered (nginx's). */
  static final int CLIENT_LEFT = 499;

  /** The line of an exchange that ended now; {@code upgrade} names a tunnel's protocol (then {@code bytes} are its). */
  static AccessLine of(Exchange e, long nowNanos, String upgrade, long bytes) {
    HttpHeaders h = e.request.headers();
    return new AccessLine(
        System.currentTimeMillis(),
        e.route == null ? null : e.route.app(),
        e.tried.isEmpty() ? null : e.tried.get(e.tried.size() - 1),
        e.request.method().name(),
        e.uri,
        e.clientVersion.text(),
        e.status != 0 ? e.status : CLIENT_LEFT,
        bytes,
        nowNanos - e.startNanos,
        upgrade != null && e.attemptStart != 0 ? nowNanos - e.attemptStart : e.upstreamNanos,
        Math.max(0, e.tried.size() - 1),
        e.client,
        e.requestId,
        h.get(HttpHeaderNames.REFERER),
        h.get(HttpHeaderNames.USER_AGENT),
        upgrade);
  }
}
