package io.drover.supervisor.config;

/**
 * HTTP/2 towards clients ({@code drover.http.http2}).
 *
 * @param enabled offered over TLS by ALPN (h2 before http/1.1)
 * @param h2c HTTP/2 with prior knowledge on the plain listener (beside HTTP/1.1)
 * @param maxConcurrentStreams streams a client may have open on one connection at once
 * @param maxResetsPerWindow streams a client may reset within {@code resetWindowSeconds} before the
 *     connection is closed (rapid reset, CVE-2023-44487)
 * @param resetWindowSeconds that window
 */
public record Http2Spec(boolean enabled, boolean h2c, int maxConcurrentStreams, int maxResetsPerWindow, int resetWindowSeconds) {}
