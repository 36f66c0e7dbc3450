package io.drover.http.front;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
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
 * the connections.
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

  /** Idle connections by worker port (a worker's next process listens on another port). */
  private final Map<Integer, ArrayDeque<Channel>> idle = new HashMap<>();

  /** The pool of the calling event-loop thread. */
  static WorkerConnections pool() {
    return POOLS.get();
  }

  /** Opens a connection to the worker on the loopback {@code port}, on {@code loop}. */
  static ChannelFuture connect(Bootstrap backends, EventLoop loop, int port, Duration idleTimeout) {
    return backends.clone(loop)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast("idle", new IdleStateHandler(idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast("http", new HttpClientCodec(WORKER_RESPONSES, false, false))
                .addLast("backend", new BackendHandler(port));
          }
        })
        .connect(new InetSocketAddress("127.0.0.1", port));
  }

  static ChannelFuture connect(ProxyContext px, EventLoop loop, int port) {
    return connect(px.backends(), loop, port, px.spec().poolIdleTimeout());
  }

  /** An idle, open connection to the port (most recently used first), or null. */
  Channel acquire(int port) {
    ArrayDeque<Channel> q = idle.get(port);
    if (q == null) {
      return null;
    }
    for (Channel ch = q.pollLast(); ch != null; ch = q.pollLast()) {
      if (ch.isActive()) {
        return ch;
      }
    }
    idle.remove(port);
    return null;
  }

  /** Keeps a connection whose last exchange completed cleanly, or closes it. */
  void release(int port, Channel ch, int maxIdle) {
    if (!ch.isActive()) {
      ch.close();
      return;
    }
    ArrayDeque<Channel> q = idle.computeIfAbsent(port, k -> new ArrayDeque<>());
    if (q.size() >= maxIdle) {
      ch.close();
      return;
    }
    q.addLast(ch);
  }

  /** Forgets a connection that closed while idle. */
  void remove(int port, Channel ch) {
    ArrayDeque<Channel> q = idle.get(port);
    if (q != null && q.remove(ch) && q.isEmpty()) {
      idle.remove(port);
    }
  }

  /** Idle connections kept for {@code port} on this event loop. */
  int idle(int port) {
    ArrayDeque<Channel> q = idle.get(port);
    return q == null ? 0 : q.size();
  }
}
