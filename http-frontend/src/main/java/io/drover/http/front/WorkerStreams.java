package io.drover.http.front;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 client to h2c workers ({@code route.protocol = h2c}): per event loop, per worker
 * port, multiplexed connections opened with prior knowledge (no upgrade), each request a stream
 * of its own ({@link H2cTransport}). A connection takes streams up to the worker's
 * SETTINGS_MAX_CONCURRENT_STREAMS; past it another connection is opened. A connection the worker
 * sends GOAWAY on takes no new stream and closes when its last one ends; one without streams
 * for {@code pool-idle-timeout} is closed. As with {@link WorkerConnections}, nothing here is
 * shared between threads.
 */
final class WorkerStreams {
  private static final FastThreadLocal<WorkerStreams> POOLS =
      new FastThreadLocal<>() {
        @Override
        protected WorkerStreams initialValue() {
          return new WorkerStreams();
        }
      };

  /** Header lists from our own workers may be large (gRPC metadata); the client side is validated by the server codec. */
  private static final long MAX_HEADER_LIST = 64 * 1024;

  /** How long a new connection may take to bring the worker's SETTINGS (its stream limit). */
  private static final long SETTINGS_TIMEOUT_SECONDS = 10;
  /** How often one request looks for a connection with room before it takes one without. */
  private static final int MAX_LOOKS = 8;

  private final Map<Integer, List<Connection>> byPort = new HashMap<>();

  /** The pool of the calling event-loop thread. */
  static WorkerStreams pool() {
    return POOLS.get();
  }

  /**
   * A new stream to the worker on the loopback {@code port}, its pipeline turning frames into
   * HTTP/1 objects for a {@link WorkerStream}; fails with the connect error when the worker cannot
   * be reached.
   */
  Future<Http2StreamChannel> open(Bootstrap backends, EventLoop loop, int port, Duration idleTimeout) {
    Promise<Http2StreamChannel> opened = loop.newPromise();
    place(backends, loop, port, idleTimeout, opened, 0);
    return opened;
  }

  /**
   * Opens the stream on a connection with room, or waits for one being opened; when that one
   * turns out to have no room left (its SETTINGS said fewer streams than wait for it), looks again.
   */
  private void place(Bootstrap backends, EventLoop loop, int port, Duration idleTimeout, Promise<Http2StreamChannel> opened,
      int looks) {
    Connection c = usable(port);
    if (c == null) {
      c = connect(backends, loop, port, idleTimeout);
      byPort.computeIfAbsent(port, k -> new ArrayList<>(2)).add(c);
    }
    if (c.ready.isDone()) {
      c.openStream(opened);
      return;
    }
    Connection conn = c;
    conn.ready.addListener(f -> {
      if (!f.isSuccess()) {
        opened.setFailure(f.cause());
      } else if (conn.hasRoom() || looks >= MAX_LOOKS) { // past MAX_LOOKS the worker refuses it, and it is retried
        conn.openStream(opened);
      } else {
        place(backends, loop, port, idleTimeout, opened, looks + 1);
      }
    });
  }

  /** A connection to the port that may take another stream (one still starting counts), or null. */
  private Connection usable(int port) {
    List<Connection> list = byPort.get(port);
    if (list == null) {
      return null;
    }
    for (Connection c : list) {
      if (c.takesStreams()) {
        return c;
      }
    }
    return null;
  }

