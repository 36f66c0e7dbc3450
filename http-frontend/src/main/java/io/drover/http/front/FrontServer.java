package io.drover.http.front;

import io.drover.supervisor.config.HttpSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front's data plane: a Netty server (epoll where available, one event loop per core) whose
 * connections proxy each request to a worker picked from the current {@link RouteSnapshot}.
 */
public final class FrontServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FrontServer.class);
  /**
   * Buffers of both connections of a request come from the pooled allocator's per-thread caches:
   * they are taken and given back on the same event loop (measured with bench/profile.sh: less
   * front CPU per request than Netty 4.2's default adaptive allocator).
   */
  static final io.netty.buffer.ByteBufAllocator ALLOCATOR = io.netty.buffer.PooledByteBufAllocator.DEFAULT;

  /** Largest body chunk the codecs hand on at once. */
  static final int CHUNK = 16 * 1024;

  private final EventLoopGroup group;
  private final Channel server;
  private final String transport;
  private final LoopbackForwarder forwarder;
  private final AccessLog accessLog;

  private FrontServer(EventLoopGroup group, Channel server, String transport, LoopbackForwarder forwarder, AccessLog accessLog) {
    this.group = group;
    this.accessLog = accessLog;
    this.server = server;
    this.transport = transport;
    this.forwarder = forwarder;
  }

  /**
   * Binds the front; fails when the address cannot be bound. Its access log goes to {@code
   * logsDir}, its meters (besides the front actor's) to {@code registry}.
   */
  public static FrontServer start(HttpSpec spec, SnapshotHolder holder, ActorRef<Front.Command> front, Path logsDir,
      MeterRegistry registry) throws InterruptedException {
    boolean epoll = Epoll.isAvailable();
    int threads = spec.eventLoops() > 0 ? spec.eventLoops() : Runtime.getRuntime().availableProcessors();
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            threads,
            new DefaultThreadFactory("drover-front", true),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    Class<? extends SocketChannel> clientClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;

    Bootstrap backends =
        new Bootstrap()
            .channel(clientClass)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, ALLOCATOR)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis()));
    AccessLog accessLog = AccessLog.of(spec.accessLog(), logsDir, registry);
    ProxyContext px = new ProxyContext(spec, holder, front, backends, accessLog, new RequestIds());

    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(serverClass)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast("http", new HttpServerCodec(spec.maxInitialLine(), spec.maxHeaderSize(), CHUNK))
                        .addLast("deadlines", new ClientTimeouts(spec.idleTimeout().toMillis()))
                        .addLast("proxy", new ProxyHandler(px));
                  }
                });
    try {
      Channel server = b.bind(new InetSocketAddress(spec.iface(), spec.port())).sync().channel();
      String transport = epoll ? "epoll" : "nio";
      log.info("front listening on {} ({} event loops, {})", server.localAddress(), threads, transport);
      return new FrontServer(group, server, transport, new LoopbackForwarder(backends, group, spec.poolIdleTimeout(), spec.poolMaxIdle(), false),
          accessLog);
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /** Carries requests from other nodes' fronts to this node's worker processes, on these loops. */
  public LoopbackForwarder forwarder() {
    return forwarder;
  }

  /** Where the access log is written (when any app's requests are logged). */
  public Path accessLogFile() {
    return accessLog.file();
  }

  public String transport() {
    return transport;
  }

  /** Stops accepting new connections; open ones keep being served. */
  public void unbind() {
    server.close().syncUninterruptibly();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    accessLog.close();
  }
}
