package io.drover.http.front;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The open tunnels of one endpoint (WebSockets and other protocol switches), opened and closed on
 * any event loop. A drain closes them all once their grace is over ({@link #closeAll}); a tunnel
 * that opens after that is closed as it opens. Tunnels open and close rarely next to requests: one
 * lock is enough, and it makes an opening tunnel and a closing drain always see each other.
 */
final class Tunnels {
  private final Set<OpenTunnel> open = new HashSet<>();
  private boolean closing;

  /** Registers a tunnel that just opened; false (nothing registered) when the endpoint's tunnels are being closed. */
  synchronized boolean add(OpenTunnel t) {
    return !closing && open.add(t);
  }

  synchronized void remove(OpenTunnel t) {
    open.remove(t);
  }

  synchronized int size() {
    return open.size();
  }

  /** Closes every open tunnel (each on its own event loop), and any that opens from now on; returns how many were open. */
  int closeAll() {
    List<OpenTunnel> all;
    synchronized (this) {
      closing = true;
      all = new ArrayList<>(open);
    }
    all.forEach(OpenTunnel::goAway);
    return all.size();
  }
}
