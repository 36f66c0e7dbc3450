package io.drover.http.front;

import io.netty.channel.Channel;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections to workers, one pool per event loop: a request only ever uses
 * connections that live on its own inbound connection's event loop, so nothing here is shared
 * between threads and a request never changes thread.
 */
final class BackendPool {
  private static final FastThreadLocal<BackendPool> POOLS =
      new FastThreadLocal<>() {
        @Override
        protected BackendPool initialValue() {
          return new BackendPool();
        }
      };

  private final Map<Endpoint, ArrayDeque<Channel>> idle = new HashMap<>();

  /** The pool of the calling event-loop thread. */
  static BackendPool current() {
    return POOLS.get();
  }

  /** An idle, open connection to the endpoint (most recently used first), or null. */
  Channel acquire(Endpoint e) {
    ArrayDeque<Channel> q = idle.get(e);
    if (q == null) {
      return null;
    }
    for (Channel ch = q.pollLast(); ch != null; ch = q.pollLast()) {
      if (ch.isActive()) {
        return ch;
      }
    }
    idle.remove(e);
    return null;
  }

  /** Keeps a connection whose last exchange completed cleanly, or closes it. */
  void release(Endpoint e, Channel ch, int maxIdle) {
    if (!ch.isActive() || !e.available()) {
      ch.close();
      return;
    }
    ArrayDeque<Channel> q = idle.computeIfAbsent(e, k -> new ArrayDeque<>());
    if (q.size() >= maxIdle) {
      ch.close();
      return;
    }
    q.addLast(ch);
  }

  /** Forgets a connection that closed while idle. */
  void remove(Endpoint e, Channel ch) {
    ArrayDeque<Channel> q = idle.get(e);
    if (q != null && q.remove(ch) && q.isEmpty()) {
      idle.remove(e);
    }
  }
}