  private Connection connect(Bootstrap backends, EventLoop loop, int port, Duration idleTimeout) {
    Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
        .initialSettings(Http2Settings.defaultSettings().pushEnabled(false).maxHeaderListSize(MAX_HEADER_LIST))
        .validateHeaders(false)
        .build();
    Connection c = new Connection(port, codec, idleTimeout.toNanos(), loop.newPromise());
    ChannelFuture f = backends.clone(loop)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast("h2", codec)
                .addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel pushed) {
                    pushed.close(); // push is off: a stream the worker opens is no answer to anything
                  }
                }))
                .addLast("h2-connection", c);
          }
        })
        .connect(new InetSocketAddress("127.0.0.1", port));
    c.channel = f.channel();
    f.addListener((ChannelFuture done) -> {
      if (!done.isSuccess()) {
        c.ready.tryFailure(done.cause());
      }
    });
    f.channel().closeFuture().addListener(done -> {
      c.ready.tryFailure(new IOException("the worker closed the connection before its HTTP/2 SETTINGS (is it an h2c server?)"));
      forget(c);
    });
    // a port that accepts but never speaks HTTP/2: given up, like a connection that is never accepted
    loop.schedule(() -> {
      if (c.ready.tryFailure(new IOException("no HTTP/2 SETTINGS from the worker within " + SETTINGS_TIMEOUT_SECONDS + "s"))) {
        c.channel.close();
      }
    }, SETTINGS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    return c;
  }

  private void forget(Connection c) {
    List<Connection> list = byPort.get(c.port);
    if (list != null && list.remove(c) && list.isEmpty()) {
      byPort.remove(c.port);
    }
  }

  /** Connections to {@code port} on this event loop. */
  int connections(int port) {
    List<Connection> list = byPort.get(port);
    return list == null ? 0 : list.size();
  }

  /** One HTTP/2 connection to a worker, and the end of its parent pipeline (it sees GOAWAY and errors). */
  static final class Connection extends ChannelInboundHandlerAdapter {
    final int port;
    private final Http2FrameCodec codec;
    private final long idleTimeoutNanos;
    Channel channel;
    /** Done when the worker's first SETTINGS arrived (its stream limit is known), failed when the connection did not get there. */
    final Promise<Void> ready;
    /** Streams opened or being opened on it. */
    int streams;
    /** The worker sent GOAWAY: no new stream; closed when its last one ends. */
    boolean goingAway;
    private long idleSince;
    private boolean idleCheck;

    Connection(int port, Http2FrameCodec codec, long idleTimeoutNanos, Promise<Void> ready) {
      this.port = port;
      this.codec = codec;
      this.idleTimeoutNanos = idleTimeoutNanos;
      this.ready = ready;
    }

    /** Whether a request may use it: it takes streams now, or is starting (and who waits looks again once its limit is known). */
    boolean takesStreams() {
      return !goingAway && channel.isOpen() && (!ready.isDone() || (ready.isSuccess() && hasRoom()));
    }

    /** Fewer streams than the worker's SETTINGS_MAX_CONCURRENT_STREAMS. */
    boolean hasRoom() {
      return streams < codec.connection().local().maxActiveStreams();
    }

    void openStream(Promise<Http2StreamChannel> opened) {
      streams++;
      new Http2StreamChannelBootstrap(channel)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
              stream.pipeline()
                  .addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(false, false))
                  .addLast("worker", new WorkerStream());
            }
          })
          .open()
          .addListener((Future<Http2StreamChannel> f) -> {
            if (f.isSuccess()) {
              f.getNow().closeFuture().addListener(done -> streamClosed());
              opened.setSuccess(f.getNow());
            } else {
              streamClosed();
              opened.setFailure(f.cause());
            }
          });
    }

    private void streamClosed() {
      if (--streams > 0) {
        return;
      }
      if (goingAway) {
        channel.close();
        return;
      }
      idleSince = System.nanoTime();
      if (!idleCheck) { // one check on the loop at a time, not one per request
        idleCheck = true;
        channel.eventLoop().schedule(this::closeIfIdle, idleTimeoutNanos + 1, TimeUnit.NANOSECONDS);
      }
    }

    private void closeIfIdle() {
      long idle = System.nanoTime() - idleSince;
      if (streams > 0 || !channel.isOpen()) {
        idleCheck = false;
      } else if (idle >= idleTimeoutNanos) {
        idleCheck = false;
        channel.close();
      } else {
        channel.eventLoop().schedule(this::closeIfIdle, idleTimeoutNanos - idle + 1, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2SettingsFrame) {
        ready.trySuccess(null);
      } else if (msg instanceof Http2GoAwayFrame) {
        goingAway = true; // streams past its last stream id were refused (their WorkerStream is told)
        if (streams == 0) {
          ctx.close();
        }
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // its streams end with it, each failing its request
    }
  }
}
