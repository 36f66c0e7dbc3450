package io.drover.supervisor.config;

import java.time.Duration;
import java.util.Optional;

/**
 * The node's management API (and dashboard).
 *
 * @param enabled whether the node serves it
 * @param iface the address to listen on
 * @param port the port to listen on; 0 picks a free one
 * @param token the bearer token every call must carry, if set
 * @param tls HTTPS instead of HTTP on {@link #port}, if set
 * @param allowPlaintext whether plain HTTP beyond loopback was asked for (the token then crosses
 *     the network in clear text)
 */
public record ManagementSpec(
    boolean enabled, String iface, int port, Optional<String> token, Optional<Tls> tls, boolean allowPlaintext) {

  /**
   * The API's certificate.
   *
   * @param pair the certificate chain and key files
   * @param reloadInterval how often the files are checked for change; zero: never
   */
  public record Tls(TlsSpec.Pair pair, Duration reloadInterval) {}

  /** Plain HTTP (loopback, or behind a proxy that terminates TLS). */
  public ManagementSpec(boolean enabled, String iface, int port, Optional<String> token) {
    this(enabled, iface, port, token, Optional.empty(), false);
  }

  /** Whether {@link #iface} is a loopback address (127.0.0.0/8, ::1, localhost). */
  public boolean loopbackOnly() {
    String i = iface.toLowerCase(java.util.Locale.ROOT);
    return i.equals("localhost") || i.startsWith("127.") || i.equals("::1") || i.equals("0:0:0:0:0:0:0:1");
  }

  /** "https" or "http". */
  public String scheme() {
    return tls.isPresent() ? "https" : "http";
  }
}
