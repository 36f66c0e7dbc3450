package io.drover.supervisor.config;

import java.util.Optional;

/**
 * The node's management API (and dashboard).
 *
 * @param enabled whether the node serves it
 * @param iface the address to listen on
 * @param port the port to listen on; 0 picks a free one
 * @param token the bearer token every call must carry, if set
 */
public record ManagementSpec(boolean enabled, String iface, int port, Optional<String> token) {

  /** Whether {@link #iface} is a loopback address (127.0.0.0/8, ::1, localhost). */
  public boolean loopbackOnly() {
    String i = iface.toLowerCase(java.util.Locale.ROOT);
    return i.equals("localhost") || i.startsWith("127.") || i.equals("::1") || i.equals("0:0:0:0:0:0:0:1");
  }
}
