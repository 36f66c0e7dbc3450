package io.drover.supervisor.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayDeque;
import java.util.Deque;

/** Hands out free loopback ports, never the same one twice in a short while. */
public final class Ports {
  private static final int RECENT = 256;
  private static final Deque<Integer> recent = new ArrayDeque<>();
  /** Ports this process binds later itself (its API): never handed to a worker. */
  private static final java.util.Set<Integer> reserved = new java.util.HashSet<>();

  private Ports() {}

  /**
   * Keeps {@code port} from ever being handed out: the node binds it itself once its workers are
   * starting (its management API), and a worker given it first would take it away.
   */
  public static synchronized void reserve(int port) {
    if (port > 0) {
      reserved.add(port);
    }
  }

  /** A port that was free on 127.0.0.1 a moment ago, not reserved and not handed out recently. */
  public static synchronized int freeLoopbackPort() {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("no free loopback port", e);
      }
      if (!recent.contains(port) && !reserved.contains(port)) {
        recent.addLast(port);
        if (recent.size() > RECENT) {
          recent.removeFirst();
        }
        return port;
      }
    }
    throw new IllegalStateException("no free loopback port after 50 attempts");
  }
}
