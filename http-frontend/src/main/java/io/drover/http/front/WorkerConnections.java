package io.drover.http.front;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one HTTP client to worker processes on loopback: keep-alive connections, one idle pool per
 * event loop. A request only ever uses connections on its own event loop, so nothing here is
 * shared between threads and a request never changes thread. Streamed requests from clients
 * ({@link StreamedTransport}) and whole ones from other nodes ({@link LoopbackForwarder}) share
 * the connections. A connection idle longer than {@code pool-idle-timeout} (kept below the
 * workers' own keep-alive timeouts: Node closes after 5 s) is never used again: it is closed when
 * met, and a sweep on the loop closes the rest.
 */
final class WorkerConnections {
  private static final FastThreadLocal<WorkerConnections> POOLS =
      new FastThreadLocal<>() {
        @Override
        protected WorkerConnections initialValue() {
          return new WorkerConnections();
        }
      };

  /**
   * Responses from our own workers: generous limits, and no per-header validation on this side
   * (requests from clients, the untrusted side, are validated by the server codec).
   */
  private static final HttpDecoderConfig WORKER_RESPONSES =
      new HttpDecoderConfig()
          .setMaxInitialLineLength(8192)
          .setMaxHeaderSize(64 * 1024)
          .setMaxChunkSize(FrontServer.CHUNK)
          .setValidateHeaders(false);

  /** Idle connections (their handlers) by worker port (a worker's next process listens on another port), oldest first. */
  private final Map<Integer, ArrayDeque<BackendHandler>> idle = new HashMap<>();
  /** No idle connection for a port (never added to, never in {@link #idle}). */
  private static final ArrayDeque<BackendHandler> NONE = new ArrayDeque<>(0);
  private long idleTimeoutNanos = Long.MAX_VALUE;
  private boolean sweeping;

  /** The pool of the calling event-loop thread. */
  static WorkerConnections pool() {
    return POOLS.get();
  }

  /** Opens a connection to the worker on the loopback {@code port}, on {@code loop}. */
  static ChannelFuture connect(Bootstrap backends, EventLoop loop, int port) {
    return backends.clone(loop)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            WorkerCodec codec = new WorkerCodec(WORKER_RESPONSES);
            ch.pipeline().addLast("http", codec).addLast("backend", new BackendHandler(port, codec));
          }
        })
        .connect(new InetSocketAddress("127.0.0.1", port));
  }

  /**
   * An idle, open connection to the port (most recently used first), or null; {@code now} is a
   * recent System.nanoTime.
   */
  BackendHandler acquire(int port, long now) {
    // No null from the map or the queue here: under steady load both always had something, and C2
    // speculates on that (a null never seen at a cast), so the first empty pool (clients that closed
    // took their worker connections along, new ones come) would throw the compiled request path away
    // (a speculate_null_check trap) and recompile it while the box is busy. An empty test is a branch.
    ArrayDeque<BackendHandler> q = idle.getOrDefault(port, NONE);
    while (!q.isEmpty()) {
      BackendHandler h = q.pollLast();
      if (h.channel.isActive() && now - h.idleSince < idleTimeoutNanos) {
        return h;
      }
      h.channel.close(); // idle too long: the worker may be closing it right now
    }
    if (q != NONE) {
      idle.remove(port);
    }
    return null;
  }

  /** Keeps a connection whose last exchange completed cleanly (at most {@code maxIdle} per port), or closes it. */
  void release(BackendHandler h, int maxIdle, Duration idleTimeout) {
    Channel ch = h.channel;
    ArrayDeque<BackendHandler> q = ch.isActive() ? idle.computeIfAbsent(h.port, k -> new ArrayDeque<>()) : null;
    if (q == null || q.size() >= maxIdle) {
      ch.close();
      return;
    }
    h.idleSince = System.nanoTime();
    q.addLast(h);
    idleTimeoutNanos = idleTimeout.toNanos();
    if (!sweeping) {
      sweeping = true;
      ch.eventLoop().schedule(() -> sweep(ch.eventLoop()), idleTimeoutNanos / 2 + 1, TimeUnit.NANOSECONDS);
    }
  }

  /** Closes connections idle longer than the timeout; runs on the loop while any are pooled. */
  private void sweep(EventLoop loop) {
    long now = System.nanoTime();
    for (ArrayDeque<BackendHandler> q : idle.values()) {
      while (!q.isEmpty() && now - q.peekFirst().idleSince >= idleTimeoutNanos) {
        q.pollFirst().channel.close(); // out of the queue already: its close finds nothing to remove
      }
    }
    idle.values().removeIf(ArrayDeque::isEmpty);
    sweeping = !idle.isEmpty();
    if (sweeping) {
      loop.schedule(() -> sweep(loop), idleTimeoutNanos / 2 + 1, TimeUnit.NANOSECONDS);
    }
  }

  /** Forgets a connection that closed while idle. */
  void remove(BackendHandler h) {
    ArrayDeque<BackendHandler> q = idle.get(h.port);
    if (q != null && q.remove(h) && q.isEmpty()) {
      idle.remove(h.port);
    }
  }

  /** Idle connections kept for {@code port} on this event loop. */
  int idle(int port) {
    ArrayDeque<BackendHandler> q = idle.get(port);
    return q == null ? 0 : q.size();
  }
}
